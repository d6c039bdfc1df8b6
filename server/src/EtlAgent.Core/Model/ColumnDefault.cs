namespace EtlAgent.Core.Model;

/// <summary>
/// A default declared apart from its column: ALTER TABLE t ADD CONSTRAINT DF DEFAULT (0) FOR [c]
/// (how generated release scripts declare every default), merged into the column by the catalog.
/// </summary>
public sealed record ColumnDefault(QualifiedName Table, string Column, string Expression, QualifiedName? Sequence, Location? Location = null);
