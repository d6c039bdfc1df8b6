using EtlAgent.Core.Ports;

namespace EtlAgent.Core.Workspace;

/// <summary>Files of a folder on disk. Skips build output and VCS folders while walking, not after.</summary>
public sealed class PhysicalFileSource : IFileSource, IFileWriter
{
    private static readonly HashSet<string> SkippedFolders = new(StringComparer.OrdinalIgnoreCase)
    {
        "bin", "obj", "node_modules", ".git", ".vs", ".vscode-test", ".etl-agent",
    };

    public PhysicalFileSource(string root)
    {
        Root = Path.GetFullPath(root);
    }

    public string Root { get; }

    public IEnumerable<string> EnumerateFiles()
    {
        var pending = new Stack<string>();
        pending.Push(Root);
        while (pending.Count > 0)
        {
            var dir = pending.Pop();
            IEnumerable<string> files, dirs;
            try
            {
                files = Directory.EnumerateFiles(dir).ToList();
                dirs = Directory.EnumerateDirectories(dir).ToList();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue; // an unreadable folder is skipped, not fatal
            }
            foreach (var f in files.OrderBy(f => f, StringComparer.Ordinal))
                yield return ToRelative(f);
            foreach (var d in dirs.OrderByDescending(d => d, StringComparer.Ordinal))
                if (!SkippedFolders.Contains(Path.GetFileName(d))) pending.Push(d);
        }
    }

    public bool Exists(string path) => File.Exists(ToFull(path));

    public string ReadAllText(string path) => File.ReadAllText(ToFull(path));

    public void WriteAllText(string path, string text)
    {
        var full = ToFull(path);
        if (ToRelative(full).StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(ToRelative(full)))
            throw new IOException($"{path}: outside the workspace {Root}; the agent writes only inside it.");
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, text);
    }

    public string ToFull(string relative) => Path.GetFullPath(Path.Combine(Root, relative.Replace('/', Path.DirectorySeparatorChar)));

    public string ToRelative(string full) => Path.GetRelativePath(Root, full).Replace(Path.DirectorySeparatorChar, '/');
}
