using EtlAgent.Core.Model;
using EtlAgent.Core.Syntax;
using Microsoft.SqlServer.TransactSql.ScriptDom;
using static EtlAgent.Core.Rules.SyntaxRuleHelpers;

namespace EtlAgent.Core.Rules.Correctness;

/// <summary>
/// A WHERE predicate that rejects NULL on the right side of a LEFT JOIN throws away exactly the
/// unmatched rows the LEFT JOIN was written to keep: the query is an INNER JOIN in disguise.
/// </summary>
public sealed class LeftJoinFilteredInWhereRule : Rule
{
    public override RuleDescriptor Descriptor { get; } = new(
        "ETL0012", "left-join-filtered-in-where", "LEFT JOIN turned into an INNER JOIN by the WHERE clause", Severity.Warning, "Correctness",
        new RuleDoc(
            "For rows of the left table without a match, a LEFT JOIN fills the right table's columns with NULL. A WHERE predicate such as `r.Col = 'x'`, `r.Col > 5`, `r.Col IN (...)` or `r.Col LIKE ...` is UNKNOWN for those NULLs, so the unmatched rows are filtered out again and the LEFT JOIN silently behaves as an INNER JOIN: customers without orders, products without a category, facts with a late-arriving dimension member disappear from the load. " +
            "Predicates that keep NULLs are fine: `r.Col IS NULL` (the anti-join idiom), an OR with `r.Col IS NULL`, ISNULL/COALESCE on the column. An explicit `r.Col IS NOT NULL` states the intent and is left alone, and so is a change test between the two sides (`WHERE t.Hash <> r.Hash`, the rows whose match differs): it compares matched rows, and the rows without a match are handled by their own statement. " +
            "The first fix moves the predicate into the join's ON clause, which keeps the unmatched left rows (what the LEFT JOIN asked for); it is offered in SELECTs when the WHERE is a plain AND chain and every such predicate on that join only uses tables of the join. The second fix (the only one in UPDATE and DELETE, where keeping unmatched rows would widen what is modified) writes INNER JOIN, which keeps today's result and makes it visible.",
            Bad: "INSERT INTO Fact.Sales ([Order ID], [Customer Key], [Promotion Key], Amount)\nSELECT o.[Order ID], o.[Customer Key], ISNULL(p.[Promotion Key], -1), o.Amount\nFROM Staging.Orders AS o\nLEFT JOIN Dim.Promotion AS p ON p.[Promotion Code] = o.[Promotion Code]\nWHERE o.Amount > 0\n  AND p.[Is Current] = 1;",
            Good: "INSERT INTO Fact.Sales ([Order ID], [Customer Key], [Promotion Key], Amount)\nSELECT o.[Order ID], o.[Customer Key], ISNULL(p.[Promotion Key], -1), o.Amount\nFROM Staging.Orders AS o\nLEFT JOIN Dim.Promotion AS p ON p.[Promotion Code] = o.[Promotion Code] AND p.[Is Current] = 1\nWHERE o.Amount > 0;"));

    private sealed record Hit(BooleanExpression Conjunct, QualifiedJoin Join, bool Movable, int DirectIndex, string? Reason);

    public override void Check(RuleContext context)
    {
        var index = context.Index;
        if (!index.OfType<QualifiedJoin>().Any(j => j.QualifiedJoinType == QualifiedJoinType.LeftOuter)) return;
        var tables = new Tables(context);
        foreach (var q in index.OfType<QuerySpecification>()) CheckSpec(context, q.FromClause, q.WhereClause, tables, allowMove: true);
        // In UPDATE/DELETE, keeping unmatched rows would widen what is modified (a DELETE could empty the table): INNER JOIN only.
        foreach (var u in index.OfType<UpdateSpecification>()) CheckSpec(context, u.FromClause, u.WhereClause, tables, allowMove: false);
        foreach (var d in index.OfType<DeleteSpecification>()) CheckSpec(context, d.FromClause, d.WhereClause, tables, allowMove: false);
    }

    private static void CheckSpec(RuleContext context, FromClause? from, WhereClause? whereClause, Tables tables, bool allowMove)
    {
        if (from is null || whereClause?.SearchCondition is not { } where) return;
        // Joins written earlier (nested deeper) come first.
        var leftJoins = JoinTree.Joins(from).OfType<QualifiedJoin>().Where(j => j.QualifiedJoinType == QualifiedJoinType.LeftOuter).ToList();
        if (leftJoins.Count == 0) return;

        var all = Sources(from);
        var rightSides = leftJoins.ToDictionary(j => j, j =>
        {
            var right = new List<TableSource>();
            AddSources(j.SecondTableReference, false, right);
            return right;
        }, ReferenceEqualityComparer.Instance);
        var conjuncts = Conjuncts(where, throughParentheses: true);

        // An explicit `r.Col IS NOT NULL` states that only matched rows are wanted: that join is left alone.
        var intendedInner = new HashSet<QualifiedJoin>(ReferenceEqualityComparer.Instance);
        foreach (var c in conjuncts)
            if (Unparen(c) is BooleanIsNullExpression { IsNot: true } notNull)
                foreach (var j in leftJoins)
                    if (RejectsNull(notNull, col => Belongs(col, rightSides[j], all, tables))) intendedInner.Add(j);
        // So does a change test between the two sides (`t.Hash <> p.Hash`): it compares matched rows' values.
        foreach (var c in Conjuncts(where))
            if (Unparen(c) is BooleanComparisonExpression { ComparisonType: BooleanComparisonType.NotEqualToBrackets or BooleanComparisonType.NotEqualToExclamation } ne &&
                Unparen(ne.FirstExpression) is ColumnReferenceExpression a && IsColumn(a) && Unparen(ne.SecondExpression) is ColumnReferenceExpression b && IsColumn(b))
                foreach (var j in leftJoins)
                    if (Belongs(a, rightSides[j], all, tables) != Belongs(b, rightSides[j], all, tables)) intendedInner.Add(j);

        var direct = Conjuncts(where);
        var hits = new List<Hit>();
        foreach (var c in conjuncts)
        {
            if (Unparen(c) is BooleanIsNullExpression) continue; // IS NULL keeps the NULLs; IS NOT NULL was handled above
            QualifiedJoin? chosen = null;
            bool movable = false;
            foreach (var j in leftJoins)
            {
                if (intendedInner.Contains(j) || !RejectsNull(c, col => Belongs(col, rightSides[j], all, tables))) continue;
                bool canMove = allowMove && CanMoveInto(c, j, all, tables);
                if (chosen is null || (canMove && !movable)) { chosen = j; movable = canMove; }
                if (movable) break;
            }
            if (chosen is null) continue;
            int directIndex = direct.FindIndex(d => ReferenceEquals(d, c));
            string? reason = !allowMove ? "in an UPDATE or DELETE, keeping unmatched rows would widen what is modified"
                : !movable ? "it uses a table joined later or a subquery"
                : directIndex < 0 ? "it sits inside parentheses"
                : null;
            hits.Add(new Hit(c, chosen, reason is null, directIndex, reason));
        }
        if (hits.Count == 0) return;

        // Moving one predicate helps only if every predicate rejecting that join's NULLs moves with it.
        for (int i = 0; i < hits.Count; i++)
            if (hits[i].Movable && hits.Any(o => ReferenceEquals(o.Join, hits[i].Join) && !o.Movable)) hits[i] = hits[i] with { Movable = false, Reason = $"another filter on {RightName(hits[i].Join)} cannot be moved" };

        var moved = hits.Where(h => h.Movable).Select(h => h.DirectIndex).ToHashSet();
        bool allMoved = direct.Count > 1 && moved.Count == direct.Count;
        int leadingRun = 0;
        while (leadingRun < direct.Count && moved.Contains(leadingRun)) leadingRun++;

        var innerOffered = new HashSet<QualifiedJoin>(ReferenceEqualityComparer.Instance);
        foreach (var h in hits)
        {
            var alias = RightName(h.Join);
            var fixes = new List<Fix>();
            string note = "";
            if (h.Movable)
            {
                if (allMoved)
                {
                    // Every filter moves: one fix (on the first) removes the WHERE and moves them all, so applying every first fix stays consistent.
                    if (h.DirectIndex == 0)
                    {
                        var edits = new List<TextEdit> { RemoveWhere(context, whereClause) };
                        foreach (var other in hits.Where(o => o.Movable).OrderBy(o => o.DirectIndex)) edits.AddRange(InsertIntoOn(context, other));
                        fixes.Add(context.Fix($"Move the {hits.Count(o => o.Movable)} filters into their joins' ON clauses", edits.ToArray()));
                        if (ToInner(context, h.Join) is { } inner) fixes.Add(inner);
                    }
                    else note = " The fix on the first filter of this WHERE moves all of them.";
                }
                else
                {
                    var removal = direct.Count == 1 ? RemoveWhere(context, whereClause)
                        : h.DirectIndex < leadingRun
                            ? context.Replace(direct[h.DirectIndex].StartOffset, direct[h.DirectIndex + 1].StartOffset, "")
                            : context.Replace(End(direct[h.DirectIndex - 1]), End(direct[h.DirectIndex]), "");
                    var edits = new List<TextEdit> { removal };
                    edits.AddRange(InsertIntoOn(context, h));
                    fixes.Add(context.Fix($"Move the predicate into the ON clause of the LEFT JOIN to {alias}", edits.ToArray()));
                    if (ToInner(context, h.Join) is { } inner) fixes.Add(inner);
                }
            }
            else if (innerOffered.Add(h.Join))
            {
                if (ToInner(context, h.Join) is { } inner) fixes.Add(inner);
            }
            else note = $" The fix on the first such filter changes the join to {alias} to INNER JOIN.";

            context.Report(h.Conjunct,
                $"'{Short(context, h.Conjunct)}' rejects the NULLs the LEFT JOIN to {alias} produces for unmatched rows, so the join silently acts as an INNER JOIN. " +
                (h.Movable
                    ? "Move the predicate into the join's ON clause to keep the unmatched rows (what LEFT JOIN asks for), or write INNER JOIN if only matched rows are wanted."
                    : $"Write INNER JOIN if only matched rows are wanted; to keep the unmatched rows, move every filter on {alias} into the join's ON clause by hand (not done mechanically here: {h.Reason}).") +
                note,
                fixes);
        }
    }

    private static bool Belongs(ColumnReferenceExpression col, List<TableSource> right, List<TableSource> all, Tables tables)
    {
        if (Qualifier(col) is { } q) return right.Any(s => SameName(s.ExposedName, q));
        var source = SourceOf(col, all, tables.Find);
        return source is not null && right.Any(s => ReferenceEquals(s.Reference, source.Reference));
    }

    /// <summary>The ON clause can only see the tables joined so far: every column must come from this join's two sides.</summary>
    private static bool CanMoveInto(BooleanExpression c, QualifiedJoin j, List<TableSource> all, Tables tables)
    {
        if (j.SearchCondition is null || Descendants<QueryExpression>(c).Count > 0) return false;
        var visible = new List<TableSource>();
        AddSources(j, false, visible);
        foreach (var col in Descendants<ColumnReferenceExpression>(c))
        {
            if (!IsColumn(col)) continue;
            if (!Belongs(col, visible, all, tables)) return false;
        }
        return true;
    }

    private static string RightName(QualifiedJoin j)
    {
        var right = new List<TableSource>();
        AddSources(j.SecondTableReference, false, right);
        return right.Count == 0 ? "the right table" : string.Join(", ", right.Select(s => s.ExposedName));
    }

    private static TextEdit RemoveWhere(RuleContext context, WhereClause where) =>
        context.Replace(SkipWhitespaceBack(context.Document.Text, where.StartOffset), End(where), "");

    private static IEnumerable<TextEdit> InsertIntoOn(RuleContext context, Hit h)
    {
        var on = h.Join.SearchCondition;
        var predicate = context.TextOf(h.Conjunct);
        if (h.Conjunct is BooleanBinaryExpression { BinaryExpressionType: BooleanBinaryExpressionType.Or }) predicate = "(" + predicate + ")";
        if (on is BooleanBinaryExpression { BinaryExpressionType: BooleanBinaryExpressionType.Or })
        {
            yield return context.InsertBefore(on, "(");
            yield return context.InsertAfter(on, ") AND " + predicate);
        }
        else yield return context.InsertAfter(on, " AND " + predicate);
    }

    /// <summary>Replaces LEFT [OUTER] with INNER, keeping any join hint (LEFT OUTER HASH JOIN → INNER HASH JOIN).</summary>
    private static Fix? ToInner(RuleContext context, QualifiedJoin j)
    {
        var tokens = j.ScriptTokenStream;
        if (tokens is null || j.FirstTableReference is null || j.SecondTableReference is null || j.FirstTableReference.LastTokenIndex < 0) return null;
        for (int i = j.FirstTableReference.LastTokenIndex + 1; i < j.SecondTableReference.FirstTokenIndex; i++)
        {
            if (tokens[i].TokenType != TSqlTokenType.Left) continue;
            int end = TokenEnd(tokens[i]);
            int next = NextToken(tokens, i);
            if (next >= 0 && tokens[next].TokenType == TSqlTokenType.Outer) end = TokenEnd(tokens[next]);
            return context.Fix("Change LEFT JOIN to INNER JOIN", context.Replace(tokens[i].Offset, end, "INNER"));
        }
        return null;
    }
}
