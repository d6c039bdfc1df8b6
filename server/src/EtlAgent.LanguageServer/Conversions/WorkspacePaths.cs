namespace EtlAgent.LanguageServer.Conversions;

/// <summary>
/// Maps LSP document URIs to the engine's workspace-relative paths ('/' separators) and back.
/// file: URIs under the root become relative paths; anything else (untitled:, files outside the
/// workspace) keeps its URI as its path, so it can still be analysed while open.
/// </summary>
public sealed class WorkspacePaths
{
    public WorkspacePaths(string root)
    {
        Root = Path.GetFullPath(root);
    }

    public string Root { get; }

    public static string? RootFromUri(string? uri)
    {
        if (string.IsNullOrEmpty(uri)) return null;
        return Uri.TryCreate(uri, UriKind.Absolute, out var u) && u.IsFile ? u.LocalPath : null;
    }

    public string ToPath(string uri)
    {
        if (!Uri.TryCreate(uri, UriKind.Absolute, out var u) || !u.IsFile) return uri;
        var full = Path.GetFullPath(u.LocalPath);
        var relative = Path.GetRelativePath(Root, full);
        if (relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative)) return uri;
        return relative.Replace(Path.DirectorySeparatorChar, '/');
    }

    public string ToUri(string path)
    {
        if (path.Contains("://", StringComparison.Ordinal) || path.StartsWith("untitled:", StringComparison.Ordinal)) return path;
        var full = Path.GetFullPath(Path.Combine(Root, path.Replace('/', Path.DirectorySeparatorChar)));
        return new Uri(full).AbsoluteUri;
    }

    public string ToFullPath(string path) =>
        Path.GetFullPath(Path.Combine(Root, path.Replace('/', Path.DirectorySeparatorChar)));
}
