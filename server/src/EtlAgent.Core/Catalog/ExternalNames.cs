using System.Text.RegularExpressions;
using EtlAgent.Core.Model;

namespace EtlAgent.Core.Catalog;

/// <summary>
/// Names of objects declared to exist outside the workspace (the manifest's `externalObjects`):
/// exact names and globs (`*`, `?`) over database, schema and object name, compared
/// case-insensitively. A one-part name is in dbo, as in T-SQL; a three-part one is another database's.
/// </summary>
public sealed class ExternalNames
{
    private readonly HashSet<QualifiedName> _exact = new();
    private readonly List<(Regex? Database, Regex Schema, Regex Name)> _globs = new();

    public ExternalNames(IEnumerable<string> names)
    {
        foreach (var text in names)
        {
            var parts = QualifiedName.SplitParts(text, keepEmpty: true);
            if (parts.Count > 0 && parts[^1].Length == 0) parts.RemoveAt(parts.Count - 1);
            if (parts.Count == 4) parts.RemoveAt(0); // a linked server's object: code names it by database.schema.name once the server is set aside
            if (parts.Count is 0 or > 3) continue;
            var database = parts.Count == 3 ? parts[0] : null;
            var schema = parts.Count > 1 && parts[^2].Length > 0 ? parts[^2] : QualifiedName.DefaultSchema;
            var name = parts[^1];
            if (!IsGlob(schema) && !IsGlob(name) && (database is null || !IsGlob(database))) _exact.Add(new QualifiedName(database, schema, name));
            else _globs.Add((database is null ? null : Glob(database), Glob(schema), Glob(name)));
        }
    }

    public static ExternalNames None { get; } = new(Array.Empty<string>());

    public bool IsEmpty => _exact.Count == 0 && _globs.Count == 0;

    /// <summary>A two-part entry names the workspace's own database; a three-part one another database.</summary>
    public bool Matches(QualifiedName name)
    {
        if (_exact.Contains(name)) return true;
        foreach (var (database, schema, n) in _globs)
            if ((database is null ? name.Database is null : name.Database is not null && database.IsMatch(name.Database))
                && schema.IsMatch(name.Schema) && n.IsMatch(name.Name)) return true;
        return false;
    }

    public static bool IsGlob(string text) => text.Contains('*') || text.Contains('?');

    private static Regex Glob(string pattern) =>
        new("^" + Regex.Escape(pattern).Replace(@"\*", ".*").Replace(@"\?", ".") + "$",
            RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
}
