using System.Diagnostics;
using System.Globalization;
using EtlAgent.Core.Ports;

namespace EtlAgent.Core.Workspace;

/// <summary>
/// <see cref="IVersionControl"/> through the `git` command, run in the workspace folder (which may
/// be a folder inside the repository: paths are relative to it, and only files under it count).
/// </summary>
public sealed class GitRepository(string root) : IVersionControl
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(2);

    public string Root { get; } = Path.GetFullPath(root);

    public IReadOnlyList<ChangedFile> ChangedSince(string reference)
    {
        if (string.IsNullOrWhiteSpace(reference) || reference.StartsWith('-'))
            throw new ConfigurationException($"--changed-since needs a git revision (a commit, branch or tag); got '{reference}'.");
        var verified = Git("rev-parse", "--verify", "--quiet", reference + "^{commit}");
        if (verified.Code != 0)
        {
            var inside = Git("rev-parse", "--is-inside-work-tree");
            throw new ConfigurationException(inside.Code != 0
                ? $"--changed-since: {Root} is not inside a git repository ({inside.Error.Trim()})."
                : $"--changed-since: '{reference}' is not a revision of this repository.");
        }
        var since = Lines(Run("diff", "--name-only", "--no-renames", "--relative", reference, "--", "."));
        var dirty = Lines(Run("diff", "--name-only", "--no-renames", "--relative", "HEAD", "--", ".")).ToHashSet(StringComparer.Ordinal);
        var untracked = Lines(Run("ls-files", "--others", "--exclude-standard", "--", "."));
        var result = new List<ChangedFile>();
        foreach (var path in since.Concat(untracked).Distinct(StringComparer.Ordinal))
        {
            bool uncommitted = dirty.Contains(path) || untracked.Contains(path);
            var time = Run("log", "-1", "--format=%ct", $"{reference}..HEAD", "--", path).Trim();
            DateTimeOffset? committed = long.TryParse(time, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds)
                ? DateTimeOffset.FromUnixTimeSeconds(seconds) : null;
            result.Add(new ChangedFile(path, committed, uncommitted));
        }
        return result;
    }

    private readonly Dictionary<string, bool> _revisions = new(StringComparer.Ordinal);

    /// <exception cref="ConfigurationException">The revision is not a commit of the repository (checked once per revision).</exception>
    public string? ReadAt(string reference, string path)
    {
        if (string.IsNullOrWhiteSpace(reference) || reference.StartsWith('-') || reference.Contains(':'))
            throw new ConfigurationException($"--base '{reference}': not a git revision.");
        lock (_revisions)
        {
            if (!_revisions.TryGetValue(reference, out var known))
            {
                var verified = Git("rev-parse", "--verify", "--quiet", reference + "^{commit}");
                _revisions[reference] = known = verified.Code == 0;
                if (!known) throw new ConfigurationException($"--base '{reference}': not a commit of the git repository at {Root}{(verified.Error.Trim() is { Length: > 0 } e ? $" ({e})" : "")}.");
            }
        }
        var shown = Git("show", $"{reference}:./{path}");
        return shown.Code == 0 ? (shown.Output.Length > 0 && shown.Output[0] == '\uFEFF' ? shown.Output[1..] : shown.Output) : null;
    }

    private static IReadOnlyList<string> Lines(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(l => l.Replace('\\', '/')).ToList();

    private string Run(params string[] arguments)
    {
        var r = Git(arguments);
        if (r.Code != 0) throw new ConfigurationException($"git {string.Join(' ', arguments)} failed in {Root}: {r.Error.Trim()}");
        return r.Output;
    }

    private (int Code, string Output, string Error) Git(params string[] arguments)
    {
        var start = new ProcessStartInfo("git")
        {
            WorkingDirectory = Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = System.Text.Encoding.UTF8,
        };
        // paths as they are (no octal quoting of non-ASCII names)
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("core.quotepath=off");
        foreach (var a in arguments) start.ArgumentList.Add(a);
        Process process;
        try { process = Process.Start(start) ?? throw new ConfigurationException("--changed-since: git could not be started."); }
        catch (System.ComponentModel.Win32Exception e) { throw new ConfigurationException($"git is needed on the PATH (for --changed-since and --base): {e.Message}"); }
        using (process)
        {
            var error = process.StandardError.ReadToEndAsync();
            var output = process.StandardOutput.ReadToEnd();
            if (!process.WaitForExit(Limit)) { process.Kill(entireProcessTree: true); throw new ConfigurationException($"git {string.Join(' ', arguments)} did not finish in {Limit.TotalSeconds:0} s."); }
            return (process.ExitCode, output, error.GetAwaiter().GetResult());
        }
    }
}
