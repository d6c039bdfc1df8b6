using EtlAgent.Core.Model;

namespace EtlAgent.Core.Catalog;

/// <summary>
/// The workspace's alias types (CREATE TYPE … FROM), by schema-qualified name (dbo when a
/// reference does not say, compared case-insensitively). A type reference resolved here becomes its
/// base type, so the sandbox and the rules see nvarchar(50) where the code says dbo.n_c50.
/// </summary>
public sealed class AliasTypes
{
    private readonly Dictionary<QualifiedName, AliasTypeDef> _types = new();

    public AliasTypes(IEnumerable<AliasTypeDef> types)
    {
        foreach (var t in types) _types.TryAdd(t.Name, t); // the first definition by path wins, like tables
    }

    /// <summary>No alias types: references stay unresolved (the catalog resolves them later).</summary>
    public static AliasTypes None { get; } = new(Array.Empty<AliasTypeDef>());

    public IEnumerable<AliasTypeDef> All => _types.Values.OrderBy(t => t.Name);

    public int Count => _types.Count;

    /// <summary>The alias type a type names, or null (a built-in type, a table type, a type defined nowhere).</summary>
    public AliasTypeDef? Find(SqlType type) =>
        type.UserType is { } name ? _types.GetValueOrDefault(name.WithoutDatabase) : null;

    /// <summary>The base type of an alias type, or the type itself.</summary>
    public SqlType Resolve(SqlType type) => Find(type)?.Base ?? type;

    /// <summary>A column whose type may be an alias type: its base type, and the type's nullability where the column states none.</summary>
    public ColumnDef Resolve(ColumnDef column) => Find(column.Type) is { } alias
        ? column with { Type = alias.Base, Nullable = column.NullabilityFromType ? alias.Nullable : column.Nullable, NullabilityFromType = false, AliasType = alias.Name }
        : column;

    /// <summary>A table's columns resolved (<see cref="Resolve(ColumnDef)"/>); the table itself when none names an alias type.</summary>
    public TableDef Resolve(TableDef table)
    {
        if (_types.Count == 0 || !table.Columns.Any(c => Find(c.Type) is not null)) return table;
        return table with { Columns = table.Columns.Select(Resolve).ToList() };
    }

    public ParameterDef Resolve(ParameterDef parameter) => Find(parameter.Type) is { } alias ? parameter with { Type = alias.Base } : parameter;
}
