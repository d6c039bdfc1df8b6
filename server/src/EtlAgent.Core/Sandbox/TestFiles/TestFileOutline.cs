using EtlAgent.Core.Model;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace EtlAgent.Core.Sandbox.TestFiles;

/// <summary>
/// What a test file is about, read with the YAML loader and nothing else (no workspace needed):
/// the transformation it targets and the names of its cases. The one answer to "which
/// transformation does this file test" for the language server, the CLI and generation, so a file
/// in any YAML style (block, JSON-like flow, quoted keys) is the same file everywhere.
/// </summary>
public sealed record TestFileOutline(string? Transformation, IReadOnlyList<string> CaseNames)
{
    /// <summary>The outline of a test file's text; null when it is not YAML holding a mapping.</summary>
    public static TestFileOutline? Read(string text)
    {
        var stream = new YamlStream();
        try { stream.Load(new StringReader(text)); }
        catch (YamlException) { return null; }
        return stream.Documents.Count > 0 && stream.Documents[0].RootNode is YamlMappingNode root ? Of(root) : null;
    }

    /// <summary>The outline of a loaded file's root mapping.</summary>
    public static TestFileOutline Of(YamlMappingNode root)
    {
        string? transformation = null;
        var names = new List<string>();
        foreach (var (key, value) in root.Children)
        {
            if (key is not YamlScalarNode { Value: var k }) continue;
            if (k == "transformation" && value is YamlScalarNode { Value: { } t }) transformation = t;
            else if (k == "cases" && value is YamlSequenceNode cases)
                foreach (var c in cases.Children.OfType<YamlMappingNode>())
                    if (c.Children.FirstOrDefault(x => x.Key is YamlScalarNode { Value: "name" }).Value is YamlScalarNode { Value: { } name })
                        names.Add(name);
        }
        return new TestFileOutline(transformation, names);
    }

    /// <summary>
    /// A transformation name as written in a test file, trimmed; a script path (*.sql) with '/'
    /// separators and no leading "./". An object name keeps every character (dbo.[a\b] is not dbo.[a/b]).
    /// </summary>
    public static string Normalize(string name)
    {
        var normalized = name.Trim();
        if (!normalized.EndsWith(".sql", StringComparison.OrdinalIgnoreCase)) return normalized;
        normalized = normalized.Replace('\\', '/');
        return normalized.StartsWith("./", StringComparison.Ordinal) ? normalized[2..] : normalized;
    }

    /// <summary>The transformation as written (<see cref="Normalize"/>d); null when the file names none. Compare with <see cref="NameComparer"/>.</summary>
    public string? TransformationKey =>
        Transformation is null || Normalize(Transformation) is not { Length: > 0 } normalized ? null : normalized;

    /// <summary>The transformation as the workspace shows names (Schema.Name without brackets, or the script path), for matching a filter.</summary>
    public string? DisplayName =>
        TransformationKey is not { } key || key.EndsWith(".sql", StringComparison.OrdinalIgnoreCase) ? TransformationKey
        : TryParse(key) is { } q ? q.ToString() : key;

    /// <summary>
    /// Whether two transformation names name the same transformation, as the loader resolves them:
    /// script paths case-insensitively, object names as <see cref="QualifiedName"/>s ([dbo].[X] is dbo.X).
    /// </summary>
    public static IEqualityComparer<string> NameComparer { get; } = new TransformationNameComparer();

    private static QualifiedName? TryParse(string name)
    {
        try { return QualifiedName.Parse(name); }
        catch (FormatException) { return null; }
    }

    private sealed class TransformationNameComparer : IEqualityComparer<string>
    {
        private static (bool Script, QualifiedName? Name, string Text) Key(string name)
        {
            var normalized = Normalize(name);
            if (normalized.EndsWith(".sql", StringComparison.OrdinalIgnoreCase)) return (true, null, normalized.ToUpperInvariant());
            return TryParse(normalized) is { } q ? (false, q, "") : (false, null, normalized.ToUpperInvariant());
        }

        public bool Equals(string? x, string? y) => x is null || y is null ? x == y : Key(x) == Key(y);

        public int GetHashCode(string name) => Key(name).GetHashCode();
    }
}
