using EtlAgent.Core.Catalog;
using EtlAgent.Core.Model;
using EtlAgent.Core.Syntax;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace EtlAgent.Core.Lineage;

// Queries: CTEs, query expressions and their output columns, FROM clauses and their joins.
public sealed partial class LineageAnalyzer
{
    private void AddCtes(WithCtesAndXmlNamespaces? with, QueryScope scope)
    {
        if (with is null) return;
        foreach (var cte in with.CommonTableExpressions)
        {
            var name = cte.ExpressionName.Value;
            var declared = cte.Columns.Select(c => c.Value).ToList();
            // A recursive CTE refers to itself: expose its declared columns while analysing it.
            if (declared.Count > 0)
                scope.Ctes[name] = new Relation(name, new QualifiedName(null, name),
                    declared.Select(d => (d, new ColumnOrigin(Array.Empty<string>(), MappingKind.Direct))).ToList(), open: false, null);
            var outputs = Query(cte.QueryExpression, scope);
            var names = declared.Count > 0 ? declared : ExpandedNames(cte.QueryExpression, scope);
            RecordCteKeys(name, cte.QueryExpression, names);
            var cols = new List<(string, ColumnOrigin)>();
            for (int i = 0; i < names.Count && i < outputs.Count; i++) cols.Add((names[i], outputs[i].Origin));
            scope.Ctes[name] = new Relation(name, new QualifiedName(null, name), cols, open: false, null);
        }
    }

    private List<(ColumnOrigin Origin, TSqlFragment? Source)> Query(QueryExpression? query, QueryScope parent)
    {
        // Deeper than this thread's stack allows: an exception the caller reports, not a process-ending overflow.
        System.Runtime.CompilerServices.RuntimeHelpers.EnsureSufficientExecutionStack();
        switch (query)
        {
            case QuerySpecification spec:
            {
                var scope = new QueryScope(parent);
                if (spec.FromClause is not null) AddFrom(spec.FromClause, scope);
                scope.Grouped = spec.GroupByClause is { GroupByOption: GroupByOption.None, All: false } groupBy &&
                                groupBy.GroupingSpecifications.All(x => x is ExpressionGroupingSpecification);
                MarkNullRejected(spec.WhereClause?.SearchCondition, scope);
                var result = new List<(ColumnOrigin, TSqlFragment?)>();
                var keys = new List<KeyFacts>();
                List<(string, ColumnOrigin)>? assigned = null;
                foreach (var element in spec.SelectElements)
                {
                    while (keys.Count < result.Count) keys.Add(KeyFacts.None);
                    switch (element)
                    {
                        case SelectScalarExpression s:
                            result.Add((Expr(s.Expression, scope), s.Expression));
                            keys.Add(KeyFactsOf(s.Expression, spec, scope));
                            break;
                        case SelectStarExpression star:
                            var qualifier = star.Qualifier?.Identifiers.Select(i => i.Value).ToList() ?? new List<string>();
                            bool matched = false;
                            foreach (var r in scope.Relations.Where(r => r.Matches(qualifier)))
                            {
                                matched = true;
                                if (r.IsOpen) _openStar = true;
                                // as a column named alone would be: the WHERE's `c IS NOT NULL` holds for c taken by *
                                foreach (var (name, origin) in r.Columns)
                                {
                                    result.Add((scope.IsNotNull(r, name) ? origin with { Nullable = false }
                                        : r.NullExtended ? origin with { Nullable = true, NullableAsDeclared = false } : origin, star));
                                    keys.Add(KeyFactsOf(r, name, spec, scope));
                                }
                            }
                            if (!matched) _openStar = true;
                            break;
                        case SelectSetVariable sv:
                            (assigned ??= new()).Add((sv.Variable.Name, Expr(sv.Expression, scope)));
                            break;
                    }
                }
                if (assigned is not null) RecordRowGuards(spec, assigned);
                _queryKeys[spec] = keys;
                if (spec.WhereClause?.SearchCondition is { } where) Expr(where, scope);
                if (spec.HavingClause?.SearchCondition is { } having) Expr(having, scope);
                // SELECT TOP 0 CAST(NULL AS int) AS x UNION ALL ... types a column list and returns no row: no NULL from it.
                if (spec.TopRowFilter is { Percent: false, Expression: var top } && Unwrap(top) is IntegerLiteral { Value: "0" })
                    for (int i = 0; i < result.Count; i++) result[i] = (result[i].Item1 with { Nullable = false }, result[i].Item2);
                if (spec.GroupByClause is not null)
                    foreach (var g in spec.GroupByClause.GroupingSpecifications)
                        if (g is ExpressionGroupingSpecification eg) Expr(eg.Expression, scope);
                return result;
            }
            case BinaryQueryExpression binary:
            {
                var left = Query(binary.FirstQueryExpression, parent);
                var right = Query(binary.SecondQueryExpression, parent);
                var result = new List<(ColumnOrigin, TSqlFragment?)>();
                for (int i = 0; i < left.Count; i++)
                {
                    if (i < right.Count)
                    {
                        var l = left[i].Origin; var r = right[i].Origin;
                        var kind = l.Kind == r.Kind ? l.Kind : MappingKind.Expression;
                        result.Add((new ColumnOrigin(l.Sources.Union(r.Sources, StringComparer.OrdinalIgnoreCase).ToList(), kind,
                            l.Type ?? r.Type, l.Nullable is null || r.Nullable is null ? null : l.Nullable.Value || r.Nullable.Value), left[i].Source));
                    }
                    else result.Add(left[i]);
                }
                RecordUnionKeys(binary);
                return result;
            }
            case QueryParenthesisExpression p:
                return Query(p.QueryExpression, parent);
            default:
                return new List<(ColumnOrigin, TSqlFragment?)>();
        }
    }

    /// <summary>Output column names of a query: aliases, column names, or "" where SQL Server has none.</summary>
    public static List<string> OutputNames(QueryExpression? query)
    {
        switch (query)
        {
            case QuerySpecification spec:
                var names = new List<string>();
                foreach (var e in spec.SelectElements)
                {
                    if (e is SelectScalarExpression s)
                        names.Add(s.ColumnName?.Value ?? (Unwrap(s.Expression) is ColumnReferenceExpression c && c.MultiPartIdentifier is not null
                            ? c.MultiPartIdentifier.Identifiers[^1].Value : ""));
                    else if (e is SelectStarExpression) names.Add("*");
                }
                return names;
            case BinaryQueryExpression b: return OutputNames(b.FirstQueryExpression);
            case QueryParenthesisExpression p: return OutputNames(p.QueryExpression);
            default: return new List<string>();
        }
    }

    /// <summary>Output names with * expanded the same way <see cref="Query"/> expands it.</summary>
    private List<string> ExpandedNames(QueryExpression? query, QueryScope parent)
    {
        if (query is QuerySpecification spec && spec.SelectElements.Any(e => e is SelectStarExpression))
        {
            var scope = new QueryScope(parent);
            if (spec.FromClause is not null) AddFrom(spec.FromClause, scope);
            var names = new List<string>();
            var plain = OutputNames(spec);
            int k = 0;
            foreach (var e in spec.SelectElements)
            {
                if (e is SelectStarExpression star)
                {
                    var qualifier = star.Qualifier?.Identifiers.Select(i => i.Value).ToList() ?? new List<string>();
                    foreach (var r in scope.Relations.Where(r => r.Matches(qualifier)))
                        names.AddRange(r.Columns.Select(c => c.Name));
                    k++;
                }
                else if (e is SelectScalarExpression) names.Add(plain[k++]);
            }
            return names;
        }
        if (query is BinaryQueryExpression b) return ExpandedNames(b.FirstQueryExpression, parent);
        if (query is QueryParenthesisExpression p) return ExpandedNames(p.QueryExpression, parent);
        return OutputNames(query);
    }

    private static ScalarExpression Unwrap(ScalarExpression e) => e is ParenthesisExpression p ? Unwrap(p.Expression) : e;

    private void AddFrom(FromClause from, QueryScope scope) => AddJoinTree(JoinTree.Walk(from), scope, null, null);

    /// <summary>A statement's target or a MERGE's source, added to <paramref name="scope"/> as a FROM item is.</summary>
    /// <param name="alias">The alias a MERGE gives its target, when <paramref name="reference"/> is not a join.</param>
    private void AddTableReference(TableReference? reference, QueryScope scope, string? alias = null) =>
        AddJoinTree(JoinTree.Walk(reference), scope, reference, alias);

    /// <summary>The row sources of a join tree in written order, each join's condition after its operands.</summary>
    private void AddJoinTree(IReadOnlyList<JoinStep> steps, QueryScope scope, TableReference? root, string? rootAlias)
    {
        foreach (var step in steps)
            switch (step)
            {
                case JoinLeaf leaf:
                    AddSource(leaf.Source, scope, ReferenceEquals(leaf.Source, root) ? rootAlias : null, leaf.NullExtended, leaf.Lateral);
                    break;
                case JoinEnd { Join: QualifiedJoin join, NullExtended: var nullExtended }:
                    if (join.SearchCondition is not null) Expr(join.SearchCondition, scope);
                    // An inner join drops rows its condition rejects, even those an earlier outer join null-extended;
                    // inside the outer side of an outer join it drops nothing from the result.
                    if (join.QualifiedJoinType == QualifiedJoinType.Inner && !nullExtended) MarkNullRejected(join.SearchCondition, scope);
                    if (join.QualifiedJoinType == QualifiedJoinType.LeftOuter && !nullExtended) KeepCoveredRows(join, scope);
                    break;
            }
    }

    /// <summary>
    /// `X LEFT JOIN T ON T.c = X.k` where an earlier statement filled T from every row of X (see <see cref="CoverageFacts"/>)
    /// and X.k is never NULL: every row finds its match, so T's columns are not NULL-extended.
    /// </summary>
    private void KeepCoveredRows(QualifiedJoin join, QueryScope scope)
    {
        if (join.SecondTableReference is not NamedTableReference || scope.Relations.Count == 0) return;
        var joined = scope.Relations[^1];
        var condition = join.SearchCondition;
        while (condition is BooleanParenthesisExpression p) condition = p.Expression;
        if (joined.Table is not { } table || condition is not BooleanComparisonExpression { ComparisonType: BooleanComparisonType.Equals } eq ||
            Unwrap(eq.FirstExpression) is not ColumnReferenceExpression first || Unwrap(eq.SecondExpression) is not ColumnReferenceExpression second) return;
        foreach (var (mine, theirs) in new[] { (first, second), (second, first) })
        {
            if (!ReferenceEquals(RelationOf(mine, scope), joined) || RelationOf(theirs, scope) is not { NullExtended: false, Table: { } source } other ||
                ReferenceEquals(other, joined)) continue;
            var (column, otherColumn) = (mine.MultiPartIdentifier.Identifiers[^1].Value, theirs.MultiPartIdentifier.Identifiers[^1].Value);
            if ((Covers(table, column, source, otherColumn) || CoveredByKeySource(table, column, other, scope, otherColumn)) &&
                Expr(theirs, scope).Nullable == false)
            {
                joined.NullExtended = false;
                return;
            }
        }
    }

    /// <summary>
    /// A four-part name (a linked server), or a three-part one whose database is a SQLCMD variable other than
    /// $(DatabaseName) (a database project's reference to another database): that database's table, whatever the
    /// workspace declares under the same schema and name.
    /// </summary>
    private static bool IsElsewhere(SchemaObjectName so) =>
        so.ServerIdentifier is not null ||
        so.DatabaseIdentifier?.Value is { } db && db.StartsWith("$(", StringComparison.Ordinal) &&
        !string.Equals(db, "$(DatabaseName)", StringComparison.OrdinalIgnoreCase);

    /// <summary>One row source of a FROM clause, added to <paramref name="scope"/>.</summary>
    /// <param name="lateral">The right side of a CROSS JOIN or APPLY: a derived table there sees the left side (APPLY is lateral).</param>
    private void AddSource(TableReference reference, QueryScope scope, string? alias, bool nullExtended, bool lateral)
    {
        switch (reference)
        {
            case NamedTableReference named:
            {
                var so = named.SchemaObject;
                var name = DdlReader.NameOf(so);
                alias = named.Alias?.Value ?? alias;
                Relation relation;
                var cte = so.SchemaIdentifier is null ? scope.FindCte(so.BaseIdentifier.Value) : null;
                if (cte is not null)
                    relation = new Relation(alias ?? cte.Alias, cte.Table, cte.Columns, open: false, null);
                else if (name.IsTemp)
                    relation = _locals.TryGetValue(name.Name, out var local)
                        ? new Relation(alias, name, local.Columns, open: false, null)
                        : new Relation(alias, name, Array.Empty<(string, ColumnOrigin)>(), open: true, null);
                else if (_catalog.Find(name) is { } def)
                    relation = so.DatabaseIdentifier is null ? Relation.ForTable(alias, def) : Relation.ForTable(alias, def).AsNamedThroughDatabase();
                else
                    relation = new Relation(alias, name, Array.Empty<(string, ColumnOrigin)>(), open: true, null);
                if (cte is null) relation = WithFlowFacts(relation);
                if (cte is null && !name.IsTemp && IsElsewhere(so))
                    relation = new Relation(relation.Alias, relation.Table, relation.Columns, relation.IsOpen, relation.Definition) { Elsewhere = true };
                relation.NullExtended = nullExtended;
                scope.Relations.Add(relation);
                break;
            }
            case VariableTableReference v:
            {
                var name = v.Variable.Name;
                var local = _locals.GetValueOrDefault(name);
                var relation = WithFlowFacts(new Relation(v.Alias?.Value ?? alias ?? name, new QualifiedName(null, name),
                    local?.Columns ?? Array.Empty<(string, ColumnOrigin)>(), open: local is null, null));
                relation.NullExtended = nullExtended;
                scope.Relations.Add(relation);
                break;
            }
            case QueryDerivedTable derived:
            {
                // A derived table sees the enclosing query's scope, not its FROM siblings; on the right of an APPLY it sees the left side.
                var outer = lateral ? scope : scope.Parent;
                var outputs = Query(derived.QueryExpression, outer ?? new QueryScope(null));
                var names = derived.Columns.Count > 0 ? derived.Columns.Select(c => c.Value).ToList() : ExpandedNames(derived.QueryExpression, outer);
                var cols = new List<(string, ColumnOrigin)>();
                for (int i = 0; i < outputs.Count && i < names.Count; i++) cols.Add((names[i], outputs[i].Origin));
                scope.Relations.Add(new Relation(derived.Alias?.Value, null, cols, open: false, null) { NullExtended = nullExtended });
                break;
            }
            case InlineDerivedTable values:
            {
                var names = values.Columns.Select(c => c.Value).ToList();
                var cols = new List<(string, ColumnOrigin)>();
                for (int i = 0; i < names.Count; i++)
                {
                    var origins = values.RowValues.Where(r => i < r.ColumnValues.Count).Select(r => Expr(r.ColumnValues[i], scope)).ToList();
                    cols.Add((names[i], origins.Count == 0 ? ColumnOrigin.Unknown : origins.Aggregate(Union)));
                }
                scope.Relations.Add(new Relation(values.Alias?.Value, null, cols, open: false, null) { NullExtended = nullExtended });
                break;
            }
            case SchemaObjectFunctionTableReference fn:
            {
                var name = DdlReader.NameOf(fn.SchemaObject);
                var args = fn.Parameters.Select(p => Expr(p, scope)).ToList();
                var def = _catalog.Find(name);
                var relation = def is not null
                    ? Relation.ForTable(fn.Alias?.Value ?? alias, def)
                    : new Relation(fn.Alias?.Value ?? alias, name, Array.Empty<(string, ColumnOrigin)>(), open: true, null);
                if (def is not null && def.Columns.Any(c => c.NotNullGivenArguments))
                {
                    // Columns NULL only through the arguments: as nullable as these arguments are.
                    bool? nullable = args.Any(a => a.Nullable == true) ? true : args.All(a => a.Nullable == false) ? false : null;
                    var columns = relation.Columns
                        .Select(c => def.FindColumn(c.Name) is { NotNullGivenArguments: true } ? (c.Name, c.Origin with { Nullable = nullable }) : c)
                        .ToList();
                    relation = new Relation(relation.Alias, relation.Table, columns, relation.IsOpen, def);
                }
                relation.NullExtended = nullExtended;
                scope.Relations.Add(relation);
                break;
            }
            case TableReferenceWithAlias other:
                // STRING_SPLIT, OPENJSON, OPENXML, XML .nodes(), OPENROWSET...: a row source whose columns
                // are not modelled; it may supply any column, so an unqualified name is not "missing" elsewhere.
                scope.Relations.Add(new Relation(other.Alias?.Value ?? alias, null, Array.Empty<(string, ColumnOrigin)>(), open: true, null) { NullExtended = nullExtended });
                break;
        }
    }

    private static List<(ColumnOrigin Origin, TSqlFragment? Source)> MergeRows(List<List<(ColumnOrigin Origin, TSqlFragment? Source)>> rows)
    {
        if (rows.Count == 1) return rows[0];
        var merged = new List<(ColumnOrigin, TSqlFragment?)>();
        int width = rows.Count == 0 ? 0 : rows.Max(r => r.Count);
        for (int i = 0; i < width; i++)
        {
            var cells = rows.Where(r => i < r.Count).Select(r => r[i]).ToList();
            merged.Add((cells.Select(c => c.Origin).Aggregate(Union), cells[0].Source));
        }
        return merged;
    }
}
