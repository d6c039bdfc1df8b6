using EtlAgent.Core.Catalog;
using EtlAgent.Core.Model;
using EtlAgent.Core.Syntax;
using Microsoft.SqlServer.TransactSql.ScriptDom;
using static EtlAgent.Core.Rules.SyntaxRuleHelpers;

namespace EtlAgent.Core.Rules.Correctness;

/// <summary>
/// `s.a &lt;&gt; d.a` is UNKNOWN when either side is NULL, so change detection written with it never
/// sees a value change from or to NULL: the target keeps the stale value for good.
/// </summary>
public sealed class NullUnsafeChangeDetectionRule : Rule
{
    public override RuleDescriptor Descriptor { get; } = new(
        "ETL0018", "null-unsafe-change-detection", "Change detection with <> misses changes from or to NULL", Severity.Warning, "Correctness",
        new RuleDoc(
            "Loads detect changed rows by comparing the staged row with the stored one: `UPDATE ... WHERE s.City <> d.City OR ...`, `MERGE ... WHEN MATCHED AND (s.City <> d.City ...)`, or `EXISTS (SELECT ... WHERE ... s.City <> d.City)`. When either side is NULL the comparison is UNKNOWN, not TRUE, so a customer whose city goes from NULL to 'Berlin' (or back to NULL) is never updated and the target silently keeps the old value. " +
            "The rule fires on `<>` and `!=` between two columns of different tables in those places when the catalog says at least one side is nullable; comparisons whose columns the condition also tests with IS NULL, or that are wrapped in ISNULL/COALESCE, are taken as handled, and identifiers (`Id`, `...Key`) and row hashes, which match rows or are computed by the load, are not looked at. " +
            "The fix replaces the comparisons (the whole OR group when it holds only such comparisons) with `EXISTS (SELECT s.a, s.b EXCEPT SELECT d.a, d.b)`, which treats two NULLs as equal and a NULL and a value as different on every version of SQL Server; where the workspace's compatibility level is 160 or more, a second fix writes `IS DISTINCT FROM` instead.",
            Bad: "UPDATE d\nSET d.City = s.City, d.Phone = s.Phone\nFROM Dim.Customer AS d\nJOIN Staging.Customer AS s ON s.[Customer Code] = d.[Customer Code]\nWHERE s.City <> d.City OR s.Phone <> d.Phone;",
            Good: "UPDATE d\nSET d.City = s.City, d.Phone = s.Phone\nFROM Dim.Customer AS d\nJOIN Staging.Customer AS s ON s.[Customer Code] = d.[Customer Code]\nWHERE EXISTS (SELECT s.City, s.Phone EXCEPT SELECT d.City, d.Phone);",
            Schema: "CREATE TABLE Staging.Customer ([Customer Code] nvarchar(20) NOT NULL, City nvarchar(50) NULL, Phone nvarchar(20) NULL);\nCREATE TABLE Dim.Customer ([Customer Key] int IDENTITY NOT NULL PRIMARY KEY, [Customer Code] nvarchar(20) NOT NULL, City nvarchar(50) NULL, Phone nvarchar(20) NULL);"));

    private sealed record Comparison(BooleanComparisonExpression Node, ColumnReferenceExpression Left, ColumnReferenceExpression Right,
        TableSource LeftSource, TableSource RightSource, bool Nullable, string Why);

    public override void Check(RuleContext context)
    {
        var index = context.Index;
        if (!index.OfType<BooleanComparisonExpression>().Any(IsNotEqual)) return;
        var tables = new Tables(context);

        foreach (var u in index.OfType<UpdateSpecification>())
        {
            var sources = Sources(u.FromClause);
            if (sources.Count == 0) AddSources(u.Target, false, sources);
            if (u.WhereClause?.SearchCondition is { } where) CheckCondition(context, where, sources, tables);
            if (u.FromClause is not null)
                foreach (var j in JoinTree.Joins(u.FromClause).OfType<QualifiedJoin>())
                    if (j.SearchCondition is { } on) CheckCondition(context, on, sources, tables);
        }

        foreach (var m in index.OfType<MergeSpecification>())
        {
            var sources = new List<TableSource>();
            AddSources(m.Target, false, sources);
            if (m.TableAlias is { } alias && sources.Count == 1) sources[0] = sources[0] with { ExposedName = alias.Value };
            AddSources(m.TableReference, false, sources);
            foreach (var action in m.ActionClauses)
                if (action.Condition == MergeCondition.Matched && action.SearchCondition is { } when)
                    CheckCondition(context, when, sources, tables);
        }

        var specs = new SpanTree<TSqlFragment>(index.OfType<QuerySpecification>().Concat<TSqlFragment>(index.OfType<UpdateSpecification>())
            .Concat(index.OfType<DeleteSpecification>()).Concat(index.OfType<MergeSpecification>()));
        foreach (var e in index.OfType<ExistsPredicate>())
        {
            if (e.Subquery?.QueryExpression is not QuerySpecification inner || inner.WhereClause?.SearchCondition is not { } where) continue;
            var sources = Sources(inner.FromClause);
            if (sources.Count == 0) continue;
            switch (specs.Innermost(e))
            {
                case QuerySpecification q: sources.AddRange(Sources(q.FromClause)); break;
                case UpdateDeleteSpecificationBase d:
                    var outer = Sources(d.FromClause);
                    if (outer.Count == 0) AddSources(d.Target, false, outer);
                    sources.AddRange(outer);
                    break;
                case MergeSpecification m:
                    AddSources(m.Target, false, sources);
                    AddSources(m.TableReference, false, sources);
                    break;
            }
            CheckCondition(context, where, sources, tables);
        }
    }

    private static bool IsNotEqual(BooleanComparisonExpression c) =>
        c.ComparisonType is BooleanComparisonType.NotEqualToBrackets or BooleanComparisonType.NotEqualToExclamation;

    private void CheckCondition(RuleContext context, BooleanExpression condition, List<TableSource> sources, Tables tables)
    {
        // Columns the condition tests with IS [NOT] NULL: their NULLs are handled by hand.
        var handled = Descendants<BooleanIsNullExpression>(condition, intoSubqueries: false)
            .Select(n => Unparen(n.Expression)).OfType<ColumnReferenceExpression>().Select(c => Key(c, sources, tables))
            .Where(k => k is not null).ToHashSet(StringComparer.OrdinalIgnoreCase);

        foreach (var group in Groups(condition))
        {
            var comparisons = new List<Comparison>();
            bool pure = true;
            foreach (var d in Disjuncts(group))
            {
                if (d is BooleanComparisonExpression c && IsNotEqual(c) && Compare(c, sources, tables, handled) is { } cmp) comparisons.Add(cmp);
                else pure = false;
            }
            if (!comparisons.Any(c => c.Nullable)) continue;

            var nullable = comparisons.Where(c => c.Nullable).ToList();
            var fixes = new List<Fix>();
            var targets = pure ? new List<Comparison>(comparisons) : nullable;
            if (ExceptFix(context, pure ? group : null, targets) is { } except) fixes.Add(except);
            if (context.CompatibilityLevel >= 160)
                fixes.Add(context.Fix("Compare with IS DISTINCT FROM", targets.Select(c => context.Replace(c.Node,
                    $"{context.TextOf(c.Left)} IS DISTINCT FROM {context.TextOf(c.Right)}")).ToArray()));

            var list = string.Join(", ", nullable.Take(4).Select(c => $"{Short(context, c.Node, 50)} ({c.Why})")) + (nullable.Count > 4 ? $" and {nullable.Count - 4} more" : "");
            context.Report(pure ? group : nullable[0].Node,
                $"NULL-unsafe change detection: {list}. '<>' is UNKNOWN when a side is NULL, so a change from or to NULL is never detected and the target keeps the stale value. " +
                "Compare with EXISTS (SELECT s.a, ... EXCEPT SELECT d.a, ...)" + (context.CompatibilityLevel >= 160 ? " or IS DISTINCT FROM." : "."),
                fixes);
        }
    }

    /// <summary>The OR groups and lone comparisons of an AND chain (parentheses looked through).</summary>
    private static IEnumerable<BooleanExpression> Groups(BooleanExpression condition)
    {
        foreach (var c in Conjuncts(condition, throughParentheses: true))
        {
            var u = Unparen(c);
            if (u is BooleanComparisonExpression or BooleanBinaryExpression { BinaryExpressionType: BooleanBinaryExpressionType.Or }) yield return c;
        }
    }

    private static Comparison? Compare(BooleanComparisonExpression c, List<TableSource> sources, Tables tables, HashSet<string> handled)
    {
        if (Unparen(c.FirstExpression) is not ColumnReferenceExpression left || Unparen(c.SecondExpression) is not ColumnReferenceExpression right) return null;
        if (!IsColumn(left) || !IsColumn(right)) return null;
        var ls = SourceOf(left, sources, tables.Find);
        var rs = SourceOf(right, sources, tables.Find);
        if (ls is null || rs is null || ReferenceEquals(ls.Reference, rs.Reference)) return null;
        if (handled.Contains(Key(left, sources, tables) ?? "") || handled.Contains(Key(right, sources, tables) ?? "")) return null;
        if (IsIdentifierOrHash(ColumnName(left)!) || IsIdentifierOrHash(ColumnName(right)!)) return null;

        var (ln, lwhy) = Nullability(left, ls, tables);
        var (rn, rwhy) = Nullability(right, rs, tables);
        // Silent when one side is unknown and the other is NOT NULL: better silent than wrong.
        bool nullable = (ln == true && rn is not null) || (rn == true && ln is not null) || (ln == true && rn is null) || (rn == true && ln is null);
        var why = ln == true && rn == true ? "both nullable" : ln == true ? lwhy : rwhy;
        return new Comparison(c, left, right, ls, rs, nullable, why);
    }

    /// <summary>
    /// Keys compared with &lt;&gt; match rows rather than detect changes, and row hashes are computed by the load
    /// (from ISNULL-ed columns): neither is the attribute comparison this rule is about.
    /// </summary>
    private static bool IsIdentifierOrHash(string column)
    {
        var n = VersionColumns.Squash(column);
        return n is "id" or "key" || n.EndsWith("id", StringComparison.Ordinal) || n.EndsWith("key", StringComparison.Ordinal) ||
               n.EndsWith("sk", StringComparison.Ordinal) || n.Contains("hash", StringComparison.Ordinal) || n.Contains("checksum", StringComparison.Ordinal);
    }

    /// <summary>True nullable, false NOT NULL, null unknown.</summary>
    private static (bool?, string) Nullability(ColumnReferenceExpression column, TableSource source, Tables tables)
    {
        var def = tables.Find(source);
        var col = def?.FindColumn(ColumnName(column)!);
        if (col is null) return (null, "");
        return (col.Nullable, $"{def!.Name}.{col.Name} is nullable");
    }

    private static string? Key(ColumnReferenceExpression c, List<TableSource> sources, Tables tables) =>
        SourceOf(c, sources, tables.Find) is { } s ? s.ExposedName + "." + ColumnName(c) : null;

    /// <summary>`a1 &lt;&gt; b1 OR a2 &lt;&gt; b2` → `EXISTS (SELECT a1, a2 EXCEPT SELECT b1, b2)`, sides kept apart by table.</summary>
    private static Fix? ExceptFix(RuleContext context, BooleanExpression? group, List<Comparison> comparisons)
    {
        var first = comparisons[0].LeftSource.Reference;
        var second = comparisons[0].RightSource.Reference;
        var a = new List<string>();
        var b = new List<string>();
        foreach (var c in comparisons)
        {
            if (ReferenceEquals(c.LeftSource.Reference, first) && ReferenceEquals(c.RightSource.Reference, second)) { a.Add(context.TextOf(c.Left)); b.Add(context.TextOf(c.Right)); }
            else if (ReferenceEquals(c.LeftSource.Reference, second) && ReferenceEquals(c.RightSource.Reference, first)) { a.Add(context.TextOf(c.Right)); b.Add(context.TextOf(c.Left)); }
            else return null; // more than two tables: no single EXCEPT
        }
        var exists = $"EXISTS (SELECT {string.Join(", ", a)} EXCEPT SELECT {string.Join(", ", b)})";
        if (group is not null) return context.Fix("Compare with EXISTS (... EXCEPT ...)", context.Replace(Unparen(group), exists));
        if (comparisons.Count != 1) return null; // mixed OR group: rewrite the NULL-unsafe comparisons one by one only when there is one
        return context.Fix("Compare with EXISTS (... EXCEPT ...)", context.Replace(comparisons[0].Node, exists));
    }
}
