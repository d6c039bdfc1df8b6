using EtlAgent.Core.Catalog;
using EtlAgent.Core.Model;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace EtlAgent.Core.Healing;

/// <summary>
/// The columns each table alias of a statement offers: a table's from the catalog, a derived
/// table's from its select list. Aliases reused in nested queries are merged (a repair template only
/// proposes; the verifier decides).
/// </summary>
public sealed class AliasColumns : TSqlFragmentVisitor
{
    private readonly SchemaCatalog _catalog;
    private readonly Dictionary<string, HashSet<string>> _columns = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, QualifiedName> _tables = new(StringComparer.OrdinalIgnoreCase);

    private AliasColumns(SchemaCatalog catalog) => _catalog = catalog;

    public static AliasColumns Of(TSqlFragment statement, SchemaCatalog catalog)
    {
        var result = new AliasColumns(catalog);
        statement.Accept(result);
        return result;
    }

    /// <summary>Whether the table behind <paramref name="alias"/> has a column named <paramref name="column"/>.</summary>
    public bool Has(string alias, string column) => _columns.TryGetValue(alias, out var set) && set.Contains(column);

    /// <summary>The columns behind <paramref name="alias"/> (empty when unknown).</summary>
    public IReadOnlyCollection<string> Columns(string alias) => _columns.TryGetValue(alias, out var set) ? set : Array.Empty<string>();

    /// <summary>The catalog table behind <paramref name="alias"/>, or null (a derived table, a table the catalog does not know).</summary>
    public QualifiedName? Table(string alias) => _tables.TryGetValue(alias, out var t) ? t : null;

    public static QualifiedName NameOf(SchemaObjectName o) => new(o.SchemaIdentifier?.Value ?? "dbo", o.BaseIdentifier.Value);

    public override void Visit(NamedTableReference node)
    {
        var name = NameOf(node.SchemaObject);
        if (_catalog.Find(name) is not { } table) return;
        var alias = node.Alias?.Value ?? node.SchemaObject.BaseIdentifier.Value;
        Add(alias, table.Columns.Select(c => c.Name));
        _tables[alias] = table.Name;
    }

    public override void Visit(QueryDerivedTable node)
    {
        if (node.Alias is null) return;
        var spec = node.QueryExpression as QuerySpecification ?? (node.QueryExpression as BinaryQueryExpression)?.FirstQueryExpression as QuerySpecification;
        if (spec is null) return;
        var names = node.Columns.Count > 0 ? node.Columns.Select(c => c.Value)
            : spec.SelectElements.OfType<SelectScalarExpression>().Select(e => e.ColumnName?.Value ?? (e.Expression as ColumnReferenceExpression)?.MultiPartIdentifier?.Identifiers.LastOrDefault()?.Value).OfType<string>();
        Add(node.Alias.Value, names);
    }

    private void Add(string alias, IEnumerable<string> names)
    {
        if (!_columns.TryGetValue(alias, out var set)) _columns[alias] = set = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        set.UnionWith(names);
    }

    /// <summary>A column reference's qualifier (alias) and column name; null for an unqualified or non-column reference.</summary>
    public static (string Alias, string Column)? Split(ScalarExpression e) =>
        e is ColumnReferenceExpression { MultiPartIdentifier.Identifiers: { Count: >= 2 } ids } ? (ids[^2].Value, ids[^1].Value) : null;
}
