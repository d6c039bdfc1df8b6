namespace EtlAgent.Core.Model;

public enum TableKind
{
    Table,
    View,
    TableType,
    /// <summary>Output of a table-valued function, so a read of it resolves columns.</summary>
    FunctionResult,
}

public sealed record ColumnDef(
    string Name,
    SqlType Type,
    bool Nullable,
    bool Identity = false,
    string? Default = null,
    string? Computed = null,
    /// <summary>The sequence named in DEFAULT (NEXT VALUE FOR ...), if any.</summary>
    QualifiedName? Sequence = null,
    Location? Location = null,
    /// <summary>IDENTITY(seed, increment): the first value and the step (1, 1 when not given).</summary>
    long IdentitySeed = 1,
    long IdentityIncrement = 1,
    /// <summary>
    /// A function result column that can only be NULL through its arguments: called with values
    /// (no NULL argument) it is never NULL, whatever <see cref="Nullable"/> says of an arbitrary call.
    /// </summary>
    bool NotNullGivenArguments = false,
    /// <summary>
    /// The definition says neither NULL nor NOT NULL and no key or identity decides: a column of an
    /// alias type then takes the type's nullability, applied once the catalog knows the type.
    /// </summary>
    bool NullabilityFromType = false,
    /// <summary>The alias type the column is declared with (its <see cref="Type"/> is the base type), or null.</summary>
    QualifiedName? AliasType = null,
    /// <summary>
    /// For a view's or inline function's column that returns one base column as it is: that column
    /// ("Schema.Table.Column"), so what constrains its values (a CHECK of its table) constrains this one's.
    /// </summary>
    string? CopiedFrom = null)
{
    /// <summary>Columns whose value the database supplies: identity, computed, rowversion.</summary>
    public bool IsGenerated => Identity || Computed is not null || Type.Name is "rowversion" or "timestamp";
}

/// <summary>A PRIMARY KEY or UNIQUE constraint; <see cref="Clustered"/> as declared (null: not said, so a primary key is clustered, a unique constraint not).</summary>
public sealed record KeyDef(string? Name, IReadOnlyList<string> Columns, bool IsPrimary, Location? Location = null, bool? Clustered = null)
{
    /// <summary>Whether SQL Server builds the constraint's index as the table's clustered index.</summary>
    public bool IsClustered => Clustered ?? IsPrimary;
}

public sealed record ForeignKeyDef(
    string? Name,
    IReadOnlyList<string> Columns,
    QualifiedName ReferencedTable,
    IReadOnlyList<string> ReferencedColumns,
    Location? Location = null);

public sealed record CheckDef(string? Name, string Expression, string? Column, Location? Location = null);

/// <summary>A table, view, table type or TVF result shape in the catalog.</summary>
public sealed record TableDef(
    QualifiedName Name,
    TableKind Kind,
    IReadOnlyList<ColumnDef> Columns,
    KeyDef? PrimaryKey,
    IReadOnlyList<KeyDef> UniqueKeys,
    IReadOnlyList<ForeignKeyDef> ForeignKeys,
    IReadOnlyList<CheckDef> Checks,
    Location? Location = null,
    /// <summary>DDL options deliberately not modelled (memory-optimized, partition scheme, ...).</summary>
    IReadOnlyList<string>? IgnoredOptions = null,
    /// <summary>
    /// False for a view or function whose query selects * from an object of unknown shape (another
    /// database, a missing table): it has at least <see cref="Columns"/>, maybe more.
    /// </summary>
    bool IsComplete = true,
    /// <summary>Set for a table defined nowhere that the sandbox makes from how the code uses it.</summary>
    StandInOrigin? StandIn = null,
    /// <summary>A view or inline function whose query returns at most one row (TOP (1), a scalar aggregate; for a function, per call).</summary>
    bool AtMostOneRow = false)
{
    public ColumnDef? FindColumn(string name)
    {
        foreach (var c in Columns)
            if (string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase)) return c;
        return null;
    }

    /// <summary>Every key (primary first) that guarantees uniqueness.</summary>
    public IEnumerable<KeyDef> Keys => PrimaryKey is null ? UniqueKeys : UniqueKeys.Prepend(PrimaryKey);
}

/// <summary>
/// An alias type (CREATE TYPE name FROM base_type [NULL | NOT NULL]): its base type with length,
/// precision and scale, and the nullability a column of the type takes when it states none.
/// </summary>
public sealed record AliasTypeDef(QualifiedName Name, SqlType Base, bool Nullable, Location? Location = null);

public sealed record SequenceDef(QualifiedName Name, SqlType Type, long Start, long Increment, Location? Location = null);

/// <summary>
/// CREATE SYNONYM: another name for <see cref="Target"/>. A synonym for an object in another
/// database (<see cref="Remote"/>) is known by name only.
/// </summary>
public sealed record SynonymDef(QualifiedName Name, QualifiedName Target, bool Remote, Location? Location = null);
