using EtlAgent.Core.Catalog;
using EtlAgent.Core.Model;
using EtlAgent.Core.Syntax;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace EtlAgent.Core.Lineage;

// Flow: which columns earlier statements of the same body left without NULLs. A staging table whose
// keys an UPDATE filled with COALESCE(..., 0), or whose NULL rows a DELETE removed, is read by the
// next INSERT as NOT NULL there. Only facts true on every path are kept: a branch that may not run
// adds nothing, a statement that may add rows with NULLs (or a call that may do anything) removes them.
public sealed partial class LineageAnalyzer
{
    /// <summary>Per table (catalog, #temp or @variable): columns no row has NULL in, at this point of the body.</summary>
    private Dictionary<QualifiedName, HashSet<string>> _notNull = new();

    private Dictionary<QualifiedName, HashSet<string>> CopyFacts() =>
        _notNull.ToDictionary(kv => kv.Key, kv => new HashSet<string>(kv.Value, StringComparer.OrdinalIgnoreCase));

    /// <summary>The facts that hold after either of two paths.</summary>
    private static Dictionary<QualifiedName, HashSet<string>> Meet(Dictionary<QualifiedName, HashSet<string>> a, Dictionary<QualifiedName, HashSet<string>> b)
    {
        var result = new Dictionary<QualifiedName, HashSet<string>>();
        foreach (var (table, columns) in a)
        {
            if (!b.TryGetValue(table, out var other)) continue;
            var both = new HashSet<string>(columns.Where(other.Contains), StringComparer.OrdinalIgnoreCase);
            if (both.Count > 0) result[table] = both;
        }
        return result;
    }

    /// <summary>
    /// Variables that hold a value at this point (`SET @now = GETDATE()`), kept with the columns under a name no
    /// table has, so that branches, loops and calls treat them as they treat columns.
    /// </summary>
    private static readonly QualifiedName Variables = new("@", "@");

    /// <summary>Variables assigned by anything but SET or DECLARE (SELECT @v = ..., UPDATE ... SET @v, FETCH INTO, OUTPUT parameters): never taken to hold a value.</summary>
    private readonly HashSet<string> _untrustedVariables = new(StringComparer.OrdinalIgnoreCase);

    private bool HasValue(string variable) => !_untrustedVariables.Contains(variable) && KnownNotNull(Variables, variable);

    /// <summary>SET @v = value or DECLARE @v = value: the variable holds a value when the expression is never NULL.</summary>
    private void SetVariable(string variable, ScalarExpression? value)
    {
        // a query in the expression is left alone: reading it here would report its columns a second time
        bool notNull = value is not null && !QueryInside.Any(value) && Expr(value, new QueryScope(null)).Nullable == false;
        SetNotNull(Variables, variable, notNull);
        ForgetKeysNaming(variable);
    }

    /// <summary>Collects the variables a body assigns other than by SET or DECLARE.</summary>
    private sealed class OtherVariableAssignments(HashSet<string> into) : TSqlFragmentVisitor
    {
        public override void ExplicitVisit(SelectSetVariable node) { into.Add(node.Variable.Name); base.ExplicitVisit(node); }
        public override void ExplicitVisit(AssignmentSetClause node) { if (node.Variable is not null) into.Add(node.Variable.Name); base.ExplicitVisit(node); }
        public override void ExplicitVisit(FetchCursorStatement node) { foreach (var v in node.IntoVariables) into.Add(v.Name); base.ExplicitVisit(node); }
        public override void ExplicitVisit(ExecuteParameter node) { if (node.IsOutput && node.ParameterValue is VariableReference v) into.Add(v.Name); base.ExplicitVisit(node); }
        public override void ExplicitVisit(ExecuteSpecification node) { if (node.Variable is not null) into.Add(node.Variable.Name); base.ExplicitVisit(node); }
        public override void ExplicitVisit(SetVariableStatement node) { if (node.AssignmentKind != AssignmentKind.Equals || node.Expression is null) into.Add(node.Variable.Name); base.ExplicitVisit(node); }
    }

    /// <summary>Whether an expression holds a subquery.</summary>
    private sealed class QueryInside : TSqlFragmentVisitor
    {
        private bool _found;
        public override void ExplicitVisit(ScalarSubquery node) => _found = true;
        public static bool Any(TSqlFragment f) { var v = new QueryInside(); f.Accept(v); return v._found; }
    }

    private bool KnownNotNull(QualifiedName table, string column) =>
        _notNull.TryGetValue(table, out var columns) && columns.Contains(column);

    private void SetNotNull(QualifiedName table, string column, bool notNull)
    {
        if (notNull)
        {
            if (!_notNull.TryGetValue(table, out var columns)) _notNull[table] = columns = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            columns.Add(column);
        }
        else if (_notNull.TryGetValue(table, out var columns)) columns.Remove(column);
    }

    /// <summary>A relation as this point of the body sees it: columns earlier statements filled read as not NULL.</summary>
    private Relation WithFlowFacts(Relation relation)
    {
        if (relation.Table is not { } table || !_notNull.TryGetValue(table, out var columns) || columns.Count == 0) return relation;
        var adjusted = relation.Columns
            .Select(c => columns.Contains(c.Name) && c.Origin.Nullable != false ? (c.Name, c.Origin with { Nullable = false }) : c)
            .ToList();
        return new Relation(relation.Alias, table, adjusted, relation.IsOpen, relation.Definition) { NullExtended = relation.NullExtended };
    }

    /// <summary>
    /// After an UPDATE: a column set to a value that is never NULL has none left when every row was
    /// updated, or when the rows left alone could not have had NULL there (WHERE c IS NULL OR ...).
    /// A column set to anything else may now hold NULL.
    /// </summary>
    private void UpdateFacts(QualifiedName table, UpdateSpecification spec, List<(string Column, ColumnOrigin Value, bool Plain)> sets)
    {
        bool everyRow = spec.FromClause is null || EveryTargetRow(spec.FromClause, spec.Target);
        var skippedHaveValue = spec.WhereClause?.SearchCondition is { } where ? NullTestedColumns(where, spec.Target) : null;
        foreach (var (column, value, plain) in sets)
        {
            bool before = KnownNotNull(table, column);
            bool after = value.Nullable == false && (plain ? before || (everyRow && (skippedHaveValue is null || skippedHaveValue.Contains(column))) : before);
            SetNotNull(table, column, after);
        }
    }

    /// <summary>After DELETE ... WHERE c IS NULL [OR d IS NULL]: the rows left have values in c (and d).</summary>
    private void DeleteFacts(DeleteSpecification spec, QueryScope scope)
    {
        if (spec.Target is not NamedTableReference and not VariableTableReference) return;
        if (spec.FromClause is not null && !EveryTargetRow(spec.FromClause, spec.Target)) return;
        if (spec.WhereClause?.SearchCondition is not { } where) return;
        var (table, _) = ResolveTarget(spec.Target, scope);
        if (table is null) return;
        foreach (var column in NullTestedColumns(where, spec.Target)) SetNotNull(table.Value, column, true);
    }

    /// <summary>After an INSERT: a column stays free of NULLs only if every inserted row has a value there.</summary>
    private void InsertFacts(QualifiedName table, IReadOnlyList<string>? columns, IReadOnlyList<ColumnOrigin>? values)
    {
        if (!_notNull.TryGetValue(table, out var known)) return;
        if (columns is null || values is null) { _notNull.Remove(table); return; }
        foreach (var column in known.ToList())
        {
            int i = -1;
            for (int k = 0; k < columns.Count && k < values.Count; k++)
                if (string.Equals(columns[k], column, StringComparison.OrdinalIgnoreCase)) { i = k; break; }
            if (i < 0 || values[i].Nullable != false) known.Remove(column);
        }
    }

    /// <summary>A statement that may write anything (a procedure call, dynamic SQL): nothing is known any more.</summary>
    private void ForgetFacts() => _notNull.Clear();

    private void ForgetFacts(QualifiedName table) => _notNull.Remove(table);

    /// <summary>
    /// Coverage: after `INSERT INTO T (c) SELECT k FROM X` (no filter), T has a row with c = k for every row of X
    /// whose k is not NULL, so a later `X LEFT JOIN T ON T.c = X.k` finds a match for each of them. Kept among the
    /// columns under T (an entry no column is named), so that branches, loops and calls treat it as they treat
    /// columns; any later write to T or X (INSERT, UPDATE, DELETE, MERGE, TRUNCATE, SELECT INTO, re-creation) ends it.
    /// </summary>
    private static string CoverageEntry(string column, QualifiedName source, string sourceColumn) =>
        $"\u0001{column}\u0001{source}\u0001{sourceColumn}";

    /// <summary>The table as the catalog names it (a #temp table or @variable as written).</summary>
    private QualifiedName Canonical(QualifiedName table) => table.IsLocal ? table : _catalog.Find(table)?.Name ?? table;

    /// <summary>After INSERT INTO <paramref name="table"/>: records that it covers its source, when the source is one whole table.</summary>
    private void CoverageFacts(QualifiedName table, IReadOnlyList<string> columns, InsertSource source)
    {
        if (source is not SelectInsertSource { Select: QuerySpecification q } || q.WhereClause is not null || q.HavingClause is not null ||
            q.TopRowFilter is not null || q.OffsetClause is not null || q.FromClause?.TableReferences is not { Count: 1 } from ||
            from[0] is not NamedTableReference { SchemaObject: var so }) return;
        var sourceTable = Canonical(DdlReader.NameOf(so));
        if (Canonical(table) == sourceTable) return;
        for (int i = 0; i < columns.Count && i < q.SelectElements.Count; i++)
        {
            var e = q.SelectElements[i] is SelectScalarExpression s ? s.Expression : null;
            while (e is ParenthesisExpression p) e = p.Expression;
            if (e is ColumnReferenceExpression { MultiPartIdentifier.Identifiers: { Count: > 0 } ids })
                SetNotNull(table, CoverageEntry(columns[i], sourceTable, ids[^1].Value), true);
        }
    }

    /// <summary>Whether <paramref name="table"/> has a row with <paramref name="column"/> = k for every row of <paramref name="source"/> whose k is not NULL.</summary>
    private bool Covers(QualifiedName table, string column, QualifiedName source, string sourceColumn) =>
        _notNull.Any(kv => Canonical(kv.Key) == Canonical(table) && kv.Value.Contains(CoverageEntry(column, Canonical(source), sourceColumn)));

    /// <summary>
    /// A write to <paramref name="table"/>: what it covered, and what covered it, no longer holds. An UPDATE that sets only
    /// <paramref name="setColumns"/> keeps the rows, so only what those columns covered, or were covered by, ends.
    /// </summary>
    private void ForgetCoverage(QualifiedName table, IReadOnlyCollection<string>? setColumns = null)
    {
        var name = Canonical(table);
        var mark = $"\u0001{name}\u0001";
        foreach (var (key, columns) in _notNull)
        {
            bool holder = Canonical(key) == name;
            columns.RemoveWhere(c => c.StartsWith('\u0001') ? CoverageEnds(c, holder, mark, setColumns) : c.StartsWith(KeyMark) && KeyEntryEnds(c, holder, table, setColumns));
        }
    }

    private static bool CoverageEnds(string entry, bool holder, string mark, IReadOnlyCollection<string>? setColumns)
    {
        if (setColumns is null) return holder || entry.Contains(mark, StringComparison.OrdinalIgnoreCase);
        var parts = entry.Split('\u0001'); // "", column, source, source column
        return holder && setColumns.Contains(parts[1], StringComparer.OrdinalIgnoreCase) ||
               entry.Contains(mark, StringComparison.OrdinalIgnoreCase) && setColumns.Contains(parts[^1], StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>
    /// Whether a DML statement's FROM keeps every row of its target: the target comes first and is
    /// only outer-joined (LEFT JOIN, OUTER APPLY). An inner join skips the rows it finds no match for.
    /// </summary>
    private static bool EveryTargetRow(FromClause from, TableReference? target)
    {
        if (from.TableReferences.Count != 1) return false;
        var steps = JoinTree.Walk(from);
        var first = steps.OfType<JoinLeaf>().FirstOrDefault();
        if (first is null || !NamesTarget(first.Source, target)) return false;
        return steps.OfType<JoinEnd>().All(j => j.Join is QualifiedJoin { QualifiedJoinType: QualifiedJoinType.LeftOuter }
            or UnqualifiedJoin { UnqualifiedJoinType: UnqualifiedJoinType.OuterApply });
    }

    private static bool NamesTarget(TableReference source, TableReference? target)
    {
        static string? Last(TableReference? t) => t switch
        {
            NamedTableReference n => n.SchemaObject.BaseIdentifier?.Value,
            VariableTableReference v => v.Variable.Name,
            _ => null,
        };
        static string? AliasOf(TableReference t) => t is TableReferenceWithAlias a ? a.Alias?.Value : null;
        var name = Last(target);
        if (name is null) return false;
        return string.Equals(AliasOf(source), name, StringComparison.OrdinalIgnoreCase) ||
               (target is NamedTableReference { SchemaObject.SchemaIdentifier: not null } || AliasOf(source) is null) && string.Equals(Last(source), name, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// The columns c of the target for which the condition is ... OR c IS NULL OR ...: a row it does
    /// not select has a value in each.
    /// </summary>
    private static HashSet<string> NullTestedColumns(BooleanExpression condition, TableReference? target)
    {
        var result = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var targetName = target switch
        {
            NamedTableReference n => n.SchemaObject.BaseIdentifier?.Value,
            VariableTableReference v => v.Variable.Name,
            _ => null,
        };
        void Walk(BooleanExpression e)
        {
            switch (e)
            {
                case BooleanParenthesisExpression p: Walk(p.Expression); break;
                case BooleanBinaryExpression { BinaryExpressionType: BooleanBinaryExpressionType.Or } or:
                    Walk(or.FirstExpression);
                    Walk(or.SecondExpression);
                    break;
                case BooleanIsNullExpression { IsNot: false, Expression: ColumnReferenceExpression { MultiPartIdentifier: not null } c }:
                    var ids = c.MultiPartIdentifier.Identifiers;
                    if (ids.Count == 1 || string.Equals(ids[^2].Value, targetName, StringComparison.OrdinalIgnoreCase))
                        result.Add(ids[^1].Value);
                    break;
            }
        }
        Walk(condition);
        return result;
    }
}
