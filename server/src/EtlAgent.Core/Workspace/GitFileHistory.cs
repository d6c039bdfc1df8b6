using System.Diagnostics;
using EtlAgent.Core.Ports;

namespace EtlAgent.Core.Workspace;

/// <summary>
/// The host adapter of <see cref="IFileHistory"/>: file versions read with `git show REV:./path`
/// from the repository that holds the workspace folder (git must be on the PATH).
/// </summary>
public sealed class GitFileHistory(string root) : IFileHistory
{
    private readonly Dictionary<string, bool> _revisions = new(StringComparer.Ordinal);

    public string? ReadAt(string revision, string path)
    {
        if (revision.StartsWith('-') || revision.Contains(':')) throw new ConfigurationException($"--base '{revision}': not a git revision.");
        lock (_revisions)
        {
            if (!_revisions.TryGetValue(revision, out var known))
            {
                var (code, _, err) = Git("rev-parse", "--verify", "--quiet", revision + "^{commit}");
                _revisions[revision] = known = code == 0;
                if (!known) throw new ConfigurationException($"--base '{revision}': not a commit of the git repository at {root}{(err.Length > 0 ? $" ({err.Trim()})" : "")}.");
            }
        }
        var (status, text, _) = Git("show", $"{revision}:./{path}");
        return status == 0 ? text : null;
    }

    private (int Code, string Out, string Err) Git(params string[] args)
    {
        var info = new ProcessStartInfo("git") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = root };
        info.StandardOutputEncoding = System.Text.Encoding.UTF8;
        foreach (var a in args) info.ArgumentList.Add(a);
        try
        {
            using var p = Process.Start(info) ?? throw new ConfigurationException("--base: git could not be started.");
            var stderr = p.StandardError.ReadToEndAsync();
            var stdout = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            var text = stdout.Length > 0 && stdout[0] == '\uFEFF' ? stdout[1..] : stdout;
            return (p.ExitCode, text, stderr.Result);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new ConfigurationException($"--base needs git on the PATH: {e.Message}");
        }
    }
}
