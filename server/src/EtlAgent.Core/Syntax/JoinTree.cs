using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace EtlAgent.Core.Syntax;

/// <summary>
/// One step of a walk over the join tree of a FROM clause: a row source (<see cref="JoinLeaf"/>)
/// or a join whose two operands have just been walked (<see cref="JoinEnd"/>).
/// </summary>
public abstract record JoinStep;

/// <summary>A row source that is not a join: a table, a table variable, a derived table, a function call, a PIVOT…</summary>
/// <param name="Index">Its position among the leaves of the walk, in written order.</param>
/// <param name="NullExtended">
/// An outer join above it may fill its columns with NULLs: it is on the optional side of a LEFT,
/// RIGHT or FULL join, or the right side of an OUTER APPLY.
/// </param>
/// <param name="Lateral">It is itself the right operand of a CROSS JOIN or APPLY (an APPLY lets it see the left side).</param>
public sealed record JoinLeaf(TableReference Source, int Index, bool NullExtended, bool Lateral) : JoinStep;

/// <summary>A join, met after everything under it.</summary>
/// <param name="NullExtended">The join as a whole lies on the optional side of an outer join above it.</param>
/// <param name="SecondStart">The index of the first leaf of its second operand.</param>
/// <param name="End">One past the index of its last leaf.</param>
public sealed record JoinEnd(JoinTableReference Join, bool NullExtended, int SecondStart, int End) : JoinStep;

/// <summary>
/// The one walk over FROM-clause join trees (joins, parenthesised joins and their row sources) that
/// lineage, rules and translation share. Row sources are not entered: a derived table's own FROM is
/// another walk.
/// </summary>
public static class JoinTree
{
    /// <summary>Every item of the FROM clause in turn, leaves numbered across them; nothing when there is no FROM.</summary>
    public static IReadOnlyList<JoinStep> Walk(FromClause? from) =>
        from is null ? Array.Empty<JoinStep>() : Walk(from.TableReferences);

    /// <param name="nullExtended">Whether the items already lie on the optional side of an outer join.</param>
    /// <param name="enter">Which joins to walk into (all by default); a join not entered is skipped with everything under it.</param>
    public static IReadOnlyList<JoinStep> Walk(IEnumerable<TableReference?> items, bool nullExtended = false, Func<JoinTableReference, bool>? enter = null)
    {
        var steps = new List<JoinStep>();
        int leaves = 0;
        foreach (var item in items) Add(item, nullExtended, lateral: false, enter, steps, ref leaves);
        return steps;
    }

    /// <inheritdoc cref="Walk(IEnumerable{TableReference?}, bool, Func{JoinTableReference, bool}?)"/>
    public static IReadOnlyList<JoinStep> Walk(TableReference? root, bool nullExtended = false, Func<JoinTableReference, bool>? enter = null) =>
        Walk(new[] { root }, nullExtended, enter);

    /// <summary>The row sources of the FROM clause, in written order.</summary>
    public static IEnumerable<JoinLeaf> Leaves(FromClause? from) => Walk(from).OfType<JoinLeaf>();

    /// <summary>The row sources under <paramref name="root"/>, in written order.</summary>
    public static IEnumerable<JoinLeaf> Leaves(TableReference? root, bool nullExtended = false) => Walk(root, nullExtended).OfType<JoinLeaf>();

    /// <summary>The joins of the FROM clause, each after the joins under it (so joins written earlier come first).</summary>
    public static IEnumerable<JoinTableReference> Joins(FromClause? from) => Walk(from).OfType<JoinEnd>().Select(j => j.Join);

    private static void Add(TableReference? reference, bool nullExtended, bool lateral, Func<JoinTableReference, bool>? enter, List<JoinStep> steps, ref int leaves)
    {
        switch (reference)
        {
            case null:
                return;
            case JoinParenthesisTableReference p:
                Add(p.Join, nullExtended, lateral: false, enter, steps, ref leaves);
                return;
            case JoinTableReference join when enter is not null && !enter(join):
                return;
            case JoinTableReference j:
            {
                bool firstNull = j is QualifiedJoin { QualifiedJoinType: QualifiedJoinType.RightOuter or QualifiedJoinType.FullOuter };
                bool secondNull = j is QualifiedJoin { QualifiedJoinType: QualifiedJoinType.LeftOuter or QualifiedJoinType.FullOuter }
                    or UnqualifiedJoin { UnqualifiedJoinType: UnqualifiedJoinType.OuterApply };
                Add(j.FirstTableReference, nullExtended || firstNull, lateral: false, enter, steps, ref leaves);
                int second = leaves;
                Add(j.SecondTableReference, nullExtended || secondNull, lateral: j is UnqualifiedJoin, enter, steps, ref leaves);
                steps.Add(new JoinEnd(j, nullExtended, second, leaves));
                return;
            }
            default:
                steps.Add(new JoinLeaf(reference, leaves++, nullExtended, lateral));
                return;
        }
    }
}
