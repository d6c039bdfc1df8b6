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

    /// <summary>No project file in the workspace.</summary>
    public bool IsEmpty => _projects.Count == 0;

    /// <summary>The workspace's projects, with the output folder of each build configuration; an unreadable project file counts as a project without one.</summary>
    public static DatabaseProjects From(IFileSource files)
    {
        var projects = new List<(string, IReadOnlyList<string>, string?)>();
        var all = files.EnumerateFiles().ToList();
        foreach (var path in all)
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
                collation = CreatedCollation(files, all, folder, text) ?? collation;
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
            projects.Add((folder, outputs, collation));
        }
        return new DatabaseProjects(projects);
    }

    /// <summary>
    /// The collation a pre-deployment script of the project creates its database with (`CREATE DATABASE
    /// [$(DatabaseName)] COLLATE Latin1_General_BIN`): the database the project deploys to is that one, whatever
    /// collation the project's model declares. Pre-deployment scripts are those the project names
    /// (`PreDeploy Include`) and the files of its pre-deployment folder (`PreDeploymentSubFolder`, SQL Change
    /// Automation). Null when none sets one, or when they set different ones.
    /// </summary>
    private static string? CreatedCollation(IFileSource files, List<string> all, string folder, string project)
    {
        var scripts = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (Match m in PreDeployScript.Matches(project))
            scripts.Add(Join(folder, Normalize(m.Groups["path"].Value)));
        foreach (Match m in PreDeployFolder.Matches(project))
        {
            var sub = Join(folder, m.Groups["path"].Value.Replace('\\', '/').Trim('/')) + "/";
            foreach (var f in all)
                if (f.EndsWith(".sql", StringComparison.OrdinalIgnoreCase) && Normalize(f).StartsWith(sub, StringComparison.OrdinalIgnoreCase)) scripts.Add(Normalize(f));
        }
        if (scripts.Count == 0) return null;
        var found = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var f in all)
        {
            if (!scripts.Contains(Normalize(f))) continue;
            var text = Comment.Replace(files.ReadAllText(f), " ");
            foreach (Match m in CreateDatabase.Matches(text)) found.Add(m.Groups["collation"].Value);
        }
        return found.Count == 1 ? found.First() : null;
    }

    private static readonly Regex PreDeployScript = new(@"<PreDeploy\s+Include\s*=\s*""(?<path>[^""]+)""", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
    private static readonly Regex PreDeployFolder = new(@"<PreDeploymentSubFolder>\s*(?<path>[^<]+?)\s*</PreDeploymentSubFolder>", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
    private static readonly Regex Comment = new(@"--[^\r\n]*|/\*[\s\S]*?\*/", RegexOptions.CultureInvariant);

    // the name may be a sqlcmd variable; options (CONTAINMENT, ON ..., LOG ON ...) may come before COLLATE
    private static readonly Regex CreateDatabase = new(
        @"\bCREATE\s+DATABASE\s+(?:\[[^\]]*\]|""[^""]*""|[^\s;]+)[^;]*?\bCOLLATE\s+(?<collation>[A-Za-z0-9_]+)",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

    /// <summary>The folder of the innermost project holding <paramref name="path"/>, or null outside every project.</summary>
    public string? ProjectOf(string path)
    {
        var p = Normalize(path);
        foreach (var (folder, _, _) in _projects)
            if (folder.Length == 0 || p.StartsWith(folder + "/", StringComparison.OrdinalIgnoreCase)) return folder;
        return null;
    }

    /// <summary>
    /// The database collation of the project holding <paramref name="path"/>: the one its pre-deployment script
    /// creates the database with, else the one it declares (DefaultCollation); null when neither says.
    /// </summary>
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
