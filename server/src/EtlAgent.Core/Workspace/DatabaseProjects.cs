using System.Text.RegularExpressions;
using EtlAgent.Core.Ports;

namespace EtlAgent.Core.Workspace;

/// <summary>
/// The database projects (SSDT / SQL Change Automation `.sqlproj` files) of a workspace. Each project
/// is one database: the same object name in two projects is two objects, not a duplicate, and a
/// project's output folder (`OutputPath`, where a build writes its deployment script) holds copies of
/// the project's sources.
/// </summary>
public sealed class DatabaseProjects
{
    private readonly List<(string Folder, IReadOnlyList<string> Outputs, string? Collation)> _projects;

    private DatabaseProjects(List<(string Folder, IReadOnlyList<string> Outputs, string? Collation)> projects) =>
        _projects = projects.OrderByDescending(p => p.Folder.Length).ToList();

    public static DatabaseProjects None { get; } = new(new List<(string, IReadOnlyList<string>, string?)>());

    /// <summary>The workspace's projects, with the output folder of each build configuration; an unreadable project file counts as a project without one.</summary>
    public static DatabaseProjects From(IFileSource files)
    {
        var projects = new List<(string, IReadOnlyList<string>, string?)>();
        foreach (var path in files.EnumerateFiles())
        {
            if (!path.EndsWith(".sqlproj", StringComparison.OrdinalIgnoreCase)) continue;
            var folder = Folder(path);
            var outputs = new List<string>();
            string? collation = null;
            try
            {
                var text = files.ReadAllText(path);
                foreach (Match m in Regex.Matches(text, @"<OutputPath>\s*([^<]+?)\s*</OutputPath>", RegexOptions.IgnoreCase))
                    if (m.Groups[1].Value.Replace('\\', '/').Trim('/') is { Length: > 0 } relative) outputs.Add(Join(folder, relative));
                var c = Regex.Match(text, @"<DefaultCollation>\s*([^<]+?)\s*</DefaultCollation>", RegexOptions.IgnoreCase);
                if (c.Success) collation = c.Groups[1].Value;
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
            projects.Add((folder, outputs, collation));
        }
        return new DatabaseProjects(projects);
    }

    /// <summary>The folder of the innermost project holding <paramref name="path"/>, or null outside every project.</summary>
    public string? ProjectOf(string path)
    {
        var p = Normalize(path);
        foreach (var (folder, _, _) in _projects)
            if (folder.Length == 0 || p.StartsWith(folder + "/", StringComparison.OrdinalIgnoreCase)) return folder;
        return null;
    }

    /// <summary>The database collation the project holding <paramref name="path"/> declares (DefaultCollation), if any.</summary>
    public string? CollationOf(string path)
    {
        var p = Normalize(path);
        foreach (var (folder, _, collation) in _projects)
            if (folder.Length == 0 || p.StartsWith(folder + "/", StringComparison.OrdinalIgnoreCase)) return collation;
        return null;
    }

    /// <summary>True when <paramref name="path"/> is in its project's output folder (a generated deployment script).</summary>
    public bool IsBuildOutput(string path)
    {
        var p = Normalize(path);
        foreach (var (folder, outputs, _) in _projects)
            if (folder.Length == 0 || p.StartsWith(folder + "/", StringComparison.OrdinalIgnoreCase))
                return outputs.Any(o => p.StartsWith(o + "/", StringComparison.OrdinalIgnoreCase));
        return false;
    }

    private static string Normalize(string path) => path.Replace('\\', '/').TrimStart('.', '/');

    private static string Folder(string path)
    {
        var p = Normalize(path);
        int slash = p.LastIndexOf('/');
        return slash < 0 ? "" : p[..slash];
    }

    private static string Join(string folder, string relative) => folder.Length == 0 ? relative : $"{folder}/{relative}";
}
