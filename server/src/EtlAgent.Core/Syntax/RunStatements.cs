using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace EtlAgent.Core.Syntax;

/// <summary>
/// The statements a body runs one by one: its top-level statements and those of statement lists
/// and IF/WHILE bodies (not, e.g., a cursor's SELECT, which runs as part of OPEN). Coverage,
/// mutant reach and root-cause analysis all count in these units.
/// </summary>
public static class RunStatements
{
    public static List<TSqlStatement> Of(IEnumerable<TSqlFragment> body)
    {
        var collector = new Collector();
        foreach (var f in body)
        {
            if (f is TSqlStatement top) collector.Statements.Add(top);
            f.Accept(collector);
        }
        return collector.Statements;
    }

    private sealed class Collector : TSqlFragmentVisitor
    {
        public List<TSqlStatement> Statements { get; } = new();
        public override void Visit(StatementList node) => Statements.AddRange(node.Statements);
        public override void Visit(IfStatement node)
        {
            Statements.Add(node.ThenStatement);
            if (node.ElseStatement is not null) Statements.Add(node.ElseStatement);
        }
        public override void Visit(WhileStatement node) => Statements.Add(node.Statement);
    }
}
