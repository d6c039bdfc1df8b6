using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace EtlAgent.Core.Discovery;

/// <summary>
/// Whether a body returns rows to its caller: a SELECT statement of its own that is neither an
/// assignment (<c>SELECT @v = …</c>) nor <c>SELECT … INTO</c>, outside a cursor's definition.
/// Subqueries (IF EXISTS, SET @v = (SELECT …), INSERT … SELECT) return nothing to the caller, and
/// result sets of procedures it calls are theirs.
/// </summary>
public static class ResultSetStatements
{
    public static bool Any(IEnumerable<TSqlFragment> body)
    {
        var finder = new Finder();
        foreach (var f in body)
        {
            f.Accept(finder);
            if (finder.Found) return true;
        }
        return false;
    }

    private sealed class Finder : TSqlFragmentVisitor
    {
        public bool Found { get; private set; }

        // a cursor's SELECT feeds FETCH, not the caller
        public override void ExplicitVisit(DeclareCursorStatement node) { }
        public override void ExplicitVisit(CursorDefinition node) { }

        public override void Visit(SelectStatement node)
        {
            if (node.Into is not null || node is SelectStatementSnippet) return;
            if (node.QueryExpression is { } q && First(q) is { } spec && spec.SelectElements.Any(e => e is SelectSetVariable)) return;
            Found = true;
        }

        private static QuerySpecification? First(QueryExpression q) => q switch
        {
            QuerySpecification s => s,
            QueryParenthesisExpression p => First(p.QueryExpression),
            BinaryQueryExpression b => First(b.FirstQueryExpression),
            _ => null,
        };
    }
}
