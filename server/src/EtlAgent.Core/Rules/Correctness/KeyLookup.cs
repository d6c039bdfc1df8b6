using EtlAgent.Core.Catalog;
using EtlAgent.Core.Syntax;
using Microsoft.SqlServer.TransactSql.ScriptDom;
using static EtlAgent.Core.Rules.SyntaxRuleHelpers;

namespace EtlAgent.Core.Rules.Correctness;

/// <summary>
/// A table read by a point lookup: the query compares every column of one of the table's keys
/// (its primary key or a unique constraint) with a parameter, variable or literal, so it reads at most one row
/// (`SELECT StrValue FROM etl.Setting WHERE SettingId = @id`).
/// </summary>
internal static class KeyLookup
{
    public static bool IsPointLookup(RuleContext context, NamedTableReference table)
    {
        var query = Innermost(context.Index.OfType<QuerySpecification>(), table, q => q.FromClause is not null && Contains(q.FromClause, table));
        if (query is null) return false;
        var sources = Sources(query.FromClause);
        var me = sources.FirstOrDefault(s => ReferenceEquals(s.Reference, table));
        if (me?.Table is not { } name || me.NullExtended || context.Catalog.Find(name) is not { } def) return false;

        var conditions = new List<BooleanExpression>();
        if (query.WhereClause?.SearchCondition is { } where) conditions.Add(where);
        foreach (var j in JoinTree.Joins(query.FromClause).OfType<QualifiedJoin>())
            if (j.SearchCondition is { } on) conditions.Add(on);
        var fixedColumns = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var tables = new Tables(context);
        foreach (var c in conditions.SelectMany(c => Conjuncts(c, throughParentheses: true)))
        {
            if (c is not BooleanComparisonExpression { ComparisonType: BooleanComparisonType.Equals } eq) continue;
            foreach (var (column, value) in new[] { (eq.FirstExpression, eq.SecondExpression), (eq.SecondExpression, eq.FirstExpression) })
                if (Unparen(column) is ColumnReferenceExpression col && IsColumn(col) && Unparen(value) is VariableReference or Literal &&
                    SourceOf(col, sources, tables.Find) == me && ColumnName(col) is { } n)
                    fixedColumns.Add(n);
        }
        return def.Keys.Any(k => k.Columns.Count > 0 && k.Columns.All(fixedColumns.Contains));
    }
}
