using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace EtlAgent.Core.Sandbox.DuckDb;

internal sealed partial class Interpreter
{
    /// <summary>EXECUTE of a procedure or of dynamic SQL; the calls themselves are in Interpreter.Calls.cs (INSERT … EXEC makes them too).</summary>
    private sealed class ExecuteExecutor(Interpreter host)
    {
        public Flow Execute(ExecuteStatement ex)
        {
            if (ex.Options.Count > 0) throw host.Unsupported("EXECUTE … WITH options", ex);
            host.ExecuteSpec(ex.ExecuteSpecification, ex);
            return Flow.Normal;
        }
    }
}
