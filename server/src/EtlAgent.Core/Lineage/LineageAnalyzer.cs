using EtlAgent.Core.Catalog;
using EtlAgent.Core.Model;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace EtlAgent.Core.Lineage;

/// <summary>
/// Column-level lineage of a transformation body against the catalog: for every write it
/// records which source columns feed which target column and how (direct, expression,
/// aggregate, constant, variable), through CTEs, derived tables, subqueries, #temp tables and
/// table variables, with the type and nullability of the value where they are known.
/// Statements are analysed in order so a #temp table filled earlier resolves later reads.
/// </summary>
public sealed class LineageAnalyzer
{
    private static readonly HashSet<string> AggregateFunctions = new(StringComparer.OrdinalIgnoreCase)
    {
        "SUM", "COUNT", "COUNT_BIG", "MIN", "MAX", "AVG", "STRING_AGG", "STDEV", "STDEVP", "VAR", "VARP",
        "CHECKSUM_AGG", "GROUPING", "GROUPING_ID", "APPROX_COUNT_DISTINCT",
    };

    private readonly SchemaCatalog _catalog;
    private readonly Dictionary<string, Relation> _locals = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, SqlType> _variables = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<ColumnAssignment> _assignments = new();
    private readonly List<UnresolvedColumn> _unresolved = new();
    /// <summary>Set when a * expands over a relation whose columns are not all known.</summary>
    private bool _openStar;

    public LineageAnalyzer(SchemaCatalog catalog, IEnumerable<ParameterDef>? parameters = null)
    {
        _catalog = catalog;
        if (parameters is not null)
            foreach (var p in parameters) _variables[p.Name] = p.Type;
    }

    public IReadOnlyList<ColumnAssignment> Assignments => _assignments;
    public IReadOnlyList<UnresolvedColumn> Unresolved => _unresolved;

    /// <summary>Analyses statements (and the statements nested in their blocks) in order.</summary>
    public LineageAnalyzer Analyze(IEnumerable<TSqlFragment> body)
    {
        foreach (var f in body) new StatementWalker(this).Walk(f);
        return this;
    }

    public static IReadOnlyList<ColumnLineage> ToLineage(IEnumerable<ColumnAssignment> assignments, Func<TSqlFragment, Location>? locate = null)
    {
        // A load script repeats the same targets thousands of times: one string per target, one empty list.
        var targets = new Dictionary<(QualifiedName, string), string>();
        return assignments
            .Where(a => !a.Table.IsLocal)
            .Select(a =>
            {
                var column = a.TargetColumn?.Name ?? a.Column;
                if (!targets.TryGetValue((a.Table, column), out var target)) targets[(a.Table, column)] = target = $"{a.Table}.{column}";
                IReadOnlyList<string> sources = a.Origin.Sources.Count == 0 ? Array.Empty<string>()
                    : a.Origin.Sources.Distinct(StringComparer.OrdinalIgnoreCase).OrderBy(s => s, StringComparer.OrdinalIgnoreCase).ToList();
                return new ColumnLineage(target, sources, a.Origin.Kind, locate is null ? null : locate(a.Source ?? a.Statement));
            })
            .ToList();
    }

    /// <summary>The output columns of a view's (or inline function's) query, for the catalog.</summary>
    public IReadOnlyList<(string Name, ColumnOrigin Origin)> QueryOutputs(SelectStatement select) => QueryOutputs(select, out _);

    /// <summary>
    /// The output columns of a view's query; <paramref name="complete"/> is false when a * in it covers
    /// a relation whose columns are not all known, so the query may return more columns than listed.
    /// </summary>
    public IReadOnlyList<(string Name, ColumnOrigin Origin)> QueryOutputs(SelectStatement select, out bool complete)
    {
        _openStar = false;
        var result = QueryOutputsCore(select);
        complete = !_openStar;
        return result;
    }

    private IReadOnlyList<(string Name, ColumnOrigin Origin)> QueryOutputsCore(SelectStatement select)
    {
        var scope = new QueryScope(null);
        AddCtes(select.WithCtesAndXmlNamespaces, scope);
        var outputs = Query(select.QueryExpression, scope);
        var names = ExpandedNames(select.QueryExpression, scope);
        var result = new List<(string, ColumnOrigin)>();
        for (int i = 0; i < outputs.Count && i < names.Count; i++) result.Add((names[i], outputs[i].Origin));
        return result;
    }

    /// <summary>Walks statements in order, descending into blocks, dispatching each write.</summary>
    private sealed class StatementWalker(LineageAnalyzer a) : TSqlFragmentVisitor
    {
        public void Walk(TSqlFragment f) => f.Accept(this);

        public override void ExplicitVisit(InsertStatement node) => a.Insert(node);
        public override void ExplicitVisit(UpdateStatement node) => a.Update(node);
        public override void ExplicitVisit(MergeStatement node) => a.Merge(node);
        public override void ExplicitVisit(DeleteStatement node) => a.CheckColumns(node);
        public override void ExplicitVisit(SelectStatement node) => a.Select(node);
        public override void ExplicitVisit(DeclareTableVariableStatement node) => a.DeclareTable(node);
        public override void ExplicitVisit(CreateTableStatement node) => a.CreateTemp(node);
        public override void ExplicitVisit(DeclareVariableStatement node)
        {
            foreach (var d in node.Declarations) a._variables[d.VariableName.Value] = DataTypes.From(d.DataType);
            base.ExplicitVisit(node);
        }
        // Scalar subqueries in IF/WHILE/SET are reads only; nothing to assign.
    }

    // ---- statements -------------------------------------------------------------------------

    private void Insert(InsertStatement node)
    {
        var spec = node.InsertSpecification;
        var scope = new QueryScope(null);
        AddCtes(node.WithCtesAndXmlNamespaces, scope);
        var (table, def) = ResolveTarget(spec.Target, scope);
        if (table is null) return;
        var targetColumns = spec.Columns.Count > 0
            ? spec.Columns.Select(c => c.MultiPartIdentifier.Identifiers[^1].Value).ToList()
            : InsertableColumns(table.Value, def);

        var values = new List<List<(ColumnOrigin Origin, TSqlFragment? Source)>>();
        switch (spec.InsertSource)
        {
            case SelectInsertSource s:
            {
                var outputs = Query(s.Select, scope);
                values.Add(outputs);
                break;
            }
            case ValuesInsertSource v:
            {
                foreach (var row in v.RowValues)
                    values.Add(row.ColumnValues.Select(e => (Expr(e, scope), (TSqlFragment?)e)).ToList());
                break;
            }
            default:
                return; // INSERT ... EXEC: the procedure's result shape is not known statically
        }

        var merged = MergeRows(values);
        var localColumns = new List<(string, ColumnOrigin)>();
        for (int i = 0; i < targetColumns.Count && i < merged.Count; i++)
        {
            Assign(table.Value, def, targetColumns[i], merged[i].Origin, merged[i].Source, node);
            localColumns.Add((targetColumns[i], merged[i].Origin));
        }
        RecordLocal(table.Value, localColumns);
        CheckOutput(spec.OutputClause, spec.OutputIntoClause, scope);
    }

    private void Update(UpdateStatement node)
    {
        var spec = node.UpdateSpecification;
        var scope = new QueryScope(null);
        AddCtes(node.WithCtesAndXmlNamespaces, scope);
        if (spec.FromClause is not null) AddFrom(spec.FromClause, scope);
        var (table, def) = ResolveTarget(spec.Target, scope);
        if (spec.FromClause is null && spec.Target is not null) AddTableReference(spec.Target, scope);
        if (table is null) return;
        MarkNullRejected(spec.WhereClause?.SearchCondition, scope);
        foreach (var set in spec.SetClauses)
        {
            if (set is AssignmentSetClause { Column: not null } a)
                Assign(table.Value, def, a.Column.MultiPartIdentifier.Identifiers[^1].Value, Expr(a.NewValue, scope), a.NewValue, node);
        }
        if (spec.WhereClause?.SearchCondition is { } where) Expr(where, scope);
    }

    private void Merge(MergeStatement node)
    {
        var spec = node.MergeSpecification;
        var scope = new QueryScope(null);
        AddCtes(node.WithCtesAndXmlNamespaces, scope);
        var (table, def) = ResolveTarget(spec.Target, scope);
        AddTableReference(spec.Target, scope, alias: spec.TableAlias?.Value);
        AddTableReference(spec.TableReference, scope);
        if (spec.SearchCondition is not null) Expr(spec.SearchCondition, scope);
        if (table is null) return;
        foreach (var clause in spec.ActionClauses)
        {
            if (clause.SearchCondition is not null) Expr(clause.SearchCondition, scope);
            // A branch sees only the rows its condition lets through; matched rows also satisfy ON.
            var branch = new QueryScope(scope);
            if (clause.Condition == MergeCondition.Matched) MarkNullRejected(spec.SearchCondition, branch);
            MarkNullRejected(clause.SearchCondition, branch);
            switch (clause.Action)
            {
                case UpdateMergeAction u:
                    foreach (var set in u.SetClauses)
                        if (set is AssignmentSetClause { Column: not null } a)
                            Assign(table.Value, def, a.Column.MultiPartIdentifier.Identifiers[^1].Value, Expr(a.NewValue, branch), a.NewValue, node);
                    break;
                case InsertMergeAction i:
                {
                    var cols = i.Columns.Count > 0
                        ? i.Columns.Select(c => c.MultiPartIdentifier.Identifiers[^1].Value).ToList()
                        : InsertableColumns(table.Value, def);
                    var row = i.Source?.RowValues.FirstOrDefault();
                    if (row is null) break;
                    for (int k = 0; k < cols.Count && k < row.ColumnValues.Count; k++)
                        Assign(table.Value, def, cols[k], Expr(row.ColumnValues[k], branch), row.ColumnValues[k], node);
                    break;
                }
            }
        }
        CheckOutput(spec.OutputClause, spec.OutputIntoClause, scope);
    }

    private void CheckColumns(DeleteStatement node)
    {
        var spec = node.DeleteSpecification;
        var scope = new QueryScope(null);
        AddCtes(node.WithCtesAndXmlNamespaces, scope);
        if (spec.FromClause is not null) AddFrom(spec.FromClause, scope);
        else if (spec.Target is not null) AddTableReference(spec.Target, scope);
        if (spec.WhereClause?.SearchCondition is { } where) Expr(where, scope);
    }

    private void Select(SelectStatement node)
    {
        var scope = new QueryScope(null);
        AddCtes(node.WithCtesAndXmlNamespaces, scope);
        var outputs = Query(node.QueryExpression, scope);
        if (node.Into is null) return;
        var table = DdlReader.NameOf(node.Into);
        var def = table.IsTemp ? null : _catalog.Find(table);
        var names = ExpandedNames(node.QueryExpression, scope);
        var localColumns = new List<(string, ColumnOrigin)>();
        for (int i = 0; i < outputs.Count && i < names.Count; i++)
        {
            Assign(table, def, names[i], outputs[i].Origin, outputs[i].Source, node);
            localColumns.Add((names[i], outputs[i].Origin));
        }
        RecordLocal(table, localColumns);
    }

    private void DeclareTable(DeclareTableVariableStatement node)
    {
        var body = node.Body;
        if (body?.VariableName is null || body.Definition is null) return;
        var shape = body.Definition.ColumnDefinitions
            .Select(c => (c.ColumnIdentifier.Value, new ColumnOrigin(Array.Empty<string>(), MappingKind.Direct, DataTypes.From(c.DataType))))
            .ToList();
        _locals[body.VariableName.Value] = new Relation(null, new QualifiedName(null, body.VariableName.Value), shape, open: false, null);
    }

    private void CreateTemp(CreateTableStatement node)
    {
        var name = DdlReader.NameOf(node.SchemaObjectName);
        if (!name.IsTemp || node.Definition is null) return;
        var shape = node.Definition.ColumnDefinitions
            .Select(c => (c.ColumnIdentifier.Value, new ColumnOrigin(Array.Empty<string>(), MappingKind.Direct, DataTypes.From(c.DataType))))
            .ToList();
        _locals[name.Name] = new Relation(null, name, shape, open: false, null);
    }

    private void CheckOutput(OutputClause? output, OutputIntoClause? into, QueryScope scope)
    {
        // OUTPUT inserted.x / deleted.x refer to pseudo-tables; nothing to resolve against the catalog.
    }

    private void Assign(QualifiedName table, TableDef? def, string column, ColumnOrigin origin, TSqlFragment? source, TSqlStatement statement)
    {
        var target = def?.FindColumn(column);
        _assignments.Add(new ColumnAssignment(table, target?.Name ?? column, target, origin, source, statement));
    }

    /// <summary>A #temp table or table variable filled by INSERT/SELECT INTO: later reads see where its columns came from.</summary>
    private void RecordLocal(QualifiedName table, List<(string Name, ColumnOrigin Origin)> filled)
    {
        if (!table.IsLocal) return;
        _locals.TryGetValue(table.Name, out var existing);
        var columns = new List<(string, ColumnOrigin)>();
        if (existing is not null)
        {
            foreach (var (name, origin) in existing.Columns)
            {
                var fill = filled.FirstOrDefault(f => string.Equals(f.Name, name, StringComparison.OrdinalIgnoreCase));
                columns.Add(fill.Name is null ? (name, origin) : (name, Union(origin, fill.Origin) with { Type = origin.Type ?? fill.Origin.Type }));
            }
        }
        else columns.AddRange(filled);
        _locals[table.Name] = new Relation(null, table, columns, open: false, null);
    }

    private static ColumnOrigin Union(ColumnOrigin a, ColumnOrigin b)
    {
        if (a.Sources.Count == 0 && a.Kind == MappingKind.Direct) return b; // an empty declared shape
        var kind = a.Kind == b.Kind ? a.Kind : MappingKind.Expression;
        return new ColumnOrigin(a.Sources.Union(b.Sources, StringComparer.OrdinalIgnoreCase).ToList(), kind,
            a.Type ?? b.Type, a.Nullable is null || b.Nullable is null ? null : a.Nullable.Value || b.Nullable.Value);
    }

    private (QualifiedName? Table, TableDef? Def) ResolveTarget(TableReference? target, QueryScope scope)
    {
        switch (target)
        {
            case NamedTableReference named:
            {
                var so = named.SchemaObject;
                if (so.SchemaIdentifier is null)
                {
                    // UPDATE s ... FROM X AS s: the target is the aliased table.
                    var aliased = scope.Relations.FirstOrDefault(r => r.Alias is not null &&
                        string.Equals(r.Alias, so.BaseIdentifier.Value, StringComparison.OrdinalIgnoreCase));
                    if (aliased?.Table is { } t) return (t, t.IsLocal ? null : aliased.Definition ?? _catalog.Find(t));
                    if (scope.FindCte(so.BaseIdentifier.Value) is not null) return (null, null);
                }
                var name = DdlReader.NameOf(so);
                return (name, name.IsLocal ? null : _catalog.Find(name));
            }
            case VariableTableReference v:
                return (new QualifiedName(null, v.Variable.Name), null);
            default:
                return (null, null);
        }
    }

    private List<string> InsertableColumns(QualifiedName table, TableDef? def)
    {
        if (def is not null) return def.Columns.Where(c => !c.IsGenerated).Select(c => c.Name).ToList();
        if (_locals.TryGetValue(table.Name, out var local)) return local.Columns.Select(c => c.Name).ToList();
        return new List<string>();
    }

    // ---- queries ------------------------------------------------------------------------------

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
                foreach (var element in spec.SelectElements)
                {
                    switch (element)
                    {
                        case SelectScalarExpression s:
                            result.Add((Expr(s.Expression, scope), s.Expression));
                            break;
                        case SelectStarExpression star:
                            var qualifier = star.Qualifier?.Identifiers.Select(i => i.Value).ToList() ?? new List<string>();
                            bool matched = false;
                            foreach (var r in scope.Relations.Where(r => r.Matches(qualifier)))
                            {
                                matched = true;
                                if (r.IsOpen) _openStar = true;
                                foreach (var (_, origin) in r.Columns)
                                    result.Add((r.NullExtended ? origin with { Nullable = true } : origin, star));
                            }
                            if (!matched) _openStar = true;
                            break;
                        case SelectSetVariable sv:
                            Expr(sv.Expression, scope);
                            break;
                    }
                }
                if (spec.WhereClause?.SearchCondition is { } where) Expr(where, scope);
                if (spec.HavingClause?.SearchCondition is { } having) Expr(having, scope);
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

    private void AddFrom(FromClause from, QueryScope scope)
    {
        foreach (var t in from.TableReferences) AddTableReference(t, scope);
    }

    private void AddTableReference(TableReference? reference, QueryScope scope, string? alias = null, bool nullExtended = false)
    {
        switch (reference)
        {
            case NamedTableReference named:
            {
                var so = named.SchemaObject;
                var name = DdlReader.NameOf(so);
                alias = named.Alias?.Value ?? alias;
                Relation relation;
                if (so.SchemaIdentifier is null && scope.FindCte(so.BaseIdentifier.Value) is { } cte)
                    relation = new Relation(alias ?? cte.Alias, cte.Table, cte.Columns, open: false, null);
                else if (name.IsTemp)
                    relation = _locals.TryGetValue(name.Name, out var local)
                        ? new Relation(alias, name, local.Columns, open: false, null)
                        : new Relation(alias, name, Array.Empty<(string, ColumnOrigin)>(), open: true, null);
                else if (_catalog.Find(name) is { } def)
                    relation = Relation.ForTable(alias, def);
                else
                    relation = new Relation(alias, name, Array.Empty<(string, ColumnOrigin)>(), open: true, null);
                relation.NullExtended = nullExtended;
                scope.Relations.Add(relation);
                break;
            }
            case VariableTableReference v:
            {
                var name = v.Variable.Name;
                var local = _locals.GetValueOrDefault(name);
                var relation = new Relation(v.Alias?.Value ?? alias ?? name, new QualifiedName(null, name),
                    local?.Columns ?? Array.Empty<(string, ColumnOrigin)>(), open: local is null, null) { NullExtended = nullExtended };
                scope.Relations.Add(relation);
                break;
            }
            case QueryDerivedTable derived:
            {
                var outputs = Query(derived.QueryExpression, scope.Parent ?? new QueryScope(null));
                var names = derived.Columns.Count > 0 ? derived.Columns.Select(c => c.Value).ToList() : ExpandedNames(derived.QueryExpression, scope.Parent);
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
            case QualifiedJoin join:
            {
                bool leftNull = join.QualifiedJoinType is QualifiedJoinType.RightOuter or QualifiedJoinType.FullOuter;
                bool rightNull = join.QualifiedJoinType is QualifiedJoinType.LeftOuter or QualifiedJoinType.FullOuter;
                AddTableReference(join.FirstTableReference, scope, nullExtended: nullExtended || leftNull);
                AddTableReference(join.SecondTableReference, scope, nullExtended: nullExtended || rightNull);
                if (join.SearchCondition is not null) Expr(join.SearchCondition, scope);
                // An inner join drops rows its condition rejects, even those an earlier outer join null-extended;
                // inside the outer side of an outer join it drops nothing from the result.
                if (join.QualifiedJoinType == QualifiedJoinType.Inner && !nullExtended) MarkNullRejected(join.SearchCondition, scope);
                break;
            }
            case UnqualifiedJoin join:
            {
                AddTableReference(join.FirstTableReference, scope, nullExtended: nullExtended);
                // OUTER APPLY's right side may be missing; CROSS APPLY sees the left side (APPLY is lateral).
                bool outer = join.UnqualifiedJoinType == UnqualifiedJoinType.OuterApply;
                if (join.SecondTableReference is QueryDerivedTable lateral)
                {
                    var outputs = Query(lateral.QueryExpression, scope);
                    var names = lateral.Columns.Count > 0 ? lateral.Columns.Select(c => c.Value).ToList() : ExpandedNames(lateral.QueryExpression, scope);
                    var cols = new List<(string, ColumnOrigin)>();
                    for (int i = 0; i < outputs.Count && i < names.Count; i++) cols.Add((names[i], outputs[i].Origin));
                    scope.Relations.Add(new Relation(lateral.Alias?.Value, null, cols, open: false, null) { NullExtended = nullExtended || outer });
                }
                else AddTableReference(join.SecondTableReference, scope, nullExtended: nullExtended || outer);
                break;
            }
            case JoinParenthesisTableReference p:
                AddTableReference(p.Join, scope, alias, nullExtended);
                break;
            case SchemaObjectFunctionTableReference fn:
            {
                var name = DdlReader.NameOf(fn.SchemaObject);
                foreach (var p in fn.Parameters) Expr(p, scope);
                var def = _catalog.Find(name);
                var relation = def is not null
                    ? Relation.ForTable(fn.Alias?.Value ?? alias, def)
                    : new Relation(fn.Alias?.Value ?? alias, name, Array.Empty<(string, ColumnOrigin)>(), open: true, null);
                relation.NullExtended = nullExtended;
                scope.Relations.Add(relation);
                break;
            }
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

    // ---- expressions --------------------------------------------------------------------------

    /// <summary>The origin of a scalar (or boolean) expression evaluated in <paramref name="scope"/>.</summary>
    private ColumnOrigin Expr(TSqlFragment? expression, QueryScope scope)
    {
        System.Runtime.CompilerServices.RuntimeHelpers.EnsureSufficientExecutionStack();
        switch (expression)
        {
            case null:
                return ColumnOrigin.Unknown;
            case ParenthesisExpression p:
                return Expr(p.Expression, scope);
            case ColumnReferenceExpression c:
                return Column(c, scope);
            case NullLiteral:
                return ColumnOrigin.Constant(null, true);
            case StringLiteral s:
                return ColumnOrigin.Constant(new SqlType(s.IsNational ? "nvarchar" : "varchar", Length: Math.Max(1, s.Value.Length)), false);
            case IntegerLiteral i:
                return ColumnOrigin.Constant(new SqlType(long.TryParse(i.Value, out var v) && (v > int.MaxValue || v < int.MinValue) ? "bigint" : "int"), false);
            case NumericLiteral n:
            {
                var digits = n.Value.TrimStart('-', '+');
                int dot = digits.IndexOf('.');
                int scale = dot < 0 ? 0 : digits.Length - dot - 1;
                int precision = Math.Max(1, digits.Replace(".", "").TrimStart('0').Length);
                return ColumnOrigin.Constant(new SqlType("decimal", Precision: Math.Max(precision, scale), Scale: scale), false);
            }
            case Literal:
                return ColumnOrigin.Constant(null, false);
            case VariableReference vr:
                return new ColumnOrigin(Array.Empty<string>(), MappingKind.Variable, _variables.GetValueOrDefault(vr.Name));
            case GlobalVariableExpression:
                return new ColumnOrigin(Array.Empty<string>(), MappingKind.Variable);
            case ScalarSubquery sq:
            {
                var outputs = Query(sq.QueryExpression, scope);
                if (outputs.Count == 0) return ColumnOrigin.Unknown;
                var inner = outputs[0].Origin;
                // A subquery may return no row: NULL is always possible.
                return inner with { Nullable = true, Kind = inner.Kind == MappingKind.Direct ? MappingKind.Direct : inner.Kind };
            }
            case CastCall cast:
            {
                var inner = Expr(cast.Parameter, scope);
                return Derived(inner, cast.DataType is null ? null : DataTypes.From(cast.DataType), inner.Nullable);
            }
            case ConvertCall convert:
            {
                var inner = Expr(convert.Parameter, scope);
                if (convert.Style is not null) Expr(convert.Style, scope);
                return Derived(inner, DataTypes.From(convert.DataType), inner.Nullable);
            }
            case TryCastCall tc:
                return Derived(Expr(tc.Parameter, scope), DataTypes.From(tc.DataType), true);
            case TryConvertCall tv:
                return Derived(Expr(tv.Parameter, scope), DataTypes.From(tv.DataType), true);
            case CoalesceExpression co:
            {
                var parts = co.Expressions.Select(e => Expr(e, scope)).ToList();
                return Combine(parts, ResultType(parts.Select(p => p.Type)),
                    parts.All(p => p.Nullable is not null) ? parts.All(p => p.Nullable == true) : parts.Any(p => p.Nullable == false) ? false : null);
            }
            case NullIfExpression ni:
            {
                var first = Expr(ni.FirstExpression, scope);
                var second = Expr(ni.SecondExpression, scope);
                return Combine(new[] { first, second }, first.Type, true);
            }
            case IIfCall iif:
            {
                var cond = Expr(iif.Predicate, scope);
                var then = Expr(iif.ThenExpression, scope);
                var @else = Expr(iif.ElseExpression, scope);
                return Combine(new[] { cond, then, @else }, ResultType(new[] { then.Type, @else.Type }), Or(then.Nullable, @else.Nullable));
            }
            case SearchedCaseExpression sc:
            {
                var parts = new List<ColumnOrigin>();
                var results = new List<ColumnOrigin>();
                foreach (var w in sc.WhenClauses) { parts.Add(Expr(w.WhenExpression, scope)); var r = Expr(w.ThenExpression, scope); parts.Add(r); results.Add(r); }
                var otherwise = sc.ElseExpression is null ? ColumnOrigin.Constant(null, true) : Expr(sc.ElseExpression, scope);
                parts.Add(otherwise); results.Add(otherwise);
                return Combine(parts, ResultType(results.Select(r => r.Type)), results.Select(r => r.Nullable).Aggregate(Or));
            }
            case SimpleCaseExpression sc:
            {
                var parts = new List<ColumnOrigin> { Expr(sc.InputExpression, scope) };
                var results = new List<ColumnOrigin>();
                foreach (var w in sc.WhenClauses) { parts.Add(Expr(w.WhenExpression, scope)); var r = Expr(w.ThenExpression, scope); parts.Add(r); results.Add(r); }
                var otherwise = sc.ElseExpression is null ? ColumnOrigin.Constant(null, true) : Expr(sc.ElseExpression, scope);
                parts.Add(otherwise); results.Add(otherwise);
                return Combine(parts, ResultType(results.Select(r => r.Type)), results.Select(r => r.Nullable).Aggregate(Or));
            }
            case FunctionCall f:
                return Function(f, scope);
            case BinaryExpression b:
            {
                var l = Expr(b.FirstExpression, scope);
                var r = Expr(b.SecondExpression, scope);
                SqlType? type = null;
                if (b.BinaryExpressionType == BinaryExpressionType.Add && l.Type is { IsString: true } && r.Type is { IsString: true })
                    type = new SqlType(l.Type.IsUnicode || r.Type.IsUnicode ? "nvarchar" : "varchar",
                        Length: l.Type.EffectiveLength is int a && r.Type.EffectiveLength is int c && a > 0 && c > 0 ? a + c : SqlType.Max);
                return Combine(new[] { l, r }, type, Or(l.Nullable, r.Nullable));
            }
            case UnaryExpression u:
            {
                var inner = Expr(u.Expression, scope);
                return inner.Kind == MappingKind.Constant ? inner : Derived(inner, inner.Type, inner.Nullable);
            }
            case ScalarExpression other:
                return Generic(other, scope);
            case BooleanExpression boolean:
                return Generic(boolean, scope);
            default:
                return ColumnOrigin.Unknown;
        }
    }

    /// <summary>
    /// The type of CASE, IIF and COALESCE from their results: strings only give the longest of
    /// them (nvarchar when one is), as SQL Server does (CASE … THEN N'OK' ELSE N'Overstocked' END
    /// is nvarchar(11)); otherwise the first known type.
    /// </summary>
    private static SqlType? ResultType(IEnumerable<SqlType?> results)
    {
        var known = results.Where(t => t is not null).Cast<SqlType>().ToList();
        if (known.Count == 0) return null;
        if (known.Count == 1 || !known.All(t => t.IsString)) return known[0];
        bool unicode = known.Any(t => t.IsUnicode);
        int length = known.Any(t => t.EffectiveLength is not int n || n == SqlType.Max) ? SqlType.Max : Math.Max(1, known.Max(t => t.EffectiveLength!.Value));
        if (length != SqlType.Max && length > (unicode ? 4000 : 8000)) length = SqlType.Max;
        return new SqlType(unicode ? "nvarchar" : "varchar", Length: length);
    }

    private ColumnOrigin Function(FunctionCall f, QueryScope scope)
    {
        var name = f.FunctionName.Value;
        var args = f.Parameters.Select(p => Expr(p, scope)).ToList();
        if (f.OverClause is not null)
        {
            foreach (var p in f.OverClause.Partitions) Expr(p, scope);
            if (f.OverClause.OrderByClause is not null)
                foreach (var o in f.OverClause.OrderByClause.OrderByElements) Expr(o.Expression, scope);
        }
        if (AggregateFunctions.Contains(name) && f.CallTarget is null)
        {
            var type = name.ToUpperInvariant() switch
            {
                "COUNT" => new SqlType("int"),
                "COUNT_BIG" => new SqlType("bigint"),
                "MIN" or "MAX" => args.FirstOrDefault()?.Type,
                _ => null,
            };
            // COUNT and friends are never NULL; others are NULL over no rows (a scalar aggregate of an empty
            // input, or a window frame that may be empty) and otherwise only when their argument is.
            bool? nullable;
            if (name.ToUpperInvariant() is "COUNT" or "COUNT_BIG" or "GROUPING" or "GROUPING_ID" or "APPROX_COUNT_DISTINCT") nullable = false;
            else if (f.OverClause is not null ? f.OverClause.WindowFrameClause is null : scope.Grouped) nullable = args.Count == 0 ? null : args[0].Nullable;
            else nullable = true;
            return new ColumnOrigin(args.SelectMany(a => a.Sources).Distinct(StringComparer.OrdinalIgnoreCase).ToList(), MappingKind.Aggregate, type, nullable);
        }
        switch (name.ToUpperInvariant())
        {
            case "ISNULL" when args.Count == 2:
                return Combine(args, args[0].Type ?? args[1].Type, args[0].Nullable == false || args[1].Nullable == false ? false : Or(args[0].Nullable, args[1].Nullable));
            case "GETDATE" or "GETUTCDATE" or "CURRENT_TIMESTAMP":
                return ColumnOrigin.Constant(new SqlType("datetime"), false) with { Kind = MappingKind.Expression };
            case "SYSDATETIME" or "SYSUTCDATETIME":
                return ColumnOrigin.Constant(new SqlType("datetime2", Scale: 7), false) with { Kind = MappingKind.Expression };
            case "SYSDATETIMEOFFSET":
                return ColumnOrigin.Constant(new SqlType("datetimeoffset", Scale: 7), false) with { Kind = MappingKind.Expression };
            case "NEWID" or "NEWSEQUENTIALID":
                return ColumnOrigin.Constant(new SqlType("uniqueidentifier"), false) with { Kind = MappingKind.Expression };
            case "ROW_NUMBER" or "RANK" or "DENSE_RANK" or "NTILE":
                return new ColumnOrigin(Array.Empty<string>(), MappingKind.Expression, new SqlType("bigint"), false);
        }
        if (args.Count == 0) return new ColumnOrigin(Array.Empty<string>(), MappingKind.Expression);
        return Combine(args, null, args.Any(a => a.Nullable == true) ? true : null);
    }

    /// <summary>Fallback for expression types without a dedicated case: union whatever they reference.</summary>
    private ColumnOrigin Generic(TSqlFragment expression, QueryScope scope)
    {
        var collector = new ReferenceCollector(this, scope);
        expression.Accept(collector);
        return Combine(collector.Origins, null, null);
    }

    private sealed class ReferenceCollector(LineageAnalyzer a, QueryScope scope) : TSqlFragmentVisitor
    {
        public readonly List<ColumnOrigin> Origins = new();

        public override void ExplicitVisit(ColumnReferenceExpression node) => Origins.Add(a.Column(node, scope));
        public override void ExplicitVisit(ScalarSubquery node) => Origins.Add(a.Expr(node, scope));
        public override void ExplicitVisit(FunctionCall node) => Origins.Add(a.Function(node, scope));
        public override void ExplicitVisit(VariableReference node) => Origins.Add(a.Expr(node, scope));
        public override void ExplicitVisit(QueryExpression node) => a.Query(node, scope);
        public override void ExplicitVisit(QuerySpecification node) => a.Query(node, scope);
        public override void ExplicitVisit(BinaryQueryExpression node) => a.Query(node, scope);
        public override void ExplicitVisit(QueryParenthesisExpression node) => a.Query(node, scope);
    }

    private static ColumnOrigin Derived(ColumnOrigin inner, SqlType? type, bool? nullable) =>
        inner.Kind is MappingKind.Constant or MappingKind.Variable && inner.Sources.Count == 0
            ? inner with { Type = type ?? inner.Type, Nullable = nullable }
            : new ColumnOrigin(inner.Sources, inner.Kind == MappingKind.Aggregate ? MappingKind.Aggregate : MappingKind.Expression, type, nullable);

    private static ColumnOrigin Combine(IEnumerable<ColumnOrigin> parts, SqlType? type, bool? nullable)
    {
        var list = parts as IReadOnlyCollection<ColumnOrigin> ?? parts.ToList();
        var sources = list.SelectMany(p => p.Sources).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        MappingKind kind;
        if (list.Any(p => p.Kind == MappingKind.Aggregate)) kind = MappingKind.Aggregate;
        else if (sources.Count > 0) kind = MappingKind.Expression;
        else if (list.Any(p => p.Kind == MappingKind.Variable)) kind = MappingKind.Variable;
        else if (list.All(p => p.Kind == MappingKind.Constant)) kind = MappingKind.Constant;
        else kind = MappingKind.Expression;
        return new ColumnOrigin(sources, kind, type, nullable);
    }

    private static bool? Or(bool? a, bool? b) => a == true || b == true ? true : a is null || b is null ? null : false;

    /// <summary>The relation a column reference reads, resolved like <see cref="Column"/> but without recording anything.</summary>
    private static Relation? RelationOf(ColumnReferenceExpression c, QueryScope scope)
    {
        var ids = c.MultiPartIdentifier.Identifiers;
        var column = ids[^1].Value;
        var qualifier = new List<string>(ids.Count - 1);
        for (int i = 0; i < ids.Count - 1; i++) qualifier.Add(ids[i].Value);
        for (var s = scope; s is not null; s = s.Parent)
        {
            Relation? open = null;
            int openCount = 0;
            foreach (var r in s.Relations)
            {
                if (!r.Matches(qualifier)) continue;
                if (!r.IsOpen) { if (r.Find(column) is not null) return r; }
                else { open ??= r; openCount++; }
            }
            if (open is not null && (openCount == 1 || qualifier.Count > 0)) return open;
            if (qualifier.Count > 0 && s.Relations.Exists(r => r.Matches(qualifier))) return null;
        }
        return null;
    }

    /// <summary>
    /// Records the columns a condition rejects NULL for: rows where they are NULL do not pass it, so
    /// values read from them in <paramref name="scope"/> are not NULL. Only top-level AND-ed comparisons,
    /// IS NOT NULL, LIKE, IN and BETWEEN on a plain column count.
    /// </summary>
    private static void MarkNullRejected(BooleanExpression? condition, QueryScope scope)
    {
        switch (condition)
        {
            case BooleanBinaryExpression { BinaryExpressionType: BooleanBinaryExpressionType.And } and:
                MarkNullRejected(and.FirstExpression, scope);
                MarkNullRejected(and.SecondExpression, scope);
                break;
            case BooleanParenthesisExpression p:
                MarkNullRejected(p.Expression, scope);
                break;
            case BooleanIsNullExpression { IsNot: true } n:
                MarkNotNull(n.Expression, scope);
                break;
            case BooleanComparisonExpression c:
                MarkNotNull(c.FirstExpression, scope);
                MarkNotNull(c.SecondExpression, scope);
                break;
            case LikePredicate l:
                MarkNotNull(l.FirstExpression, scope);
                break;
            case InPredicate i:
                MarkNotNull(i.Expression, scope);
                break;
            case BooleanTernaryExpression t:
                MarkNotNull(t.FirstExpression, scope);
                break;
        }
    }

    private static void MarkNotNull(ScalarExpression? e, QueryScope scope)
    {
        while (e is ParenthesisExpression p) e = p.Expression;
        if (e is ColumnReferenceExpression { ColumnType: ColumnType.Regular, MultiPartIdentifier: not null } c && RelationOf(c, scope) is { } r)
            scope.MarkNotNull(r, c.MultiPartIdentifier.Identifiers[^1].Value);
    }

    private ColumnOrigin Column(ColumnReferenceExpression c, QueryScope scope)
    {
        if (c.ColumnType != ColumnType.Regular || c.MultiPartIdentifier is null) return ColumnOrigin.Unknown;
        var ids = c.MultiPartIdentifier.Identifiers;
        var column = ids[^1].Value;
        var qualifier = new string[ids.Count - 1];
        for (int i = 0; i < qualifier.Length; i++) qualifier[i] = ids[i].Value;

        for (var s = scope; s is not null; s = s.Parent)
        {
            Relation? firstOpen = null;
            int matched = 0, open = 0;
            foreach (var r in s.Relations)
            {
                if (!r.Matches(qualifier)) continue;
                matched++;
                if (r.IsOpen) { open++; firstOpen ??= r; continue; }
                if (r.Find(column) is { } found) return scope.IsNotNull(r, column) ? found with { Nullable = false } : found;
            }
            if (matched == 0) continue;
            if (open == 1 || (qualifier.Length > 0 && open > 0))
            {
                var found = firstOpen!.Find(column)!;
                return scope.IsNotNull(firstOpen, column) ? found with { Nullable = false } : found;
            }
            if (qualifier.Length > 0)
            {
                // The table is known and has no such column: a broken reference.
                foreach (var r in s.Relations)
                    if (r.Definition is { } def && r.Matches(qualifier)) _unresolved.Add(new UnresolvedColumn(c, def));
                return ColumnOrigin.Unknown;
            }
        }
        if (qualifier.Length == 0 && scope.Relations.Count == 1 && scope.Relations[0].Definition is { } only)
        {
            // Unqualified, found nowhere, and the scope is one catalog table: the column is missing there.
            _unresolved.Add(new UnresolvedColumn(c, only));
        }
        return ColumnOrigin.Unknown;
    }
}
