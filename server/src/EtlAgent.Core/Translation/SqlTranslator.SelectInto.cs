using EtlAgent.Core.Catalog;
using EtlAgent.Core.Model;
using EtlAgent.Core.Syntax;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace EtlAgent.Core.Translation;

public sealed partial class SqlTranslator
{
    /// <summary>
    /// What SELECT … INTO carries over to the new table's columns beyond name and type ("SELECT - INTO
    /// Clause", Data types): a column selected as it is keeps its nullability, and an identity column
    /// keeps IDENTITY unless the SELECT joins, groups or aggregates, or lists it twice; then it is made
    /// NOT NULL without it. One entry per result column (<paramref name="width"/>): the column's
    /// nullability and identity, or null when it is an expression or its source is not known here
    /// (then it is nullable, as SQL Server makes most expressions).
    /// </summary>
    public IReadOnlyList<ColumnDef?> SelectIntoOrigins(SelectStatement select, int width)
    {
        var none = new ColumnDef?[width];
        if (select.QueryExpression is not QuerySpecification qs || qs.FromClause is null) return none;
        var ctes = select.WithCtesAndXmlNamespaces?.CommonTableExpressions.Select(c => c.ExpressionName.Value).ToHashSet(StringComparer.OrdinalIgnoreCase)
                   ?? new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var leaves = JoinTree.Leaves(qs.FromClause).Select(l => (Leaf: l, Exposed: ExposedName(l.Source), Columns: LeafColumns(l.Source, ctes))).ToList();
        bool grouped = qs.GroupByClause is not null || qs.HavingClause is not null || qs.SelectElements.Any(HasAggregate);
        bool identityKept = leaves.Count == 1 && !grouped;
        var origins = new List<ColumnDef?>();
        foreach (var element in qs.SelectElements)
        {
            switch (element)
            {
                case SelectStarExpression star:
                {
                    var qualifier = star.Qualifier?.Identifiers[^1].Value;
                    foreach (var (leaf, exposed, columns) in leaves)
                    {
                        if (qualifier is not null && !string.Equals(qualifier, exposed, StringComparison.OrdinalIgnoreCase)) continue;
                        if (columns is null) return none; // a star over a source of unknown shape: positions are not known
                        origins.AddRange(columns.Select(c => c.Computed is null ? Kept(c, leaf.NullExtended) : null));
                    }
                    break;
                }
                case SelectScalarExpression { Expression: ColumnReferenceExpression { ColumnType: ColumnType.Regular } cr }:
                {
                    var parts = cr.MultiPartIdentifier.Identifiers.Select(i => i.Value).ToList();
                    var matches = leaves.Where(l => parts.Count == 1 || string.Equals(parts[^2], l.Exposed, StringComparison.OrdinalIgnoreCase))
                        .Select(l => (l.Leaf, Column: l.Columns?.FirstOrDefault(c => string.Equals(c.Name, parts[^1], StringComparison.OrdinalIgnoreCase))))
                        .Where(m => m.Column is not null).ToList();
                    origins.Add(matches.Count == 1 && matches[0].Column!.Computed is null ? Kept(matches[0].Column!, matches[0].Leaf.NullExtended) : null);
                    break;
                }
                default:
                    origins.Add(null);
                    break;
            }
        }
        if (origins.Count != width) return none;
        // an identity column listed twice keeps IDENTITY in neither place
        var twice = origins.Where(o => o is { Identity: true }).GroupBy(o => o!.Name, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1).Select(g => g.Key).ToHashSet(StringComparer.OrdinalIgnoreCase);
        return origins.Select(o => o is { Identity: true } && (!identityKept || twice.Contains(o.Name)) ? o with { Identity = false, Nullable = false } : o).ToList();
    }

    /// <summary>A source column as the new table takes it: on the optional side of an outer join it can be NULL.</summary>
    private static ColumnDef Kept(ColumnDef c, bool nullExtended) => nullExtended ? c with { Nullable = true, Identity = false } : c;

    private static string? ExposedName(TableReference t) => t switch
    {
        NamedTableReference n => n.Alias?.Value ?? n.SchemaObject.BaseIdentifier.Value,
        VariableTableReference v => v.Alias?.Value ?? v.Variable.Name,
        TableReferenceWithAlias a => a.Alias?.Value,
        _ => null,
    };

    /// <summary>The columns of a table, #temp table, table variable or table the code made; null for any other source.</summary>
    private IReadOnlyList<ColumnDef>? LeafColumns(TableReference t, HashSet<string> ctes)
    {
        switch (t)
        {
            case VariableTableReference v: return Env.LocalTable(v.Variable.Name)?.Columns;
            case NamedTableReference n:
            {
                string baseName = n.SchemaObject.BaseIdentifier.Value;
                if (n.SchemaObject.SchemaIdentifier is null && ctes.Contains(baseName)) return null;
                if (baseName.StartsWith('#')) return Env.LocalTable(baseName)?.Columns;
                var qn = DdlReader.ReferenceOf(n.SchemaObject);
                if (qn.Database is null && Env.MadeTable(qn) is { } made) return made.Columns;
                return Env.Catalog.Find(qn) is { Kind: TableKind.Table } def ? def.Columns : null;
            }
            default: return null;
        }
    }

    private static bool HasAggregate(SelectElement e)
    {
        var finder = new AggregateFinder();
        e.Accept(finder);
        return finder.Found;
    }

    private sealed class AggregateFinder : TSqlFragmentVisitor
    {
        public bool Found;
        public override void Visit(FunctionCall node)
        {
            if (node.OverClause is null && FunctionTable.IsAggregate(node.FunctionName.Value)) Found = true;
        }
        // a subquery's aggregate does not make the outer SELECT an aggregate
        public override void ExplicitVisit(ScalarSubquery node) { }
    }
}
