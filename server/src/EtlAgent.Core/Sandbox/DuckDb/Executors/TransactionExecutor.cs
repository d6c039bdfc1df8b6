using EtlAgent.Core.Translation;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace EtlAgent.Core.Sandbox.DuckDb;

internal sealed partial class Interpreter
{
    /// <summary>
    /// BEGIN, COMMIT, ROLLBACK and SAVE TRANSACTION. Nested BEGINs only count (@@TRANCOUNT), as in
    /// SQL Server; DuckDB holds one transaction. Savepoints are emulated (Interpreter.Savepoints.cs).
    /// </summary>
    private sealed class TransactionExecutor(Interpreter host)
    {
        public Flow Begin(BeginTransactionStatement bt)
        {
            if (host._tranCount == 0)
            {
                host.Exec("BEGIN TRANSACTION"); host._doomed = false; host._lostWork = false; host._duckInTx = true; host._schema.InTransaction = true;
                host._outerTransactionName = host.TransactionName(bt.Name);
                host._savepoints.Clear();
                host.ImageTransactionStart();
                // locks the last transaction owned ended with it
                host._appLocks.RemoveWhere(l => l.Owner == "Transaction");
            }
            host._tranCount++;
            host._rowCount = 0;
            return Flow.Normal;
        }

        public Flow Commit(CommitTransactionStatement s)
        {
            if (host._tranCount == 0) throw new SandboxRuntimeError(3902, "The COMMIT TRANSACTION request has no corresponding BEGIN TRANSACTION.");
            if (host._doomed)
                throw new SandboxRuntimeError(3930, "The current transaction cannot be committed and cannot support operations that write to the log file. Roll back the transaction.");
            if (host._lostWork)
                throw host.Unsupported("COMMIT after an error inside a transaction with XACT_ABORT OFF (SQL Server would commit the statements before the error; DuckDB has rolled them back)", s);
            if (--host._tranCount == 0) { host.Exec("COMMIT"); host._duckInTx = false; host._schema.Committed(); host._savepoints.Clear(); host._outerTransactionName = null; host.ForgetStatementImages(); }
            host._rowCount = 0;
            return Flow.Normal;
        }

        public Flow Rollback(RollbackTransactionStatement rb)
        {
            if (host._tranCount == 0) throw new SandboxRuntimeError(3903, "The ROLLBACK TRANSACTION request has no corresponding BEGIN TRANSACTION.");
            if (host.TransactionName(rb.Name) is { } target && !string.Equals(target, host._outerTransactionName, StringComparison.Ordinal))
            {
                host.RollbackToSavepoint(target);
                host._rowCount = 0;
                return Flow.Normal;
            }
            try { if (host._duckInTx) { host.Exec("ROLLBACK"); host._schema.RolledBack(); } }
            finally { host.ForgetTransaction(); }
            return Flow.Normal;
        }

        public Flow Save(SaveTransactionStatement st)
        {
            host.SaveTransaction(st);
            host._rowCount = 0;
            return Flow.Normal;
        }
    }
}
