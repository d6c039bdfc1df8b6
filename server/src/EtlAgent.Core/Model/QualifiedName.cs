namespace EtlAgent.Core.Model;

/// <summary>
/// A schema-qualified object name without brackets. Equality is case-insensitive, like
/// SQL Server's default collation; the spelling of the first definition is kept for display.
/// An object of another database (a three-part name) carries that <see cref="Database"/>; the
/// workspace's own objects, and tempdb's, have none.
/// </summary>
public readonly struct QualifiedName : IEquatable<QualifiedName>, IComparable<QualifiedName>
{
    public const string DefaultSchema = "dbo";

    public QualifiedName(string? schema, string name)
    {
        Schema = string.IsNullOrEmpty(schema) ? DefaultSchema : schema;
        Name = name;
        Database = null;
    }

    public QualifiedName(string? database, string? schema, string name) : this(schema, name)
    {
        Database = string.IsNullOrEmpty(database) || string.Equals(database, "tempdb", StringComparison.OrdinalIgnoreCase) ? null : database;
    }

    /// <summary>The other database a three-part name names, or null for the workspace's own objects.</summary>
    public string? Database { get; }

    /// <summary>The same schema and name in the workspace's own database.</summary>
    public QualifiedName WithoutDatabase => new(Schema, Name);

    public string Schema { get; }
    public string Name { get; }

    /// <summary>Temp tables (#x, ##x) live in tempdb and are never catalog objects.</summary>
    public bool IsTemp => Name.StartsWith('#');

    /// <summary>#temp tables and @table variables: local to a batch, never catalog objects.</summary>
    public bool IsLocal => Name.StartsWith('#') || Name.StartsWith('@');

    public bool Equals(QualifiedName other) =>
        StringComparer.OrdinalIgnoreCase.Equals(Database, other.Database) &&
        StringComparer.OrdinalIgnoreCase.Equals(Schema, other.Schema) &&
        StringComparer.OrdinalIgnoreCase.Equals(Name, other.Name);

    public override bool Equals(object? obj) => obj is QualifiedName q && Equals(q);

    public override int GetHashCode() => HashCode.Combine(
        StringComparer.OrdinalIgnoreCase.GetHashCode(Database ?? ""),
        StringComparer.OrdinalIgnoreCase.GetHashCode(Schema ?? ""),
        StringComparer.OrdinalIgnoreCase.GetHashCode(Name ?? ""));

    public int CompareTo(QualifiedName other) =>
        StringComparer.OrdinalIgnoreCase.Compare(ToString(), other.ToString());

    public static bool operator ==(QualifiedName a, QualifiedName b) => a.Equals(b);
    public static bool operator !=(QualifiedName a, QualifiedName b) => !a.Equals(b);

    public override string ToString() => IsLocal ? Name : Database is null ? $"{Schema}.{Name}" : $"{Database}.{Schema}.{Name}";

    /// <summary>
    /// Parses "Schema.Name", "[Schema].[Name]", "Name" (default schema) or "Database.Schema.Name"
    /// ("Database..Name" is in dbo).
    /// </summary>
    public static QualifiedName Parse(string text)
    {
        var parts = SplitParts(text, keepEmpty: true);
        if (parts.Count > 0 && parts[^1].Length == 0) parts.RemoveAt(parts.Count - 1);
        return parts.Count switch
        {
            0 => throw new FormatException($"'{text}' is not an object name."),
            1 => new QualifiedName(null, parts[0]),
            2 => new QualifiedName(parts[0], parts[1]),
            3 => new QualifiedName(parts[0], parts[1], parts[2]),
            // more parts: a name whose parts hold dots (transformation names are kept unbracketed);
            // the last two are schema and name, as always. A linked server's name in code is read by DdlReader.ReferenceOf.
            _ => new QualifiedName(parts[^2], parts[^1]),
        };
    }

    /// <summary>As <see cref="Parse"/>, false for text that is no object name.</summary>
    public static bool TryParse(string text, out QualifiedName name)
    {
        try { name = Parse(text); return true; }
        catch (FormatException) { name = default; return false; }
    }

    /// <summary>Splits a dotted name, honouring [brackets] and "quotes" that may contain dots or spaces.</summary>
    public static List<string> SplitParts(string text) => SplitParts(text, keepEmpty: false);

    /// <summary>As <see cref="SplitParts(string)"/>; with <paramref name="keepEmpty"/> "db..name" keeps its empty schema part.</summary>
    public static List<string> SplitParts(string text, bool keepEmpty)
    {
        var parts = new List<string>();
        var current = new System.Text.StringBuilder();
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '[' || c == '"')
            {
                char close = c == '[' ? ']' : '"';
                i++;
                while (i < text.Length)
                {
                    if (text[i] == close)
                    {
                        if (i + 1 < text.Length && text[i + 1] == close) { current.Append(close); i += 2; continue; }
                        break;
                    }
                    current.Append(text[i++]);
                }
            }
            else if (c == '.')
            {
                parts.Add(current.ToString());
                current.Clear();
            }
            else
            {
                current.Append(c);
            }
        }
        parts.Add(current.ToString().Trim());
        return keepEmpty ? parts.Select(p => p.Trim()).ToList() : parts.Where(p => p.Length > 0).ToList();
    }
}
