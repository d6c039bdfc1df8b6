using EtlAgent.Core.Syntax;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace EtlAgent.Core.Tests.Syntax;

/// <summary>
/// The shared join-tree walk: row sources in written order with their null extension and
/// laterality, each join after its operands with the leaf range of its second operand.
/// A leaf is written as its alias, "?" when null-extended, "^" when lateral; a join as its kind,
/// "?" when it lies on an optional side, and [first leaf of its second operand, end).
/// </summary>
public class JoinTreeTests
{
    [Theory]
    [InlineData("a", "a")]
    [InlineData("a INNER JOIN b ON a.x = b.x", "a b Inner[1,2)")]
    [InlineData("a LEFT JOIN b ON a.x = b.x", "a b? LeftOuter[1,2)")]
    [InlineData("a RIGHT JOIN b ON a.x = b.x", "a? b RightOuter[1,2)")]
    [InlineData("a FULL JOIN b ON a.x = b.x", "a? b? FullOuter[1,2)")]
    [InlineData("a JOIN b ON a.x = b.x LEFT JOIN c ON c.x = b.x", "a b Inner[1,2) c? LeftOuter[2,3)")]
    [InlineData("a LEFT JOIN (b INNER JOIN c ON b.x = c.x) ON a.x = b.x", "a b? c? Inner?[2,3) LeftOuter[1,3)")]
    [InlineData("a RIGHT JOIN b ON a.x = b.x LEFT JOIN c ON c.x = a.x", "a? b RightOuter[1,2) c? LeftOuter[2,3)")]
    [InlineData("a CROSS JOIN b", "a b^ CrossJoin[1,2)")]
    [InlineData("a CROSS APPLY (SELECT a.x AS y) AS d", "a d^ CrossApply[1,2)")]
    [InlineData("a OUTER APPLY (SELECT a.x AS y) AS d", "a d?^ OuterApply[1,2)")]
    [InlineData("a CROSS JOIN (b JOIN c ON b.x = c.x)", "a b c Inner[2,3) CrossJoin[1,3)")]
    [InlineData("a, b JOIN c ON b.x = c.x", "a b c Inner[2,3)")]
    [InlineData("(SELECT 1 AS x FROM i JOIN j ON i.x = j.x) AS d JOIN @t AS v ON d.x = v.x", "d v Inner[1,2)")]
    public void Walks_a_from_clause(string from, string expected)
    {
        var steps = JoinTree.Walk(From(from));
        Assert.Equal(expected, Render(steps));
        Assert.Equal(Enumerable.Range(0, steps.OfType<JoinLeaf>().Count()), steps.OfType<JoinLeaf>().Select(l => l.Index));
    }

    [Fact]
    public void Leaves_and_joins_come_from_the_same_walk()
    {
        var from = From("a JOIN b ON a.x = b.x LEFT JOIN c ON c.x = b.x");
        Assert.Equal(new[] { "a", "b", "c" }, JoinTree.Leaves(from).Select(l => Alias(l.Source)));
        Assert.Equal(new[] { QualifiedJoinType.Inner, QualifiedJoinType.LeftOuter }, JoinTree.Joins(from).Cast<QualifiedJoin>().Select(j => j.QualifiedJoinType));
    }

    [Fact]
    public void A_join_not_entered_is_skipped_with_everything_under_it()
    {
        var from = From("a CROSS JOIN (b JOIN c ON b.x = c.x) JOIN d ON d.x = a.x");
        var steps = JoinTree.Walk(from.TableReferences, enter: j => j is QualifiedJoin);
        Assert.Equal("d Inner[0,1)", Render(steps));
    }

    [Fact]
    public void A_leaf_root_and_no_root()
    {
        var a = From("a").TableReferences[0];
        Assert.Equal("a?", Render(JoinTree.Walk(a, nullExtended: true)));
        Assert.Empty(JoinTree.Walk((TableReference?)null));
        Assert.Empty(JoinTree.Walk((FromClause?)null));
    }

    private static FromClause From(string from)
    {
        var doc = new SqlParser().Parse("join.sql", $"DECLARE @t TABLE (x int); SELECT 1 FROM {from};");
        Assert.Empty(doc.Errors);
        return doc.Script!.Batches[0].Statements.OfType<SelectStatement>().Single().QueryExpression is QuerySpecification { FromClause: { } f }
            ? f
            : throw new InvalidOperationException("no FROM");
    }

    private static string Render(IEnumerable<JoinStep> steps) => string.Join(" ", steps.Select(step => step switch
    {
        JoinLeaf l => Alias(l.Source) + (l.NullExtended ? "?" : "") + (l.Lateral ? "^" : ""),
        JoinEnd { Join: QualifiedJoin q } e => $"{q.QualifiedJoinType}{(e.NullExtended ? "?" : "")}[{e.SecondStart},{e.End})",
        JoinEnd { Join: UnqualifiedJoin u } e => $"{u.UnqualifiedJoinType}{(e.NullExtended ? "?" : "")}[{e.SecondStart},{e.End})",
        _ => "?",
    }));

    private static string Alias(TableReference r) => r switch
    {
        TableReferenceWithAlias { Alias: { } alias } => alias.Value,
        NamedTableReference n => n.SchemaObject.BaseIdentifier.Value,
        _ => r.GetType().Name,
    };
}
