using EtlAgent.Core.Model;

namespace EtlAgent.Core.Generation;

/// <summary>
/// The validity window of a versioned table (SCD2): a date column named "… From" and its "… To"
/// (`[Valid From]`, `[Valid To]`). Invariants are inferred from it, and the generator dates the
/// versions an input only reads so the window's end can be moved onto the input's dates.
/// </summary>
public sealed record ValidityWindow(ColumnDef From, ColumnDef To)
{
    public static ValidityWindow? Of(TableDef table)
    {
        var from = table.Columns.FirstOrDefault(c => c.Type.IsDateTime && c.Name.EndsWith("From", StringComparison.OrdinalIgnoreCase));
        var to = from is null ? null : table.Columns.FirstOrDefault(c => c.Type.IsDateTime && string.Equals(c.Name, from.Name[..^4] + "To", StringComparison.OrdinalIgnoreCase));
        return from is null || to is null ? null : new ValidityWindow(from, to);
    }
}
