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
public sealed partial class LineageAnalyzer
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
    /// <summary>Columns of #temp tables and table variables declared NOT NULL, by table name.</summary>
    private readonly Dictionary<string, HashSet<string>> _declaredNotNull = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<UnresolvedColumn> _unresolved = new();
    /// <summary>Set when a * expands over a relation whose columns are not all known.</summary>
    private bool _openStar;

    /// <summary>Row-inserting statements by target (INSERT, MERGE with an INSERT branch, SELECT INTO), for <see cref="Fills"/>.</summary>
    private readonly List<(QualifiedName Table, TSqlStatement Statement, TSqlFragment Part)> _rowSources = new();
    /// <summary>Tables written with values not known here: INSERT ... EXEC, BULK INSERT, OUTPUT INTO.</summary>
    private readonly HashSet<QualifiedName> _unreadableWrites = new();
    /// <summary>A write whose target was not resolved (through a CTE): it may be any table the body writes.</summary>
    private bool _unresolvedWrite;

    /// <summary>Parameters that are taken to hold a value (never NULL); empty unless asked for.</summary>
    private readonly HashSet<string> _valuedParameters = new(StringComparer.OrdinalIgnoreCase);

    /// <param name="parametersHaveValues">
    /// Take every parameter to hold a value: what an inline function returns when called with values.
    /// </param>
    public LineageAnalyzer(SchemaCatalog catalog, IEnumerable<ParameterDef>? parameters = null, bool parametersHaveValues = false)
    {
        _catalog = catalog;
        if (parameters is not null)
            foreach (var p in parameters)
            {
                _variables[p.Name] = catalog.AliasTypes.Resolve(p.Type);
                if (parametersHaveValues) _valuedParameters.Add(p.Name);
            }
    }

    public IReadOnlyList<ColumnAssignment> Assignments => _assignments;
    public IReadOnlyList<UnresolvedColumn> Unresolved => _unresolved;

    /// <summary>Analyses statements (and the statements nested in their blocks) in order.</summary>
    public LineageAnalyzer Analyze(IEnumerable<TSqlFragment> body)
    {
        var fragments = body as IReadOnlyCollection<TSqlFragment> ?? body.ToList();
        foreach (var f in fragments) f.Accept(new OtherVariableAssignments(_untrustedVariables));
        foreach (var f in fragments) f.Accept(new VariableAssignments(this));
        foreach (var f in fragments) new StatementWalker(this).Walk(f);
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
        public override void ExplicitVisit(ExecuteStatement node) => a.ForgetFacts();
        public override void ExplicitVisit(TruncateTableStatement node) => a.ForgetCoverage(DdlReader.NameOf(node.TableName));
        public override void ExplicitVisit(DropTableStatement node) { foreach (var o in node.Objects) a.ForgetCoverage(DdlReader.NameOf(o)); }

        // Control flow: what a branch or loop body establishes holds afterwards only if every path does.
        public override void ExplicitVisit(IfStatement node)
        {
            var before = a.CopyFacts();
            node.ThenStatement?.Accept(this);
            var afterThen = a._notNull;
            a._notNull = before;
            node.ElseStatement?.Accept(this);
            a._notNull = Meet(afterThen, a._notNull);
        }

        // The body is walked once, from the state before the loop: what a later statement of the body
        // breaks is still trusted by the statements before it (a missed finding, never a false one).
        public override void ExplicitVisit(WhileStatement node)
        {
            var before = a.CopyFacts();
            node.Statement?.Accept(this);
            a._notNull = Meet(before, a._notNull);
        }

        public override void ExplicitVisit(TryCatchStatement node)
        {
            var before = a.CopyFacts();
            node.TryStatements?.Accept(this);
            var afterTry = a._notNull;
            // The CATCH block starts wherever the TRY block failed: only what held all along.
            a._notNull = Meet(before, afterTry);
            node.CatchStatements?.Accept(this);
            a._notNull = Meet(afterTry, a._notNull);
        }

        public override void ExplicitVisit(DeclareVariableStatement node)
        {
            foreach (var d in node.Declarations)
            {
                a._variables[d.VariableName.Value] = DataTypes.From(d.DataType, a._catalog.AliasTypes);
                a.SetVariable(d.VariableName.Value, d.Value);
            }
            base.ExplicitVisit(node);
        }

        public override void ExplicitVisit(SetVariableStatement node)
        {
            if (node.AssignmentKind == AssignmentKind.Equals && node.Expression is not null) a.SetVariable(node.Variable.Name, node.Expression);
            else a.SetNotNull(Variables, node.Variable.Name, false);
        }

        public override void ExplicitVisit(BulkInsertStatement node) => a._unreadableWrites.Add(DdlReader.NameOf(node.To));
        public override void ExplicitVisit(InsertBulkStatement node) => a._unreadableWrites.Add(DdlReader.NameOf(node.To));
        // Scalar subqueries in IF/WHILE/SET are reads only; nothing to assign.
    }

    // ---- statements -------------------------------------------------------------------------

    private void Insert(InsertStatement node)
    {
        var spec = node.InsertSpecification;
        var scope = new QueryScope(null);
        AddCtes(node.WithCtesAndXmlNamespaces, scope);
        var (table, def) = ResolveTarget(spec.Target, scope);
        if (table is null) { _unresolvedWrite = true; return; }
        _rowSources.Add((table.Value, node, node));
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
                _unreadableWrites.Add(table.Value);
                ForgetFacts(); // INSERT ... EXEC: the procedure's result shape is not known statically, and it may write anything
                return;
        }

        var merged = MergeRows(values);
        ForgetCoverage(table.Value);
        InsertFacts(table.Value, targetColumns, merged.Select(m => m.Origin).ToList());
        CoverageFacts(table.Value, targetColumns, spec.InsertSource);
        if (spec.InsertSource is SelectInsertSource { Select: var select }) RecordKeys(table.Value, targetColumns, select, created: false);
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
        if (table is null) { _unresolvedWrite = true; return; }
        MarkNullRejected(spec.WhereClause?.SearchCondition, scope);
        var sets = new List<(string, ColumnOrigin, bool)>();
        foreach (var set in spec.SetClauses)
        {
            if (set is AssignmentSetClause { Column: not null } a)
            {
                var column = a.Column.MultiPartIdentifier.Identifiers[^1].Value;
                var value = Expr(a.NewValue, scope);
                Assign(table.Value, def, column, value, a.NewValue, node);
                sets.Add((column, value, a.AssignmentKind == AssignmentKind.Equals));
            }
        }
        if (spec.WhereClause?.SearchCondition is { } where) Expr(where, scope);
        ForgetCoverage(table.Value, sets.Select(s => s.Item1).ToList());
        UpdateFacts(table.Value, spec, sets);
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
        if (table is null) { _unresolvedWrite = true; return; }
        ForgetCoverage(table.Value);
        // the INSERT branch's own values: an UPDATE branch's values are no row's first ones
        foreach (var insert in spec.ActionClauses.Select(c => c.Action).OfType<InsertMergeAction>()) _rowSources.Add((table.Value, node, insert));
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
                        {
                            var column = a.Column.MultiPartIdentifier.Identifiers[^1].Value;
                            var value = Expr(a.NewValue, branch);
                            Assign(table.Value, def, column, value, a.NewValue, node);
                            // Only some rows are updated: a value never NULL keeps the column's state, others may break it.
                            if (value.Nullable != false) SetNotNull(table.Value, column, false);
                        }
                    break;
                case InsertMergeAction i:
                {
                    var cols = i.Columns.Count > 0
                        ? i.Columns.Select(c => c.MultiPartIdentifier.Identifiers[^1].Value).ToList()
                        : InsertableColumns(table.Value, def);
                    var row = i.Source?.RowValues.FirstOrDefault();
                    if (row is null) { InsertFacts(table.Value, cols, Array.Empty<ColumnOrigin>()); break; }
                    var inserted = new List<ColumnOrigin>();
                    for (int k = 0; k < cols.Count && k < row.ColumnValues.Count; k++)
                    {
                        var value = Expr(row.ColumnValues[k], branch);
                        Assign(table.Value, def, cols[k], value, row.ColumnValues[k], node);
                        inserted.Add(value);
                    }
                    InsertFacts(table.Value, cols, inserted);
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
        if (ResolveTarget(spec.Target, scope).Table is { } deleted) ForgetCoverage(deleted);
        DeleteFacts(spec, scope);
    }

    private void Select(SelectStatement node)
    {
        var scope = new QueryScope(null);
        AddCtes(node.WithCtesAndXmlNamespaces, scope);
        var outputs = Query(node.QueryExpression, scope);
        if (node.Into is null) return;
        var table = DdlReader.NameOf(node.Into);
        var def = table.IsTemp ? null : _catalog.Find(table);
        _rowSources.Add((table, node, node));
        ForgetFacts(table);
        ForgetCoverage(table);
        var names = ExpandedNames(node.QueryExpression, scope);
        RecordKeys(table, names, node.QueryExpression, created: true);
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
        var name = new QualifiedName(null, body.VariableName.Value);
        _locals[name.Name] = new Relation(null, name, DeclaredShape(name, body.Definition), open: false, null);
        ForgetFacts(name);
        ForgetCoverage(name);
    }

    private void CreateTemp(CreateTableStatement node)
    {
        var name = DdlReader.NameOf(node.SchemaObjectName);
        if (!name.IsTemp || node.Definition is null) return;
        _locals[name.Name] = new Relation(null, name, DeclaredShape(name, node.Definition), open: false, null);
        ForgetFacts(name);
        ForgetCoverage(name);
    }

    /// <summary>
    /// The columns of a #temp table or table variable as declared. A NOT NULL (or identity, or primary
    /// key) column never holds NULL, whatever fills it: an INSERT of NULL there fails instead.
    /// </summary>
    private List<(string, ColumnOrigin)> DeclaredShape(QualifiedName table, TableDefinition definition)
    {
        var primaryKey = definition.TableConstraints.OfType<UniqueConstraintDefinition>().Where(u => u.IsPrimaryKey)
            .SelectMany(u => u.Columns).Select(c => c.Column.MultiPartIdentifier.Identifiers[^1].Value).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var shape = new List<(string, ColumnOrigin)>();
        _declaredNotNull.Remove(table.Name);
        foreach (var c in definition.ColumnDefinitions)
        {
            bool notNull = c.IdentityOptions is not null || primaryKey.Contains(c.ColumnIdentifier.Value) ||
                c.Constraints.Any(k => k is NullableConstraintDefinition { Nullable: false } or UniqueConstraintDefinition { IsPrimaryKey: true }) ||
                // a column of a NOT NULL alias type that states no nullability of its own
                (!c.Constraints.Any(k => k is NullableConstraintDefinition) && _catalog.AliasTypes.Find(DataTypes.From(c.DataType, AliasTypes.None)) is { Nullable: false });
            if (notNull)
            {
                if (!_declaredNotNull.TryGetValue(table.Name, out var set)) _declaredNotNull[table.Name] = set = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
                set.Add(c.ColumnIdentifier.Value);
            }
            shape.Add((c.ColumnIdentifier.Value, new ColumnOrigin(Array.Empty<string>(), MappingKind.Direct, DataTypes.From(c.DataType, _catalog.AliasTypes), notNull ? false : null)));
        }
        return shape;
    }

    private void CheckOutput(OutputClause? output, OutputIntoClause? into, QueryScope scope)
    {
        // OUTPUT inserted.x / deleted.x refer to pseudo-tables; nothing to resolve against the catalog.
        // The rows OUTPUT INTO adds are not followed.
        if (into?.IntoTable is NamedTableReference named) _unreadableWrites.Add(DdlReader.NameOf(named.SchemaObject));
        else if (into is not null) _unresolvedWrite = true;
    }

    /// <summary>
    /// What the analysed body's writes leave in the columns of each table of <paramref name="writes"/> (the tables the
    /// body writes, as discovery found them; <paramref name="canonical"/> maps lineage's names onto theirs).
    /// </summary>
    public IReadOnlyList<TableFill> Fills(IEnumerable<QualifiedName> writes, Func<QualifiedName, QualifiedName> canonical)
    {
        var result = new List<TableFill>();
        foreach (var table in writes.Distinct())
        {
            if (table.IsLocal) continue;
            if (_unresolvedWrite || _unreadableWrites.Any(u => canonical(u) == table)) { result.Add(TableFill.Unknown(table)); continue; }
            var assignments = _assignments.Where(a => canonical(a.Table) == table).ToList();
            var maybeNull = assignments.Where(a => !GivesValue(a.Origin)).Select(a => a.TargetColumn?.Name ?? a.Column).ToHashSet(StringComparer.OrdinalIgnoreCase);
            var inserts = _rowSources.Where(r => canonical(r.Table) == table).ToList();
            HashSet<string>? nonNull = null;
            foreach (var (_, statement, part) in inserts)
            {
                var named = assignments.Where(a => ReferenceEquals(a.Statement, statement) && GivesValue(a.Origin) &&
                        a.Source is { } source && source.StartOffset >= part.StartOffset && source.StartOffset < part.StartOffset + part.FragmentLength)
                    .Select(a => a.TargetColumn?.Name ?? a.Column).ToHashSet(StringComparer.OrdinalIgnoreCase);
                if (nonNull is null) nonNull = named; else nonNull.IntersectWith(named);
            }
            nonNull ??= new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            nonNull.ExceptWith(maybeNull);
            var functions = new Dictionary<string, IReadOnlySet<QualifiedName>>(StringComparer.OrdinalIgnoreCase);
            foreach (var a in assignments.Where(a => a.Origin is { Nullable: null, UserFunction: not null }))
            {
                var column = a.TargetColumn?.Name ?? a.Column;
                functions[column] = new HashSet<QualifiedName>(functions.GetValueOrDefault(column) ?? new HashSet<QualifiedName>()) { a.Origin.UserFunction!.Value };
            }
            result.Add(new TableFill(table, inserts.Count > 0, false, nonNull, maybeNull) { Functions = functions });
        }
        return result;
    }

    /// <summary>
    /// A value a writer is taken to fill a column with: never NULL, or copied from another server's or database's
    /// table whose NULLs are not known (<see cref="ColumnOrigin.NullsElsewhere"/>): a reader of the filled column then
    /// knows no more than a reader of that table, which is not reported either.
    /// </summary>
    /// A call of a user function counts too; the workspace step then asks whether the function can return NULL.
    private static bool GivesValue(ColumnOrigin o) => o.Nullable == false || o.Nullable is null && (o.NullsElsewhere || o.UserFunction is not null);

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
        if (_declaredNotNull.TryGetValue(table.Name, out var notNull))
            for (int i = 0; i < columns.Count; i++)
                if (notNull.Contains(columns[i].Item1)) columns[i] = (columns[i].Item1, columns[i].Item2 with { Nullable = false });
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
}
