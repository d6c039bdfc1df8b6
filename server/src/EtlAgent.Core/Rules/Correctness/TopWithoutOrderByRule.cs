using EtlAgent.Core.Model;
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
            "Batch loops (a DML TOP inside WHILE) are exempt because every qualifying row is eventually processed, and so are work queues (`SET @id = (SELECT TOP (1) id FROM #queue WHERE Done = 0)`, or SELECT TOP (1) @id = ..., feeding a WHILE on @id whose body updates or deletes rows of that table, or taken inside a loop driven by a counter, `WHILE @i < @max`, whose body deletes the row or sets the column the query tests: any order takes every row), as are `TOP (0)`, TOP inside EXISTS, single-row queries, lookups whose WHERE pins a primary or unique key, and the numbers-table idiom (a select list of only constants and an unpartitioned ROW_NUMBER(), which yields 1..n whichever rows are taken). " +
            "In a view, derived table or CTE, `TOP (100) PERCENT ... ORDER BY` is reported too: the optimizer discards that ORDER BY, so the view's rows come back unordered; order in the query that reads the view instead.",
            Bad: "CREATE PROCEDURE Etl.LoadLatestOrder @CustomerKey int AS\nBEGIN\n    DECLARE @OrderKey bigint;\n    SELECT TOP (1) @OrderKey = o.[Order Key]\n    FROM Fact.[Order] AS o\n    WHERE o.[Customer Key] = @CustomerKey;\n\n    DELETE TOP (500) FROM Staging.Orders WHERE [Is Processed] = 1;\nEND",
            Good: "CREATE PROCEDURE Etl.LoadLatestOrder @CustomerKey int AS\nBEGIN\n    DECLARE @OrderKey bigint;\n    SELECT TOP (1) @OrderKey = o.[Order Key]\n    FROM Fact.[Order] AS o\n    WHERE o.[Customer Key] = @CustomerKey\n    ORDER BY o.[Order Date Key] DESC, o.[Order Key] DESC;\n\n    WITH batch AS (SELECT TOP (500) * FROM Staging.Orders WHERE [Is Processed] = 1 ORDER BY [Order ID])\n    DELETE FROM batch;\nEND",
            Schema: "CREATE TABLE Fact.[Order] ([Order Key] bigint NOT NULL PRIMARY KEY, [Customer Key] int NOT NULL, [Order Date Key] int NOT NULL);\nCREATE TABLE Staging.Orders ([Order ID] int NOT NULL PRIMARY KEY, [Is Processed] bit NOT NULL);"));

    private static readonly HashSet<string> Aggregates = new(StringComparer.OrdinalIgnoreCase)
    {
        "COUNT", "COUNT_BIG", "SUM", "MIN", "MAX", "AVG", "STDEV", "STDEVP", "VAR", "VARP", "CHECKSUM_AGG", "STRING_AGG", "APPROX_COUNT_DISTINCT",
    };

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
            if (SingleRow(spec) || PinsUniqueKey(spec, tables) || NoColumnSelected(spec)) continue;
            if (WorkQueue.Takes(context, spec)) continue;

            context.Report(top, fakeOrder
                ? $"'{context.TextOf(top)}' with '{Short(context, spec.OrderByClause!)}' returns arbitrary rows: ordering by a constant orders nothing. Order by columns that make the choice unique (e.g. the business key plus a tiebreaker)."
                : $"'{context.TextOf(top)}' without ORDER BY returns arbitrary rows, which can differ from run to run. Add an ORDER BY on columns that make the choice unique (e.g. the business key plus a tiebreaker).");
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

    /// <summary>No FROM, or only aggregates without GROUP BY: at most one row, so TOP picks nothing.</summary>
    private static bool SingleRow(QuerySpecification spec)
    {
        if (spec.FromClause is null) return true;
        if (spec.GroupByClause is not null || spec.SelectElements.Count == 0) return false;
        foreach (var e in spec.SelectElements)
        {
            var expr = e switch
            {
                SelectScalarExpression s => s.Expression,
                SelectSetVariable v => v.Expression,
                _ => null,
            };
            if (expr is null) return false;
            expr = Unparen(expr);
            if (expr is Literal) continue;
            if (expr is FunctionCall f && Aggregates.Contains(f.FunctionName?.Value ?? "") && f.OverClause is null) continue;
            return false;
        }
        return true;
    }

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

    /// <summary>A single table whose WHERE equates every column of a primary or unique key: at most one row qualifies.</summary>
    private static bool PinsUniqueKey(QuerySpecification spec, Tables tables)
    {
        if (spec.WhereClause?.SearchCondition is null) return false;
        var sources = Sources(spec.FromClause);
        if (sources.Count != 1) return false;
        var def = tables.Find(sources[0]);
        if (def is null) return false;
        var pinned = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var c in Conjuncts(spec.WhereClause.SearchCondition, throughParentheses: true))
        {
            if (Unparen(c) is not BooleanComparisonExpression { ComparisonType: BooleanComparisonType.Equals } eq) continue;
            var a = Unparen(eq.FirstExpression);
            var b = Unparen(eq.SecondExpression);
            if (a is ColumnReferenceExpression ca && IsColumn(ca) && !IsColumn(b)) pinned.Add(ColumnName(ca)!);
            else if (b is ColumnReferenceExpression cb && IsColumn(cb) && !IsColumn(a)) pinned.Add(ColumnName(cb)!);
        }
        return def.Keys.Any(k => k.Columns.Count > 0 && k.Columns.All(pinned.Contains));
    }
}
