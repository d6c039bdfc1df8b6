namespace EtlAgent.Core.Model;

/// <summary>
/// A schema-qualified object name without brackets. Equality is case-insensitive, like
/// SQL Server's default collation; the spelling of the first definition is kept for display.
/// </summary>
public readonly struct QualifiedName : IEquatable<QualifiedName>, IComparable<QualifiedName>
{
    public const string DefaultSchema = "dbo";

    public QualifiedName(string? schema, string name)
    {
        Schema = string.IsNullOrEmpty(schema) ? DefaultSchema : schema;
        Name = name;
    }

    public string Schema { get; }
    public string Name { get; }

    /// <summary>Temp tables (#x, ##x) live in tempdb and are never catalog objects.</summary>
    public bool IsTemp => Name.StartsWith('#');

    /// <summary>#temp tables and @table variables: local to a batch, never catalog objects.</summary>
    public bool IsLocal => Name.StartsWith('#') || Name.StartsWith('@');

    public bool Equals(QualifiedName other) =>
        StringComparer.OrdinalIgnoreCase.Equals(Schema, other.Schema) &&
        StringComparer.OrdinalIgnoreCase.Equals(Name, other.Name);

    public override bool Equals(object? obj) => obj is QualifiedName q && Equals(q);

    public override int GetHashCode() => HashCode.Combine(
        StringComparer.OrdinalIgnoreCase.GetHashCode(Schema ?? ""),
        StringComparer.OrdinalIgnoreCase.GetHashCode(Name ?? ""));

    public int CompareTo(QualifiedName other) =>
        StringComparer.OrdinalIgnoreCase.Compare(ToString(), other.ToString());

    public static bool operator ==(QualifiedName a, QualifiedName b) => a.Equals(b);
    public static bool operator !=(QualifiedName a, QualifiedName b) => !a.Equals(b);

    public override string ToString() => IsLocal ? Name : $"{Schema}.{Name}";

    /// <summary>Parses "Schema.Name", "[Schema].[Name]" or "Name" (default schema).</summary>
    public static QualifiedName Parse(string text)
    {
        var parts = SplitParts(text);
        return parts.Count switch
        {
            0 => throw new FormatException($"'{text}' is not an object name."),
            1 => new QualifiedName(null, parts[0]),
            _ => new QualifiedName(parts[^2], parts[^1]),
        };
    }

    /// <summary>Splits a dotted name, honouring [brackets] and "quotes" that may contain dots or spaces.</summary>
    public static List<string> SplitParts(string text)
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
        return parts.Where(p => p.Length > 0).ToList();
    }
}
