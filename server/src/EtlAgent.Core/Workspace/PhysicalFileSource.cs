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

    /// <summary>
    /// Writes a file inside the workspace; refuses (<see cref="OutsideWorkspaceException"/>) a path
    /// whose real location, every symbolic link on the way followed, is not under the workspace's
    /// real root: `..`, an absolute path, or a folder or file that is a link to elsewhere.
    /// </summary>
    public void WriteAllText(string path, string text)
    {
        var full = ToFull(path);
        CheckInside(path, full);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        // a link created between the check and the write is not followed by the check: check again
        CheckInside(path, full);
        File.WriteAllText(full, text);
    }

    private void CheckInside(string path, string full)
    {
        var realRoot = RealPath(Root);
        var real = RealPath(full);
        var relative = Path.GetRelativePath(realRoot, real);
        if (relative == ".." || relative.StartsWith(".." + Path.DirectorySeparatorChar, StringComparison.Ordinal) || Path.IsPathRooted(relative) || relative == ".")
            throw new OutsideWorkspaceException(path, $"{path}: outside the workspace {Root} (it resolves to {real}); the agent writes only inside it.");
    }

    /// <summary>
    /// The real location of a path: each existing part with its symbolic links followed (a link
    /// that points to a link is followed to the end), the parts that do not exist yet appended.
    /// </summary>
    public static string RealPath(string path) => RealPath(path, 0);

    private static string RealPath(string path, int depth)
    {
        if (depth > 40) throw new IOException($"{path}: too many levels of symbolic links.");
        var full = Path.GetFullPath(path);
        var root = Path.GetPathRoot(full)!;
        var current = root;
        var parts = full[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries);
        for (int i = 0; i < parts.Length; i++)
        {
            var next = Path.Combine(current, parts[i]);
            FileSystemInfo info = Directory.Exists(next) ? new DirectoryInfo(next) : new FileInfo(next);
            if (info.Exists && info.LinkTarget is not null)
            {
                var target = info.ResolveLinkTarget(returnFinalTarget: true);
                // a dangling link: where it points is where a write would go
                var to = target?.FullName ?? Path.GetFullPath(info.LinkTarget, current);
                // the target may itself sit under links: resolve it the same way
                next = RealPath(to, depth + 1);
            }
            current = next;
        }
        return current;
    }

    public string ToFull(string relative) => Path.GetFullPath(Path.Combine(Root, relative.Replace('/', Path.DirectorySeparatorChar)));

    public string ToRelative(string full) => Path.GetRelativePath(Root, full).Replace(Path.DirectorySeparatorChar, '/');
}
