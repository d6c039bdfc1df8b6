using EtlAgent.Core.Discovery;
using EtlAgent.Core.Model;

namespace EtlAgent.Core.WorkspaceModel;

/// <summary>
/// Applies a column rename (sp_rename ... 'COLUMN') to a catalogued table, keys and foreign keys
/// included, as SQL Server would after the script ran. A rename whose old column is missing, whose
/// new name another column has, or whose column a check or computed expression names (its text
/// would still say the old name) leaves the table as defined.
/// </summary>
public static class ColumnRenames
{
    public static TableDef Apply(TableDef table, ColumnRename rename)
    {
        var column = table.FindColumn(rename.From);
        if (column is null || string.Equals(column.Name, rename.To, StringComparison.Ordinal)) return table;
        if (table.FindColumn(rename.To) is { } other && !ReferenceEquals(other, column)) return table;
        if (table.Checks.Any(c => Mentions(c.Expression, column.Name)) || table.Columns.Any(c => c.Computed is { } e && Mentions(e, column.Name)))
            return table;
        IReadOnlyList<string> Renamed(IReadOnlyList<string> names) =>
            names.Select(n => string.Equals(n, column.Name, StringComparison.OrdinalIgnoreCase) ? rename.To : n).ToList();
        return table with
        {
            Columns = table.Columns.Select(c => ReferenceEquals(c, column) ? c with { Name = rename.To } : c).ToList(),
            PrimaryKey = table.PrimaryKey is { } pk ? pk with { Columns = Renamed(pk.Columns) } : null,
            UniqueKeys = table.UniqueKeys.Select(u => u with { Columns = Renamed(u.Columns) }).ToList(),
            ForeignKeys = table.ForeignKeys.Select(f => f with { Columns = Renamed(f.Columns) }).ToList(),
        };
    }

    /// <summary>A foreign key elsewhere that references the renamed column follows it.</summary>
    public static TableDef Referencing(TableDef table, QualifiedName renamed, string from, string to)
    {
        if (!table.ForeignKeys.Any(f => f.ReferencedTable == renamed)) return table;
        return table with
        {
            ForeignKeys = table.ForeignKeys.Select(f => f.ReferencedTable != renamed ? f : f with
            {
                ReferencedColumns = f.ReferencedColumns.Select(n => string.Equals(n, from, StringComparison.OrdinalIgnoreCase) ? to : n).ToList(),
            }).ToList(),
        };
    }

    private static bool Mentions(string expression, string column) =>
        System.Text.RegularExpressions.Regex.IsMatch(expression, @"(?<![\w@#$])\[?" + System.Text.RegularExpressions.Regex.Escape(column) + @"\]?(?![\w$])",
            System.Text.RegularExpressions.RegexOptions.IgnoreCase | System.Text.RegularExpressions.RegexOptions.CultureInvariant);
}
