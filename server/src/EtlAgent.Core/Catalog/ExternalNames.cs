using System.Text.RegularExpressions;
using EtlAgent.Core.Model;

namespace EtlAgent.Core.Catalog;

/// <summary>
/// Names of objects declared to exist outside the workspace (the manifest's `externalObjects`):
/// exact names and globs (`*`, `?`) over schema and object name, compared case-insensitively.
/// A one-part name is in dbo, as in T-SQL.
/// </summary>
public sealed class ExternalNames
{
    private readonly HashSet<QualifiedName> _exact = new();
    private readonly List<(Regex Schema, Regex Name)> _globs = new();

    public ExternalNames(IEnumerable<string> names)
    {
        foreach (var text in names)
        {
            var parts = QualifiedName.SplitParts(text);
            if (parts.Count == 0) continue;
            var schema = parts.Count > 1 ? parts[^2] : QualifiedName.DefaultSchema;
            var name = parts[^1];
            if (!IsGlob(schema) && !IsGlob(name)) _exact.Add(new QualifiedName(schema, name));
            else _globs.Add((Glob(schema), Glob(name)));
        }
    }

    public static ExternalNames None { get; } = new(Array.Empty<string>());

    public bool IsEmpty => _exact.Count == 0 && _globs.Count == 0;

    public bool Matches(QualifiedName name)
    {
        if (_exact.Contains(name)) return true;
        foreach (var (schema, n) in _globs)
            if (schema.IsMatch(name.Schema) && n.IsMatch(name.Name)) return true;
        return false;
    }

    public static bool IsGlob(string text) => text.Contains('*') || text.Contains('?');

    private static Regex Glob(string pattern) =>
        new("^" + Regex.Escape(pattern).Replace(@"\*", ".*").Replace(@"\?", ".") + "$",
            RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
}
