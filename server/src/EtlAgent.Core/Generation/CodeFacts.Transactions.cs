using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace EtlAgent.Core.Generation;

/// <summary>Whether the procedure asks about its caller's transaction, and where its CATCH blocks begin (<see cref="CodeFacts"/>).</summary>
public sealed partial class CodeFacts
{
    /// <summary>
    /// The procedure reads @@TRANCOUNT or XACT_STATE() (declare @_TxnIsExternal bit = case when @@trancount > 0 …):
    /// it may begin, commit or roll back only when its caller has no transaction, so it is also called inside one.
    /// </summary>
    public bool AsksForTransaction { get; private set; }

    private static bool ReadsTransactionState(IEnumerable<TSqlFragment> body)
    {
        var finder = new TransactionStateReads();
        foreach (var f in body) f.Accept(finder);
        return finder.Found;
    }

    private sealed class TransactionStateReads : TSqlFragmentVisitor
    {
        public bool Found { get; private set; }
        public override void Visit(GlobalVariableExpression node) { if (node.Name.Equals("@@TRANCOUNT", StringComparison.OrdinalIgnoreCase)) Found = true; }
        public override void Visit(FunctionCall node) { if (node.FunctionName.Value.Equals("XACT_STATE", StringComparison.OrdinalIgnoreCase)) Found = true; }
    }

    /// <summary>The first statement of each CATCH block of the procedure itself (file and offset, as a run's coverage names statements).</summary>
    public IReadOnlyList<(string File, int Offset)> CatchStarts { get; private set; } = Array.Empty<(string, int)>();

    private static List<(string File, int Offset)> CatchBlockStarts(string file, IEnumerable<TSqlFragment> body)
    {
        var finder = new CatchBlocks();
        foreach (var f in body) f.Accept(finder);
        return finder.Starts.Select(o => (file, o)).ToList();
    }

    private sealed class CatchBlocks : TSqlFragmentVisitor
    {
        public List<int> Starts { get; } = new();
        public override void Visit(TryCatchStatement node) { if (node.CatchStatements?.Statements is [var first, ..]) Starts.Add(first.StartOffset); }
    }
}
