using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace EtlAgent.Core.Sandbox.DuckDb;

internal sealed partial class Interpreter
{
    /// <summary>
    /// Which executor runs each statement type: the one place to look for "how does the sandbox run
    /// X". A statement type that is not listed is refused as unsupported. Lookup walks base types,
    /// so a subclass (BEGIN ATOMIC … END, a SET option statement) runs as its nearest listed base does.
    /// </summary>
    private sealed class StatementTable
    {
        private readonly Dictionary<Type, Func<TSqlStatement, Flow>> _run = new();

        public StatementTable(Interpreter host)
        {
            var control = new ControlFlowExecutor(host);
            Add<BeginEndBlockStatement>(control.Block);
            Add<IfStatement>(control.If);
            Add<WhileStatement>(control.While);
            Add<BreakStatement>(control.Break);
            Add<ContinueStatement>(control.Continue);
            Add<ReturnStatement>(control.Return);
            Add<GoToStatement>(control.GoTo);
            Add<LabelStatement>(control.Label);
            Add<WaitForStatement>(control.WaitFor);

            var variables = new VariableExecutor(host);
            Add<DeclareVariableStatement>(variables.Declare);
            Add<SetVariableStatement>(variables.Set);

            Add<SelectStatement>(new SelectExecutor(host).Select);

            var dml = new DmlExecutor(host);
            Add<InsertStatement>(dml.Insert);
            Add<UpdateStatement>(dml.Update);
            Add<DeleteStatement>(dml.Delete);
            Add<MergeStatement>(dml.Merge);

            var ddl = new DdlExecutor(host);
            Add<DeclareTableVariableStatement>(ddl.DeclareTable);
            Add<CreateTableStatement>(ddl.CreateTable);
            Add<DropTableStatement>(ddl.DropTable);
            Add<TruncateTableStatement>(ddl.Truncate);
            Add<CreateIndexStatement>(ddl.CreateIndex);
            Add<ViewStatementBody>(ddl.MakeView);
            var identity = new IdentityExecutor(host);
            Add<DbccStatement>(identity.Dbcc);
            Add<SetIdentityInsertStatement>(identity.IdentityInsert);
            Add<DropViewStatement>(ddl.DropView);

            var transactions = new TransactionExecutor(host);
            Add<BeginTransactionStatement>(transactions.Begin);
            Add<CommitTransactionStatement>(transactions.Commit);
            Add<RollbackTransactionStatement>(transactions.Rollback);
            Add<SaveTransactionStatement>(transactions.Save);

            var errors = new ErrorExecutor(host);
            Add<TryCatchStatement>(errors.TryCatch);
            Add<ThrowStatement>(errors.Throw);
            Add<RaiseErrorStatement>(errors.RaiseError);
            Add<PrintStatement>(errors.Print);

            var options = new SessionOptionExecutor(host);
            Add<PredicateSetStatement>(options.Predicate);
            Add<SetOnOffStatement>(options.OnOff);
            Add<SetCommandStatement>(options.Command);
            Add<SetErrorLevelStatement>(options.ErrorLevel);
            Add<SetTransactionIsolationLevelStatement>(options.IsolationLevel);
            Add<UseStatement>(options.Use);

            var cursors = new CursorExecutor(host);
            Add<DeclareCursorStatement>(cursors.Declare);
            Add<OpenCursorStatement>(cursors.Open);
            Add<FetchCursorStatement>(cursors.Fetch);
            Add<CloseCursorStatement>(cursors.Close);
            Add<DeallocateCursorStatement>(cursors.Deallocate);

            Add<ExecuteStatement>(new ExecuteExecutor(host).Execute);
        }

        private void Add<T>(Func<T, Flow> run) where T : TSqlStatement => _run.Add(typeof(T), s => run((T)s));

        /// <summary>The executor of a statement type, or null when the sandbox does not run it.</summary>
        public Func<TSqlStatement, Flow>? Find(Type type)
        {
            for (var t = type; t is not null; t = t.BaseType)
                if (_run.TryGetValue(t, out var run))
                {
                    if (t != type) _run[type] = run; // next time found at once
                    return run;
                }
            return null;
        }
    }
}
