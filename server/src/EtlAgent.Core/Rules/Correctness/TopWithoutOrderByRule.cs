using EtlAgent.Core.Catalog;
using EtlAgent.Core.Model;
using EtlAgent.Core.Syntax;
using Microsoft.SqlServer.TransactSql.ScriptDom;
using static EtlAgent.Core.Rules.SyntaxRuleHelpers;

namespace EtlAgent.Core.Rules.Correctness;

/// <summary>
/// TOP without ORDER BY picks arbitrary rows: the result changes with the plan, parallelism and
/// page order, so a load built on it is not repeatable. Also flags TOP on UPDATE/DELETE/INSERT/MERGE
/// (which cannot take an ORDER BY) and the ignored `TOP (100) PERCENT ... ORDER BY` in views.
/// </summary>
public sealed class TopWithoutOrderByRule : Rule
{
    public override RuleDescriptor Descriptor { get; } = new(
        "ETL0001", "top-without-order-by", "TOP without ORDER BY returns arbitrary rows", Severity.Warning, "Correctness",
        new RuleDoc(
            "Without ORDER BY (or with the placeholder `ORDER BY (SELECT NULL)`), `TOP (n)` and OFFSET/FETCH return whichever n rows the plan happens to produce first; the choice changes with indexes, statistics, parallelism and data volume, so a load that uses it is not repeatable and is hard to test. " +
            "UPDATE TOP, DELETE TOP, INSERT TOP and MERGE TOP cannot take an ORDER BY at all: select the rows in an ordered CTE and modify the CTE. " +
            "Batch loops (a DML TOP inside WHILE) are exempt because every qualifying row is eventually processed, and so are work queues (`SET @id = (SELECT TOP (1) id FROM #queue WHERE Done = 0)`, or SELECT TOP (1) @id = ..., feeding a WHILE on @id whose body updates or deletes rows of that table, or taken inside a loop driven by a counter, `WHILE @i < @max`, whose body deletes the row or sets the column the query tests: any order takes every row), as are `TOP (0)`, TOP inside EXISTS, single-row queries, lookups whose WHERE pins a primary or unique key, or columns every writer of the table in the workspace keeps unique (each INSERT into it adds one row under `IF NOT EXISTS (SELECT … WHERE Code = @Code …)` with those values, or seed rows that differ on them after a TRUNCATE or DELETE of every row, rows in branches that cannot both run such as `IF @@SERVERNAME = 'a'` and `IF @@SERVERNAME = 'b'` aside, or one INSERT … SELECT that is DISTINCT, groups by them, or copies a key of its one source table, after such an emptying or under `WHERE NOT EXISTS` on them; no writer updates them, MERGEs into the table or names it in dynamic SQL), selected columns every writer of the table fills with one constant (a literal, a column its SELECT's WHERE equates to that literal, a seed MERGE whose `USING (VALUES …)` rows all hold it: any row gives the same value), the numbers-table idiom (a select list of only constants and an unpartitioned ROW_NUMBER(), which yields 1..n whichever rows are taken), and rows that provably carry the same selected values: every selected column comes from a source that gives the whole statement one row (a view, inline function or derived table whose query is TOP (1) or a scalar aggregate, a function called with arguments fixed for the statement, a table whose primary or unique key the WHERE or an inner join equates to constants, variables or columns of such sources), while the other joined tables only multiply that row. An outer-joined source does not count: a missing match gives some candidates NULLs. " +
            "In a view, derived table or CTE, `TOP (100) PERCENT ... ORDER BY` is reported too: the optimizer discards that ORDER BY, so the view's rows come back unordered; order in the query that reads the view instead.",
            Bad: "CREATE PROCEDURE Etl.LoadLatestOrder @CustomerKey int AS\nBEGIN\n    DECLARE @OrderKey bigint;\n    SELECT TOP (1) @OrderKey = o.[Order Key]\n    FROM Fact.[Order] AS o\n    WHERE o.[Customer Key] = @CustomerKey;\n\n    DELETE TOP (500) FROM Staging.Orders WHERE [Is Processed] = 1;\nEND",
            Good: "CREATE PROCEDURE Etl.LoadLatestOrder @CustomerKey int AS\nBEGIN\n    DECLARE @OrderKey bigint;\n    SELECT TOP (1) @OrderKey = o.[Order Key]\n    FROM Fact.[Order] AS o\n    WHERE o.[Customer Key] = @CustomerKey\n    ORDER BY o.[Order Date Key] DESC, o.[Order Key] DESC;\n\n    WITH batch AS (SELECT TOP (500) * FROM Staging.Orders WHERE [Is Processed] = 1 ORDER BY [Order ID])\n    DELETE FROM batch;\nEND",
            Schema: "CREATE TABLE Fact.[Order] ([Order Key] bigint NOT NULL PRIMARY KEY, [Customer Key] int NOT NULL, [Order Date Key] int NOT NULL);\nCREATE TABLE Staging.Orders ([Order ID] int NOT NULL PRIMARY KEY, [Is Processed] bit NOT NULL);"));

    public override void Check(RuleContext context)
    {
        var index = context.Index;
        if (index.OfType<TopRowFilter>().Count == 0) return;

        // Queries whose row order cannot matter, or that are nested (where ORDER BY is ignored).
        var inExists = new HashSet<QueryExpression>(ReferenceEqualityComparer.Instance);
        foreach (var e in index.OfType<ExistsPredicate>())
            if (e.Subquery?.QueryExpression is { } q) inExists.Add(Unparen(q));
        var nested = new HashSet<QueryExpression>(ReferenceEqualityComparer.Instance);
        foreach (var v in index.OfType<ViewStatementBody>())
            if (v.SelectStatement?.QueryExpression is { } q) nested.Add(Unparen(q));
        foreach (var d in index.OfType<QueryDerivedTable>())
            if (d.QueryExpression is { } q) nested.Add(Unparen(q));
        foreach (var c in index.OfType<CommonTableExpression>())
            if (c.QueryExpression is { } q) nested.Add(Unparen(q));

        var tables = new Tables(context);
        foreach (var spec in index.OfType<QuerySpecification>())
        {
            var top = spec.TopRowFilter;
            bool fakeOrder = spec.OrderByClause is { } ob && ob.OrderByElements.Count > 0 && ob.OrderByElements.All(e => IsConstantSubquery(e.Expression));
            if (top?.Expression is null)
            {
                // OFFSET/FETCH needs an ORDER BY to parse; `ORDER BY (SELECT NULL)` satisfies the parser and orders nothing.
                if (spec.OffsetClause is not null && fakeOrder)
                    context.Report(spec.OrderByClause!,
                        $"'{Short(context, spec.OrderByClause!)}' does not order anything, so OFFSET/FETCH pages through rows in arbitrary order: pages can overlap or skip rows between runs. Order by columns that make the order unique.");
                continue;
            }
            bool zero = TryInteger(top.Expression, out var n) && n == 0;
            if (zero) continue;

            if (spec.OrderByClause is not null && !fakeOrder)
            {
                if (top.Percent && n == 100 && nested.Contains(spec))
                    context.Report(top,
                        $"'{context.TextOf(top)}' with ORDER BY in a view, derived table or CTE does not order anything: the optimizer drops both, and rows come back in any order. Remove the TOP and ORDER BY here and put ORDER BY in the outermost query that reads it.");
                continue;
            }
            if (top.Percent && n == 100) continue; // all rows: nothing arbitrary about which
            if (inExists.Contains(spec)) continue;
            if (OneRowQuery.BySelectList(spec) || PinsUniqueKey(spec, tables) || NoColumnSelected(spec)) continue;
            if (SameValuesInEveryRow(context, spec, tables)) continue;
            if (WorkQueue.Takes(context, spec)) continue;

            var message = fakeOrder
                ? $"'{context.TextOf(top)}' with '{Short(context, spec.OrderByClause!)}' returns arbitrary rows: ordering by a constant orders nothing. Order by columns that make the choice unique (e.g. the business key plus a tiebreaker)."
                : $"'{context.TextOf(top)}' without ORDER BY returns arbitrary rows, which can differ from run to run. Add an ORDER BY on columns that make the choice unique (e.g. the business key plus a tiebreaker).";
            // a lookup by columns no constraint makes unique may still find one row: the workspace step asks the table's writers
            // … and the columns it selects may hold one value in every row: the workspace step asks the writers that too
            var evidence = new Dictionary<string, object?>();
            if (PinnedColumns(spec, tables) is { } pinned) evidence[PinnedEvidenceKey] = pinned;
            if (SelectedColumns(spec, tables) is { } selected) evidence[SelectedEvidenceKey] = selected;
            if (evidence.Count > 0)
                context.Report(top, message, Severity.Error, evidence);
            else
                context.Report(top, message);
        }

        var whiles = new Lazy<SpanTree<WhileStatement>>(() => new SpanTree<WhileStatement>(index.OfType<WhileStatement>()));
        foreach (var u in index.OfType<UpdateSpecification>()) CheckDml(context, u, u.TopRowFilter, "UPDATE", whiles);
        foreach (var d in index.OfType<DeleteSpecification>()) CheckDml(context, d, d.TopRowFilter, "DELETE", whiles);
        foreach (var i in index.OfType<InsertSpecification>()) CheckDml(context, i, i.TopRowFilter, "INSERT", whiles);
        foreach (var m in index.OfType<MergeSpecification>()) CheckDml(context, m, m.TopRowFilter, "MERGE", whiles);
    }

    private static void CheckDml(RuleContext context, TSqlFragment dml, TopRowFilter? top, string verb, Lazy<SpanTree<WhileStatement>> whiles)
    {
        if (top?.Expression is null || (TryInteger(top.Expression, out var n) && n == 0)) return;
        if (whiles.Value.Innermost(dml) is not null) return; // a batch loop processes every qualifying row eventually
        var topText = context.TextOf(top);
        context.Report(top, verb == "INSERT"
            ? $"INSERT {topText} inserts an arbitrary subset of the source rows: INSERT cannot take ORDER BY. Move the TOP into the SELECT (INSERT ... SELECT {topText} ... ORDER BY ...)."
            : $"{verb} {topText} modifies arbitrary rows: {verb} cannot take ORDER BY. Select the rows in a CTE (WITH batch AS (SELECT {topText} ... ORDER BY ...)) and {verb} the CTE, or run it in a WHILE loop until every qualifying row is processed.");
    }

    /// <summary>`(SELECT NULL)`, `(SELECT 1)`: a subquery returning a constant, the usual way to satisfy a mandatory ORDER BY.</summary>
    private static bool IsConstantSubquery(ScalarExpression? e) =>
        e is not null && Unparen(e) is ScalarSubquery { QueryExpression: var q } && Unparen(q) is QuerySpecification { FromClause: null, SelectElements.Count: 1 } s &&
        s.SelectElements[0] is SelectScalarExpression { Expression: var x } && Unparen(x) is Literal;

    /// <summary>
    /// Only constants and an unpartitioned ROW_NUMBER() (`SELECT TOP (@n) ROW_NUMBER() OVER (ORDER BY (SELECT NULL))
    /// FROM tally`, the numbers-table idiom): no value comes from the rows, and SQL Server numbers the rows as it
    /// streams them into the TOP, so the result is 1..n whichever rows are taken.
    /// </summary>
    private static bool NoColumnSelected(QuerySpecification spec)
    {
        if (spec.SelectElements.Count == 0) return false;
        foreach (var e in spec.SelectElements)
        {
            if (e is not SelectScalarExpression { Expression: var x }) return false;
            x = Unparen(x);
            if (x is Literal) continue;
            if (x is FunctionCall { OverClause: { Partitions.Count: 0 } } f && f.Parameters.Count == 0 &&
                f.FunctionName.Value.Equals("ROW_NUMBER", StringComparison.OrdinalIgnoreCase))
                continue;
            return false;
        }
        return true;
    }

    /// <summary>
    /// Every row the TOP can pick carries the same selected values: each column it selects comes from a
    /// source that gives one row to the whole statement, while other sources only multiply that row.
    /// A source gives one row when it is a view, inline function or derived table whose query returns at
    /// most one row (a function's arguments fixed), or a table whose primary or unique key the WHERE or an
    /// inner join equates to constants, variables or columns of such sources. Outer-joined sources do not
    /// count (a missing match turns some candidates' values into NULLs), nor do window functions or subqueries
    /// in the select list.
    /// </summary>
    private static bool SameValuesInEveryRow(RuleContext context, QuerySpecification spec, Tables tables)
    {
        if (spec.FromClause is null || spec.SelectElements.Count == 0) return false;
        var leaves = JoinTree.Leaves(spec.FromClause).ToList();
        var sources = Sources(spec.FromClause);
        if (sources.Count != leaves.Count) return false; // a source columns cannot name (an unaliased derived table, a PIVOT...)
        var conditions = new List<BooleanExpression>();
        if (spec.WhereClause?.SearchCondition is { } where) conditions.AddRange(Conjuncts(where, throughParentheses: true));
        foreach (var join in JoinTree.Joins(spec.FromClause))
            if (join is QualifiedJoin { QualifiedJoinType: QualifiedJoinType.Inner, SearchCondition: { } on }) conditions.AddRange(Conjuncts(on, throughParentheses: true));

        var fixedSources = new HashSet<TableReference>(ReferenceEqualityComparer.Instance);
        for (bool grew = true; grew;)
        {
            grew = false;
            for (int i = 0; i < leaves.Count; i++)
                if (!leaves[i].NullExtended && !fixedSources.Contains(leaves[i].Source) && GivesOneRow(leaves[i], sources[i]))
                {
                    fixedSources.Add(leaves[i].Source);
                    grew = true;
                }
        }
        if (fixedSources.Count == 0) return false;

        foreach (var element in spec.SelectElements)
        {
            if (element is SelectStarExpression star)
            {
                var qualifier = star.Qualifier?.Identifiers is { Count: > 0 } q ? q[^1].Value : null;
                if (!sources.Where(s => qualifier is null || SameName(s.ExposedName, qualifier)).All(s => fixedSources.Contains(s.Reference))) return false;
                continue;
            }
            var found = new ValueSources();
            element.Accept(found);
            if (found.Opaque || !found.Columns.All(c => IsFixed(c))) return false;
        }
        return true;

        bool IsFixed(ColumnReferenceExpression c) =>
            IsColumn(c) && SourceOf(c, sources, tables.Find) is { } s && fixedSources.Contains(s.Reference);

        bool FixedValue(ScalarExpression? e)
        {
            if (e is null) return false;
            var found = new ValueSources();
            e.Accept(found);
            return !found.Opaque && !found.Random && found.Columns.All(IsFixed);
        }

        bool GivesOneRow(JoinLeaf leaf, TableSource source)
        {
            switch (leaf.Source)
            {
                case SchemaObjectFunctionTableReference f:
                    return context.Catalog.Find(DdlReader.NameOf(f.SchemaObject)) is { AtMostOneRow: true } && f.Parameters.All(FixedValue);
                case QueryDerivedTable d:
                    return !leaf.Lateral && OneRowQuery.Is(d.QueryExpression);
                case NamedTableReference:
                    if (tables.Find(source) is not { } def) return false;
                    if (def.AtMostOneRow) return true;
                    var pinned = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
                    foreach (var c in conditions)
                    {
                        if (Unparen(c) is not BooleanComparisonExpression { ComparisonType: BooleanComparisonType.Equals } eq) continue;
                        if (Own(eq.FirstExpression) is { } a && FixedValue(eq.SecondExpression)) pinned.Add(a);
                        else if (Own(eq.SecondExpression) is { } b && FixedValue(eq.FirstExpression)) pinned.Add(b);
                    }
                    return def.Keys.Any(k => k.Columns.Count > 0 && k.Columns.All(pinned.Contains));
                default:
                    return false;
            }

            string? Own(ScalarExpression e) =>
                Unparen(e) is ColumnReferenceExpression c && IsColumn(c) && SourceOf(c, sources, tables.Find) is { } s && ReferenceEquals(s.Reference, source.Reference) ? ColumnName(c) : null;
        }
    }

    /// <summary>The column references of a value, and whether it holds something whose value is not one per row (a subquery, a window function) or differs per call (NEWID, RAND).</summary>
    private sealed class ValueSources : TSqlFragmentVisitor
    {
        public List<ColumnReferenceExpression> Columns { get; } = new();
        public bool Opaque { get; private set; }
        public bool Random { get; private set; }
        public override void Visit(ColumnReferenceExpression node) => Columns.Add(node);
        public override void Visit(ScalarSubquery node) => Opaque = true;
        public override void Visit(OverClause node) => Opaque = true;
        public override void Visit(FunctionCall node)
        {
            if (node.FunctionName?.Value is { } n && (n.Equals("NEWID", StringComparison.OrdinalIgnoreCase) || n.Equals("RAND", StringComparison.OrdinalIgnoreCase) ||
                n.Equals("CRYPT_GEN_RANDOM", StringComparison.OrdinalIgnoreCase) || n.Equals("NEWSEQUENTIALID", StringComparison.OrdinalIgnoreCase)))
                Random = true;
        }
    }

    private const string PinnedEvidenceKey = "pinnedColumns";

    /// <summary>
    /// A finding on a lookup of one table by columns every writer of that table keeps unique (<see cref="WriterUniqueKeys"/>:
    /// an insert guarded by IF NOT EXISTS on them, distinct seed rows after a TRUNCATE, a grouped SELECT): at most one row
    /// qualifies, as if a unique constraint said so.
    /// </summary>
    public static bool PinsWriterUniqueKey(Finding finding, WriterUniqueKeys keys) =>
        finding.RuleId == "ETL0001" && finding.Evidence is { } e && e.TryGetValue(PinnedEvidenceKey, out var v) &&
        v is (QualifiedName table, IReadOnlyList<string> columns) && keys.IsUnique(table, new HashSet<string>(columns, StringComparer.OrdinalIgnoreCase));

    private const string SelectedEvidenceKey = "selectedColumns";

    /// <summary>
    /// A finding on a query of one table whose selected columns hold one value in every row by construction of the
    /// table's writers (<see cref="WriterConstantColumns"/>): whichever row the TOP takes, it returns the same values.
    /// </summary>
    public static bool SelectsWriterConstants(Finding finding, WriterConstantColumns constants) =>
        finding.RuleId == "ETL0001" && finding.Evidence is { } e && e.TryGetValue(SelectedEvidenceKey, out var v) &&
        v is (QualifiedName table, IReadOnlyList<string> { Count: > 0 } columns) && columns.All(c => constants.IsConstant(table, c));

    /// <summary>The one table of a query and the columns it selects, when it reads one table and selects only its columns (into variables or not).</summary>
    private static (QualifiedName Table, IReadOnlyList<string> Columns)? SelectedColumns(QuerySpecification spec, Tables tables)
    {
        var sources = Sources(spec.FromClause);
        if (sources.Count != 1 || tables.Find(sources[0]) is not { } def || spec.SelectElements.Count == 0) return null;
        var columns = new List<string>();
        foreach (var element in spec.SelectElements)
        {
            var value = element switch
            {
                SelectScalarExpression e => e.Expression,
                SelectSetVariable v => v.Expression,
                _ => null,
            };
            if (value is null || Unparen(value) is not ColumnReferenceExpression c || !IsColumn(c) || ColumnName(c) is not { } name) return null;
            columns.Add(name);
        }
        return (def.Name, columns);
    }

    /// <summary>The one table of a query and the columns its WHERE equates to values (not columns), when it reads one table.</summary>
    private static (QualifiedName Table, IReadOnlyList<string> Columns)? PinnedColumns(QuerySpecification spec, Tables tables)
    {
        if (spec.WhereClause?.SearchCondition is null) return null;
        var sources = Sources(spec.FromClause);
        if (sources.Count != 1 || tables.Find(sources[0]) is not { } def) return null;
        var pinned = Pinned(spec.WhereClause.SearchCondition);
        return pinned.Count == 0 ? null : (def.Name, pinned.Order(StringComparer.OrdinalIgnoreCase).ToList());
    }

    private static HashSet<string> Pinned(BooleanExpression where)
    {
        var pinned = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var c in Conjuncts(where, throughParentheses: true))
        {
            if (Unparen(c) is not BooleanComparisonExpression { ComparisonType: BooleanComparisonType.Equals } eq) continue;
            var a = Unparen(eq.FirstExpression);
            var b = Unparen(eq.SecondExpression);
            if (a is ColumnReferenceExpression ca && IsColumn(ca) && !IsColumn(b)) pinned.Add(ColumnName(ca)!);
            else if (b is ColumnReferenceExpression cb && IsColumn(cb) && !IsColumn(a)) pinned.Add(ColumnName(cb)!);
        }
        return pinned;
    }

    /// <summary>A single table whose WHERE equates every column of a primary or unique key: at most one row qualifies.</summary>
    private static bool PinsUniqueKey(QuerySpecification spec, Tables tables)
    {
        if (spec.WhereClause?.SearchCondition is null) return false;
        var sources = Sources(spec.FromClause);
        if (sources.Count != 1) return false;
        var def = tables.Find(sources[0]);
        if (def is null) return false;
        var pinned = Pinned(spec.WhereClause.SearchCondition);
        return def.Keys.Any(k => k.Columns.Count > 0 && k.Columns.All(pinned.Contains));
    }
}
