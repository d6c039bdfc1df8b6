using EtlAgent.Core.Catalog;
using EtlAgent.Core.Model;

namespace EtlAgent.Core.Generation;

/// <summary>
/// The validity window of a versioned table (SCD2): a date column named "… From" and its "… To"
/// (`[Valid From]`, `[Valid To]`). Invariants are inferred from it, and the generator dates the
/// versions an input only reads so the window's end can be moved onto the input's dates.
/// </summary>
public sealed record ValidityWindow(ColumnDef From, ColumnDef To)
{
    public static ValidityWindow? Of(TableDef table) =>
        VersionColumns.FromTo(table) is var (from, to) ? new ValidityWindow(from, to) : null;
}
