using EtlAgent.Core.Model;

namespace EtlAgent.Core.Translation;

/// <summary>A column as a source exposes it to a query.</summary>
public sealed record ColumnShape(string Name, SqlType? Type);

/// <summary>A row source in FROM: its exposed name and its columns (for typing column references).</summary>
public sealed record SourceShape(string Exposed, IReadOnlyList<ColumnShape> Columns, QualifiedName? Table = null);

/// <summary>Name resolution for one query level: its FROM sources and the CTEs in view.</summary>
public sealed class Scope
{
    public Scope(Scope? parent) { Parent = parent; }

    public Scope? Parent { get; }
    public List<SourceShape> Sources { get; } = new();
    public Dictionary<string, IReadOnlyList<ColumnShape>> Ctes { get; } = new(StringComparer.OrdinalIgnoreCase);
    /// <summary>
    /// This level's FROM as DuckDB SQL (no WHERE), when its rows are the rows expressions are
    /// evaluated on: a multi-statement scalar function called with column arguments is run first on
    /// the distinct argument values found there.
    /// </summary>
    public string? FromSql { get; set; }

    /// <summary>The WITH clause this level defines its CTEs in, as DuckDB SQL (a query read on its own needs them).</summary>
    public string? WithSql { get; set; }

    /// <summary>Inside a MERGE/OUTPUT: what INSERTED/DELETED stand for.</summary>
    public Func<string, string, string?>? PseudoTable { get; set; }

    public IReadOnlyList<ColumnShape>? FindCte(string name)
    {
        for (var s = this; s is not null; s = s.Parent)
            if (s.Ctes.TryGetValue(name, out var c)) return c;
        return null;
    }

    /// <summary>In a grouped query: column SQL → its group key (rtrim for strings).</summary>
    public Dictionary<string, string>? Grouped { get; set; }

    /// <summary>
    /// Column names a reference of one part is written qualified by its source for (a GROUP BY item whose name a
    /// select-list alias also gives: DuckDB would read the alias, SQL Server reads the FROM clause's column).
    /// </summary>
    public HashSet<string>? QualifiedNames { get; set; }

    /// <summary>The source of this scope that has the column, or null (none or several).</summary>
    public SourceShape? SourceOf(string column)
    {
        SourceShape? found = null;
        foreach (var src in Sources)
            if (src.Columns.Any(c => string.Equals(c.Name, column, StringComparison.OrdinalIgnoreCase)))
            {
                if (found is not null) return null;
                found = src;
            }
        return found;
    }

    /// <summary>True while the query's WHERE is translated (rows before grouping).</summary>
    public bool InWhere { get; set; }

    /// <summary>The scope (this one or an outer one) whose FROM provides the column.</summary>
    public Scope? Owner(IReadOnlyList<string> parts)
    {
        string col = parts[^1];
        for (var s = this; s is not null; s = s.Parent)
            foreach (var src in s.Sources)
            {
                if (parts.Count >= 2 && !string.Equals(src.Exposed, parts[^2], StringComparison.OrdinalIgnoreCase)) continue;
                if (src.Columns.Any(c => string.Equals(c.Name, col, StringComparison.OrdinalIgnoreCase))) return s;
            }
        return null;
    }

    public SqlType? ColumnType(IReadOnlyList<string> parts)
    {
        string col = parts[^1];
        for (var s = this; s is not null; s = s.Parent)
        {
            foreach (var src in s.Sources)
            {
                if (parts.Count >= 2 && !string.Equals(src.Exposed, parts[^2], StringComparison.OrdinalIgnoreCase)) continue;
                foreach (var c in src.Columns)
                    if (string.Equals(c.Name, col, StringComparison.OrdinalIgnoreCase)) return c.Type;
            }
        }
        return null;
    }
}
