using EtlAgent.Core.Sandbox.Runner;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace EtlAgent.Core.Analysis;

/// <summary>
/// A case that expects a user error (50000 and above) the run did not raise, in a procedure where no
/// THROW or RAISERROR (above severity 10) can raise that number: no edit of the code that is there
/// brings the error back, so the check itself is missing (a deleted guard). Checks of parameters and
/// preconditions stand before the work: it is named at the statement that follows the procedure's
/// leading declarations. An error a called procedure raises is not seen here.
/// </summary>
public static class MissingCheck
{
    public static IndexedStatement? Find(StatementIndex index, TestCaseResult failing)
    {
        if (failing.Case.Expect.Error is not { Number: >= 50000 } expected) return null;
        if (!failing.Failures.OfType<ErrorMismatch>().Any(e => e.Actual is null)) return null;
        if (index.Statements.Any(s => CanRaise(s.Node, expected.Number!.Value))) return null;
        var leaves = index.Statements.Where(s => !s.IsBlock).OrderBy(s => s.Start).ToList();
        // the leading run of declarations and SET options; the check goes after its last declaration
        int lastDeclaration = -1;
        for (int i = 0; i < leaves.Count && leaves[i].Node is DeclareVariableStatement or DeclareTableVariableStatement or PredicateSetStatement or SetOnOffStatement; i++)
            if (leaves[i].Node is DeclareVariableStatement or DeclareTableVariableStatement) lastDeclaration = i;
        return lastDeclaration + 1 < leaves.Count ? leaves[lastDeclaration + 1] : null;
    }

    private static bool CanRaise(TSqlStatement s, int number) => s switch
    {
        ThrowStatement t => t.ErrorNumber is not IntegerLiteral n || n.Value == number.ToString(System.Globalization.CultureInfo.InvariantCulture),
        RaiseErrorStatement r => r.SecondParameter is not IntegerLiteral severity || !int.TryParse(severity.Value, out var level) || level > 10,
        _ => false,
    };
}
