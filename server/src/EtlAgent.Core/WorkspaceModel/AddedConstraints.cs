using EtlAgent.Core.Model;

namespace EtlAgent.Core.WorkspaceModel;

/// <summary>
/// Merges constraints declared apart from a table (ALTER TABLE ... ADD CONSTRAINT: a primary key,
/// unique keys, foreign keys, checks, defaults) into its definition, as SQL Server would after the
/// script ran. One the table already has (same name, or same columns) is left as defined.
/// </summary>
public static class AddedConstraints
{
    public static TableDef Merge(TableDef table, TableDef added)
    {
        var result = table;
        if (added.PrimaryKey is { } pk && table.PrimaryKey is null && pk.Columns.All(c => table.FindColumn(c) is not null))
        {
            // a primary key's columns are NOT NULL
            var columns = table.Columns.Select(c => pk.Columns.Contains(c.Name, StringComparer.OrdinalIgnoreCase) ? c with { Nullable = false } : c).ToList();
            result = result with { PrimaryKey = pk, Columns = columns };
        }
        var uniques = result.UniqueKeys.ToList();
        foreach (var u in added.UniqueKeys)
            if (u.Columns.All(c => table.FindColumn(c) is not null) && !uniques.Any(x => SameName(x.Name, u.Name) || SameColumns(x.Columns, u.Columns)))
                uniques.Add(u);
        var fks = result.ForeignKeys.ToList();
        foreach (var f in added.ForeignKeys)
            if (f.Columns.All(c => table.FindColumn(c) is not null) && !fks.Any(x => SameName(x.Name, f.Name) || SameColumns(x.Columns, f.Columns) && x.ReferencedTable == f.ReferencedTable))
                fks.Add(f);
        var checks = result.Checks.ToList();
        foreach (var c in added.Checks)
            if (!checks.Any(x => SameName(x.Name, c.Name) || x.Expression == c.Expression))
                checks.Add(c);
        if (uniques.Count > result.UniqueKeys.Count || fks.Count > result.ForeignKeys.Count || checks.Count > result.Checks.Count)
            result = result with { UniqueKeys = uniques, ForeignKeys = fks, Checks = checks };
        return result;
    }

    /// <summary>The default joins its column unless the column has one already (or is an identity or computed).</summary>
    public static TableDef MergeDefault(TableDef table, ColumnDefault d)
    {
        var index = table.Columns.ToList().FindIndex(c => string.Equals(c.Name, d.Column, StringComparison.OrdinalIgnoreCase));
        if (index < 0) return table;
        var column = table.Columns[index];
        if (column.Default is not null || column.Identity || column.Computed is not null) return table;
        var columns = table.Columns.ToList();
        columns[index] = column with { Default = d.Expression, Sequence = d.Sequence };
        return table with { Columns = columns };
    }

    private static bool SameName(string? a, string? b) => a is not null && b is not null && string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

    private static bool SameColumns(IReadOnlyList<string> a, IReadOnlyList<string> b) =>
        a.Count == b.Count && a.Zip(b).All(p => string.Equals(p.First, p.Second, StringComparison.OrdinalIgnoreCase));
}
