using EtlAgent.Core.Model;

namespace EtlAgent.Core.Lineage;

/// <summary>
/// What one transformation's writes do to the uniqueness of columns of a table it writes: whether it adds rows,
/// the column sets every row it adds keeps unique in the whole table (<see cref="Keys"/>: an INSERT guarded by
/// `IF NOT EXISTS` on those columns, distinct seed rows after the table is emptied, a grouped or distinct
/// SELECT), the columns it updates, and whether some write cannot be read that way (MERGE, SELECT INTO, OUTPUT INTO).
/// Kept when the syntax is dropped: the workspace step reads it.
/// </summary>
public sealed record KeptKeys(QualifiedName Table, bool AddsRows, bool Unreadable, IReadOnlyList<IReadOnlySet<string>> Keys, IReadOnlySet<string> Updated)
{
    /// <summary>
    /// Column → the constants its writes put there, or null for a column some write fills otherwise; the whole
    /// map null when some write cannot be read that way. A column it does not write is not in the map.
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlySet<string>?>? Constants { get; init; }
}
