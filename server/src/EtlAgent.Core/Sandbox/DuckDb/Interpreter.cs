using System.Globalization;
using DuckDB.NET.Data;
using EtlAgent.Core.Model;
using EtlAgent.Core.Syntax;
using EtlAgent.Core.Translation;
using Microsoft.SqlServer.TransactSql.ScriptDom;
using static EtlAgent.Core.Translation.SqlText;

namespace EtlAgent.Core.Sandbox.DuckDb;

/// <summary>
/// Runs procedural T-SQL (batches, procedures, functions) statement by statement over ScriptDom.
/// Set-based statements are translated to DuckDB and run there; control flow, variables, errors,
/// transactions, cursors and calls are kept here. Variables reach DuckDB as typed literals.
/// </summary>
internal sealed partial class Interpreter
{
    private sealed class Var { public required SqlType Type; public object? Value; }

    /// <summary>A cursor. Static: STATIC, KEYSET or INSENSITIVE, for which CURSOR_STATUS tells an open
    /// cursor without rows (0) from one with rows (1). Local: declared LOCAL; without it a cursor is
    /// global (the CURSOR_DEFAULT of a new database), which CURSOR_STATUS('local', …) does not find.</summary>
    private sealed class Cursor { public required SelectStatement Select; public List<object?[]>? Rows; public int Position; public bool Static; public bool Local; }

    private sealed class Frame
    {
        public required Frame? Caller;
        public required SqlDocument? Document;
        public required string? Procedure;
        public Dictionary<string, Var> Vars { get; } = new(StringComparer.OrdinalIgnoreCase);
        public Dictionary<string, LocalTable> Tables { get; } = new(StringComparer.OrdinalIgnoreCase);
        public Dictionary<string, Cursor> Cursors { get; } = new(StringComparer.OrdinalIgnoreCase);
        public object? ScopeIdentity;
        public int? ReturnValue;
        public bool NoCount;
        /// <summary>SET ANSI_NULLS OFF in effect: = and &lt;&gt; against a NULL variable or literal NULL compare NULL as a value.</summary>
        public bool AnsiNullsOff;
        /// <summary>SET TRANSACTION ISOLATION LEVEL (sys.dm_exec_sessions' code, 2 = READ COMMITTED): a module's setting ends when it returns.</summary>
        public short IsolationLevel = 2;
        /// <summary>Set in a scalar function's frame: RETURN yields a value of this type.</summary>
        public SqlType? FunctionReturnType;
        public object? FunctionResult;
    }

    private enum Flow { Normal, Break, Continue, Return }

    private sealed class ErrorInfo
    {
        public required int Number, Severity, State, Line;
        public required string Message;
        public string? Procedure;
        public object? Document, Statement, ProcedureFull;
    }

    private readonly DuckDBConnection _db;
    private readonly SandboxModel _model;
    private readonly DateTime _clock;
    private readonly int _seed;
    public List<string> Messages { get; } = new();
    public List<ResultSet> ResultSets { get; } = new();

    private Frame _frame;
    private int _tranCount;
    private bool _doomed, _xactAbort, _duckInTx;
    /// <summary>
    /// An error hit a transaction with XACT_ABORT OFF: SQL Server keeps the transaction and the
    /// statements before the error (XACT_STATE() = 1), but DuckDB has aborted it. Until the code rolls
    /// back, anything that would show the difference (COMMIT, reading or writing tables) is refused
    /// as unsupported rather than answered wrongly.
    /// </summary>
    private bool _lostWork;
    private int _rowCount, _lastError, _fetchStatus = -1;
    private object? _identity;
    /// <summary>The one table of the session with IDENTITY_INSERT ON: its physical name as a DML target names it, and its name.</summary>
    private (string Physical, string Display)? _identityInsert;
    private ErrorInfo? _catch;
    private int _depth;

    private readonly SchemaState _schema;

    private readonly CancellationToken _cancel;

    public Interpreter(DuckDBConnection db, SandboxModel model, SchemaState schema, DateTime clock, int seed, CancellationToken cancellationToken = default)
    {
        _cancel = cancellationToken;
        _db = db;
        _model = model;
        _schema = schema;
        _clock = clock;
        _seed = seed;
        _frame = new Frame { Caller = null, Document = null, Procedure = null };
        _statements = new StatementTable(this);
    }

    public int TranCount => _duckInTx ? 1 : 0;

    /// <summary>The call runs inside its caller's transaction (<see cref="ExecutionRequest.InTransaction"/>): @@TRANCOUNT is 1 before its first statement.</summary>
    public void BeginCallerTransaction()
    {
        Exec("BEGIN TRANSACTION");
        _duckInTx = true; _schema.InTransaction = true;
        _tranCount = 1; _doomed = false; _lostWork = false; ImageTransactionStart();
    }

    /// <summary>
    /// What the caller does once the call has returned: commits the transaction still open (its own, or one
    /// the code left open, whose rows a session that goes on sees), rolls back one that cannot commit.
    /// </summary>
    public void EndCall()
    {
        if (_duckInTx)
        {
            bool commit = !_doomed && !_lostWork;
            try { using var cmd = Command(commit ? "COMMIT" : "ROLLBACK"); cmd.ExecuteNonQuery(); }
            catch (DuckDBException) { commit = false; try { using var rb = Command("ROLLBACK"); rb.ExecuteNonQuery(); } catch (DuckDBException) { } }
            if (commit) _schema.Committed(); else _schema.RolledBack();
        }
        ForgetTransaction();
    }

    /// <summary>No transaction any more: its count, state and savepoints go (DuckDB's own has been ended already).</summary>
    private void ForgetTransaction()
    {
        _duckInTx = false; _tranCount = 0; _doomed = false; _lostWork = false; _savepoints.Clear(); _outerTransactionName = null; ForgetStatementImages();
    }

    // ---------------------------------------------------------------- translation environment

    private TranslationEnv Env(SqlDocument? doc) => new()
    {
        Catalog = _model.Catalog,
        Document = doc ?? _frame.Document,
        Clock = _clock,
        Seed = _seed,
        AnsiNullsOff = _frame.AnsiNullsOff,
        Variable = n => _frame.Vars.TryGetValue(n, out var v) ? new VariableInfo(v.Type, v.Value) : null,
        LocalTable = FindLocal,
        IdentityInsert = physical => _identityInsert?.Physical == physical,
        Intrinsic = Intrinsic,
        Objects = () => ObjectIds.All,
        Function = n => _model.Functions.TryGetValue(n, out var f) ? (FunctionStatementBody)f.Syntax.Definition! : null,
        Module = n => (_model.Procedures.TryGetValue(n, out var m) || _model.Functions.TryGetValue(n, out m)) ? m.Syntax.Definition as ProcedureStatementBodyBase : null,
        CallScalarFunction = CallScalarFunction,
        CallTableFunction = CallTableFunction,
        Evaluate = (sql, type) => Scalar(sql, type),
        QueryRows = sql => Query(sql).Rows,
        View = n => _model.Views.TryGetValue(n, out var v) ? ((ViewStatementBody)v.Syntax.Definition!, v.Document) : null,
        SequenceName = SchemaBuilder.SequenceName,
        ObjectProblem = n => _model.Problems.GetValueOrDefault(n),
        Referenced = _schema.Ensure,
        SystemViewTable = _schema.SystemViewTable,
        UniqueId = _schema.NextId,
        MadeView = _schema.MadeView,
        MadeTable = _schema.MadeTable,
        AnyMadeView = () => _schema.AnyMadeView,
    };

    private SqlTranslator Translator() => new(Env(null));

    /// <summary>
    /// A translator for the definition of a view the code makes: a view reads no variables or local
    /// tables, reads the clock when it is queried (as the workspace's views do) and runs no function
    /// body now (it is evaluated when the view is read, not when it is made).
    /// </summary>
    private SqlTranslator ViewTranslator()
    {
        var env = Env(null);
        env.Variable = _ => null;
        env.LocalTable = _ => null;
        env.ClockSql = "getvariable('tsql_clock')";
        env.CallScalarFunction = null;
        env.CallTableFunction = null;
        env.QueryRows = null;
        return new SqlTranslator(env);
    }

    private LocalTable? FindLocal(string name)
    {
        for (var f = _frame; f is not null; f = f.Caller)
        {
            if (f.Tables.TryGetValue(name, out var t)) return t;
            if (name.StartsWith('@')) break; // table variables do not cross calls
        }
        return null;
    }

    private (object? Value, SqlType Type)? Intrinsic(string name)
    {
        switch (name)
        {
            case "@@ROWCOUNT": return (_rowCount, SqlTranslator.Int);
            case "@@ERROR": return (_lastError, SqlTranslator.Int);
            case "@@TRANCOUNT": return (_tranCount, SqlTranslator.Int);
            case "@@FETCH_STATUS": return (_fetchStatus, SqlTranslator.Int);
            case "@@IDENTITY": return (_identity is null ? null : Convert.ToDecimal(_identity, CultureInfo.InvariantCulture), SqlTranslator.Numeric38);
            case "SCOPE_IDENTITY": return (_frame.ScopeIdentity is null ? null : Convert.ToDecimal(_frame.ScopeIdentity, CultureInfo.InvariantCulture), SqlTranslator.Numeric38);
            case "XACT_STATE": return ((short)(_tranCount == 0 ? 0 : _doomed ? -1 : 1), new SqlType("smallint"));
            case "ERROR_NUMBER": return (_catch?.Number, SqlTranslator.Int);
            case "ERROR_MESSAGE": return (_catch?.Message, new SqlType("nvarchar", 4000));
            case "ERROR_SEVERITY": return (_catch?.Severity, SqlTranslator.Int);
            case "ERROR_STATE": return (_catch?.State, SqlTranslator.Int);
            case "ERROR_LINE": return (_catch?.Line, SqlTranslator.Int);
            case "ERROR_PROCEDURE": return (_catch?.Procedure, new SqlType("nvarchar", 128));
        }
        if (name == "@@PROCID") return (ProcId(), SqlTranslator.Int);
        if (name == DynamicManagementViews.IsolationLevelIntrinsic) return (_frame.IsolationLevel, new SqlType("smallint"));
        if (name.StartsWith(MetadataFunctions.Prefix, StringComparison.Ordinal)) return Metadata(name);
        if (name.StartsWith(DynamicManagementViews.RowCountIntrinsic, StringComparison.Ordinal)) return (RowCount(name[DynamicManagementViews.RowCountIntrinsic.Length..]), SqlTranslator.BigInt);
        return null;
    }

    // ---------------------------------------------------------------- DuckDB access

    private DuckDBCommand Command(string sql)
    {
        _schema.EnsureMacros(sql);
        var cmd = _db.CreateCommand();
        cmd.CommandText = sql;
        return cmd;
    }

    private int Exec(string sql)
    {
        try
        {
            using var cmd = Command(sql);
            using var interrupt = Interruptible(cmd);
            return cmd.ExecuteNonQuery();
        }
        catch (Exception e) when (e is not SandboxRuntimeError) { _cancel.ThrowIfCancellationRequested(); throw Fail(e); }
    }

    /// <summary>
    /// A case's timeout interrupts the engine's query too: cancellation is otherwise seen only between
    /// statements, and one query can run for ever (a recursive CTE whose mutant never ends its recursion).
    /// </summary>
    private CancellationTokenRegistration Interruptible(DuckDBCommand cmd) =>
        _cancel.CanBeCanceled ? _cancel.Register(static c => ((DuckDBCommand)c!).Cancel(), cmd) : default;

    private Exception Fail(Exception e)
    {
        Exception err = e.Message.LastIndexOf(UnsupportedMarker, StringComparison.Ordinal) is int at and >= 0
            ? new UnsupportedConstructException(e.Message[(at + UnsupportedMarker.Length)..].Split('\n')[0].TrimEnd(), null)
            : ErrorMapper.Map(e);
        // an engine error SQL Server has no counterpart for is the sandbox's gap, not the code's error:
        // refused at the statement (Run adds where), never raised as an error the code could catch
        if (err is SandboxRuntimeError m && ErrorMapper.IsUnmapped(m)) err = new UnsupportedConstructException("this statement", null, m.Message);
        if (_tranCount > 0 && e is DuckDBException)
        {
            if (_xactAbort) Doom();
            else LoseWork();
        }
        return err;
    }

    private void Doom()
    {
        _doomed = true;
        EndAbortedTransaction();
    }

    private (List<string> Columns, List<object?[]> Rows) Query(string sql)
    {
        try
        {
            using var cmd = Command(sql);
            using var interrupt = Interruptible(cmd);
            using var r = cmd.ExecuteReader();
            var cols = Enumerable.Range(0, r.FieldCount).Select(r.GetName).ToList();
            var scales = Enumerable.Range(0, r.FieldCount).Select(i => Values.DecimalScale(r.GetDataTypeName(i))).ToArray();
            var rows = new List<object?[]>();
            while (r.Read())
            {
                var row = new object?[r.FieldCount];
                for (int i = 0; i < row.Length; i++)
                {
                    row[i] = r.IsDBNull(i) ? null : Values.FromDuck(r.GetValue(i));
                    if (scales[i] is int sc && row[i] is decimal d) row[i] = Values.WithScale(d, sc);
                }
                rows.Add(row);
            }
            return (cols, rows);
        }
        catch (Exception e) when (e is not SandboxRuntimeError) { _cancel.ThrowIfCancellationRequested(); throw Fail(e); }
    }

    private object? Scalar(string sql, SqlType? type)
    {
        var (_, rows) = Query("SELECT " + sql);
        var v = rows.Count == 0 ? null : rows[0][0];
        return type is null ? v : Values.Coerce(v, type);
    }

    private object? Eval(ScalarExpression e, SqlType? type = null)
    {
        if (type is not null && TryEvalLocally(e, type, out var local)) return local;
        if (type is not null && Local.TryScalar(e, type, out var computed)) return computed;
        var t = Translator();
        var x = t.Scalar(e);
        if (type is not null) x = t.Cast(x, type, false, null, e);
        return Scalar(x.Sql, type ?? x.Type);
    }

    /// <summary>Constants, variables and the clock need no round trip to DuckDB when no conversion rule applies.</summary>
    private bool TryEvalLocally(ScalarExpression e, SqlType type, out object? value)
    {
        value = null;
        switch (e)
        {
            case NullLiteral:
                return true;
            case StringLiteral sl when type.IsString && type.Name is not ("char" or "nchar"):
                if (DuckTypes.MaxChars(type) is int n && sl.Value.Length > n) return false;
                value = sl.Value;
                return true;
            case StringLiteral sl when type.Name is "date" || type.Name == "datetime2" && type.Scale is null or 7:
                // Values DuckDB cannot hold exactly go to the translator, which refuses them with their place.
                if (SqlTranslator.ParseDateLiteral(sl.Value) is not DateTime d) return false;
                if (type.Name == "datetime2" && (d.Ticks % 10 != 0 || d == DateTime2MaxStored)) return false;
                value = type.Name == "date" ? d.Date : d;
                return true;
            case IntegerLiteral il when type.IsInteger && type.Name != "bit" && long.TryParse(il.Value, out var l):
                try { value = Values.Coerce(l, type); return true; } catch (SandboxRuntimeError) { return false; }
            case VariableReference vr when _frame.Vars.TryGetValue(vr.Name, out var v) && v.Type == type:
                value = v.Value;
                return true;
            case FunctionCall { FunctionName.Value: var fn, Parameters.Count: 0, CallTarget: null, OverClause: null }
                when type.Name == "datetime2" && fn.ToUpperInvariant() is "SYSDATETIME" or "SYSUTCDATETIME":
                if (_clock.Ticks % 10 != 0) return false; // refused by the translator, with the call's place
                value = _clock;
                return true;
            default:
                return false;
        }
    }

    private LocalEvaluator? _local;

    /// <summary>A value of <paramref name="type"/> known without DuckDB (<see cref="SqlTranslator.LocalValue"/>).</summary>
    private bool Computed(ScalarExpression e, SqlType type, out object? value) =>
        TryEvalLocally(e, type, out value) || Local.TryScalar(e, type, out value);

    private LocalEvaluator Local => _local ??= new LocalEvaluator(n => _frame.Vars.TryGetValue(n, out var v) ? (v.Value, v.Type) : null);

    private bool Test(BooleanExpression b)
    {
        if (Local.TryPredicate(b, out var known)) return known == true;
        var sql = Translator().Predicate(b);
        return Scalar($"coalesce({sql}, false)", null) is true;
    }

    // ---------------------------------------------------------------- entry points

    /// <summary>
    /// Runs a script's batches (GO-separated) at top level. As with sqlcmd and SSMS, an error that
    /// ends a batch does not stop the next one; the first error is reported.
    /// </summary>
    public void RunScript(SqlDocument doc)
    {
        if (doc.Script is null) throw new UnsupportedConstructException("script without syntax", null);
        foreach (var batch in doc.Script.Batches)
        {
            var frame = NewFrame(doc, null);
            try { RunInFrame(frame, batch.Statements); }
            catch (SandboxRuntimeError e) when (doc.Script.Batches.Count > 1)
            {
                FirstUncaughtError ??= e;
                Messages.Add($"Msg {e.Number}, Level {e.Severity}, State {e.State}, Line {(e.Data["line"] is int l ? l : 0)}: {e.Message}");
                if (_tranCount > 0) { if (_duckInTx) { try { Exec("ROLLBACK"); } catch (SandboxRuntimeError) { } _schema.RolledBack(); } ForgetTransaction(); }
            }
            // A SET at a script's top level is the session's: it holds in the batches after GO.
            _frame.AnsiNullsOff = frame.AnsiNullsOff;
        }
    }

    public void RunBatch(SqlDocument doc, IList<TSqlStatement> statements) => RunInFrame(NewFrame(doc, null), statements);

    /// <summary>
    /// A batch or dynamic SQL inherits the session's ANSI_NULLS; a procedure or function runs with the
    /// setting it was created with, which the sandbox takes to be ON (the default of every client and of
    /// SSDT projects).
    /// </summary>
    private Frame NewFrame(SqlDocument? doc, string? proc) => new()
    {
        Caller = _frame, Document = doc, Procedure = proc, NoCount = _frame.NoCount, IsolationLevel = _frame.IsolationLevel,
        AnsiNullsOff = proc is null && _frame.AnsiNullsOff,
    };

    private T WithFrame<T>(Frame f, Func<T> run)
    {
        var saved = _frame;
        _frame = f;
        try { return run(); } finally { _frame = saved; }
    }

    private void RunInFrame(Frame frame, IList<TSqlStatement> statements)
    {
        CompileCheck(frame, statements);
        var saved = _frame;
        if (++_depth > 32) throw new SandboxRuntimeError(217, "Maximum stored procedure, function, trigger, or view nesting level exceeded (limit 32).");
        _frame = frame;
        try
        {
            RunList(statements);
        }
        catch (GotoSignal jump)
        {
            throw Unsupported($"GOTO {jump.Label} into a nested block (its label is not in this or an enclosing statement list)", jump.At);
        }
        finally
        {
            _depth--;
            foreach (var t in frame.Tables.Values)
                try { Exec($"DROP TABLE IF EXISTS {Id(t.PhysicalName)}"); } catch { /* the transaction may be aborted */ }
            _frame = saved;
        }
    }

    /// <summary>
    /// Errors SQL Server raises when it compiles a module or batch, before its first statement runs
    /// (an INSERT whose value count does not match its columns): raised in the caller's frame, so a
    /// CATCH of the module itself never sees them, the caller's does.
    /// </summary>
    private void CompileCheck(Frame frame, IList<TSqlStatement> statements)
    {
        if (InsertArity.FirstCompileError(statements, _model.Catalog) is not { } found) return;
        var e = found.Error;
        e.Data["line"] = WithFrame(frame, () => LineOf(found.At));
        e.Data["proc"] = frame.Procedure;
        e.Data["statement"] = found.At;
        e.Data["document"] = frame.Document;
        throw e;
    }

    /// <summary>GOTO label: unwinds statement lists until one holding the label resumes after it.</summary>
    private sealed class GotoSignal(string label, TSqlFragment at) : Exception
    {
        public string Label { get; } = label;
        public TSqlFragment At { get; } = at;
    }

    private static string LabelName(LabelStatement l) => l.Value.TrimEnd(':').Trim();

    private Flow RunList(IEnumerable<TSqlStatement> statements)
    {
        var list = statements as IList<TSqlStatement> ?? statements.ToList();
        for (int i = 0; i < list.Count; i++)
        {
            var s = list[i];
            _cancel.ThrowIfCancellationRequested();
            Flow flow;
            try
            {
                flow = Run(s);
            }
            catch (GotoSignal jump) when (list.OfType<LabelStatement>().FirstOrDefault(l => string.Equals(LabelName(l), jump.Label, StringComparison.OrdinalIgnoreCase)) is { } target)
            {
                i = list.IndexOf(target); // continue after the label
                continue;
            }
            catch (SandboxRuntimeError e) when (_tryDepth == 0 && !_xactAbort && IsStatementTerminating(e))
            {
                // Outside TRY, a statement-level error ends only the statement (which DuckDB rolled
                // back); the batch goes on with @@ERROR set, and the caller still receives the error.
                FirstUncaughtError ??= e;
                Messages.Add($"Msg {e.Number}, Level {e.Severity}, State {e.State}, Line {(e.Data["line"] is int l ? l : 0)}: {e.Message}");
                _lastError = e.Number;
                continue;
            }
            if (flow != Flow.Normal) return flow;
        }
        return Flow.Normal;
    }

    /// <summary>The first error that did not end the run (statement-level, outside TRY), if any.</summary>
    public SandboxRuntimeError? FirstUncaughtError { get; private set; }

    private int _tryDepth;

    /// <summary>Statements that read or write tables (control flow, variables and messages do not).</summary>
    private static bool TouchesData(TSqlStatement s) => s switch
    {
        RollbackTransactionStatement or CommitTransactionStatement or TryCatchStatement or BeginEndBlockStatement
            or IfStatement or WhileStatement or DeclareVariableStatement or SetVariableStatement or PrintStatement
            or ThrowStatement or RaiseErrorStatement or ReturnStatement or BreakStatement or ContinueStatement
            or GoToStatement or LabelStatement or PredicateSetStatement or SetOnOffStatement => false,
        SelectStatement select => select.Into is not null || ReadsTables(select),   // SELECT XACT_STATE() reads nothing
        _ => true,
    };

    private static bool ReadsTables(TSqlFragment f)
    {
        var finder = new TableFinder();
        f.Accept(finder);
        return finder.Found;
    }

    private sealed class TableFinder : TSqlFragmentVisitor
    {
        public bool Found;
        public override void Visit(TableReference node) => Found = true;
    }

    /// <summary>
    /// Errors that end only the statement in SQL Server (with XACT_ABORT OFF): constraint and
    /// truncation errors and RAISERROR. Conversion errors, THROW and the rest end the batch.
    /// </summary>
    private static bool IsStatementTerminating(SandboxRuntimeError e) =>
        e.Number is 2627 or 2601 or 547 or 515 or 2628 or 8152 or 544 || e.Data["raiserror"] is true;

    // ---------------------------------------------------------------- statements

    /// <summary>The statements run, by document path and start offset (mutation analysis skips mutants no input reaches).</summary>
    public HashSet<(string File, int Offset)> Covered { get; } = new();

    /// <summary>
    /// The errors CATCH blocks handled that cut their TRY block short (its last statement not reached), in
    /// order: a TRY that fails for every input while its CATCH swallows the error is a gap, not behaviour.
    /// </summary>
    public List<SandboxRuntimeError> Caught { get; } = new();

    private Flow Run(TSqlStatement s)
    {
        Covered.Add((_frame.Document?.Path ?? "", s.StartOffset));
        if (!System.Runtime.CompilerServices.RuntimeHelpers.TryEnsureSufficientExecutionStack())
            throw new UnsupportedConstructException("statements nested this deep", _frame.Document?.LocationOf(s), "split the procedure into simpler blocks");
        try
        {
            if (_lostWork && TouchesData(s))
                throw Unsupported("a statement that reads or writes tables after an error inside a transaction with XACT_ABORT OFF " +
                    "(SQL Server keeps the statements before the error; DuckDB has rolled them back) — roll back first, or SET XACT_ABORT ON", s);
            var flow = RunCore(s);
            if (s is not (TryCatchStatement or BeginEndBlockStatement or IfStatement or WhileStatement)) { _lastError = 0; AfterStatement(s); }
            return flow;
        }
        catch (SandboxRuntimeError e) when (!e.Data.Contains("line"))
        {
            e.Data["line"] = LineOf(s);
            e.Data["proc"] = _frame.Procedure;
            e.Data["statement"] = s;
            e.Data["document"] = _frame.Document;
            _lastError = e.Number;
            if (_xactAbort && _tranCount > 0 && e.Severity >= 11) Doom();
            throw;
        }
        catch (UnsupportedConstructException u) when (u.Location is null && _frame.Document is not null)
        {
            // Refused deep inside (a value, a run-time guard): name the statement it happened in.
            throw new UnsupportedConstructException(u.Construct, _frame.Document.LocationOf(s), u.Detail);
        }
        catch (DuckDBException e)
        {
            // reached the engine without going through Exec or Query: still the sandbox's gap, in its words
            throw new UnsupportedConstructException("this statement", _frame.Document?.LocationOf(s), ErrorMapper.Describe(e));
        }
        catch (Exception e) when (e is not (SandboxRuntimeError or UnsupportedConstructException or InternalErrorException
                                      or OperationCanceledException or GotoSignal))
        {
            // a defect of the sandbox: named by procedure and statement; the .NET exception stays inside for the log
            throw new InternalErrorException(_frame.Procedure is { } p ? $"procedure {p}" : "the script",
                InternalErrorException.Excerpt(_frame.Document is { } d ? d.Text.Substring(s.StartOffset, Math.Min(s.FragmentLength, d.Text.Length - s.StartOffset)) : null),
                _frame.Document?.LocationOf(s), e);
        }
    }

    private int LineOf(TSqlFragment s)
    {
        var doc = _frame.Document;
        if (doc?.Script is null) return s.StartLine;
        var batch = doc.Script.Batches.LastOrDefault(b => b.StartOffset <= s.StartOffset);
        return batch is null ? s.StartLine : s.StartLine - batch.StartLine + 1;
    }

    private UnsupportedConstructException Unsupported(string what, TSqlFragment at) => new(what, _frame.Document?.LocationOf(at));

    private readonly StatementTable _statements;

    /// <summary>Runs one statement with the executor its type is registered with (<see cref="StatementTable"/>).</summary>
    private Flow RunCore(TSqlStatement s) =>
        (_statements.Find(s.GetType()) ?? throw Unsupported(RefusedStatementName(s), s))(s);

    /// <summary>How a statement the sandbox does not run is named in its refusal.</summary>
    private static string RefusedStatementName(TSqlStatement s) => s switch
    {
        // the file is on the server's disk: a test gives the table's rows instead
        BulkInsertStatement => "BULK INSERT (it reads a file on the server; the sandbox reads no files: give the table's rows in the test)",
        _ => s.GetType().Name.Replace("Statement", " statement"),
    };

    // ---------------------------------------------------------------- frames, local tables and variables

    private bool FindLocalInFrame(string name) => OwnerFrame(name).Tables.ContainsKey(name);

    /// <summary>
    /// The frame a #temp table made now belongs to: its own module's (gone when the module or dynamic batch
    /// returns), but a global ##temp table belongs to the session, so the outermost frame keeps it (a ## table
    /// made in dynamic SQL is read by the statements after the EXEC).
    /// </summary>
    private Frame OwnerFrame(string name)
    {
        if (!name.StartsWith("##", StringComparison.Ordinal)) return _frame;
        var f = _frame;
        while (f.Caller is not null) f = f.Caller;
        return f;
    }

    private Frame? FrameOf(string name)
    {
        for (var f = _frame; f is not null; f = f.Caller) if (f.Tables.ContainsKey(name)) return f;
        return null;
    }

    private LocalTable CreateLocal(string name, TableDef def, TSqlFragment at)
    {
        var physical = $"{name}~{_schema.NextId()}";
        var t = Translator();
        foreach (var c in def.Columns.Where(c => c.Identity))
            Exec($"CREATE TEMP SEQUENCE {SequenceId(SchemaBuilder.LocalIdentitySequence(Id(physical)))} {SchemaBuilder.IdentityOptions(c)}");
        foreach (var statement in SchemaBuilder.CreateTable(Id(physical), def with { Name = new QualifiedName(null, name), ForeignKeys = Array.Empty<ForeignKeyDef>() }, t, false, temp: true))
            Exec(statement);
        var lt = new LocalTable(physical, def.Columns);
        OwnerFrame(name).Tables[name] = lt;
        return lt;
    }

    private Var VarOf(string name, TSqlFragment at) =>
        _frame.Vars.TryGetValue(name, out var v) ? v : throw new SandboxRuntimeError(137, $"Must declare the scalar variable \"{name}\".");

    private void Assign(string name, object? value, TSqlFragment at)
    {
        var v = VarOf(name, at);
        v.Value = value is null ? null : Scalar(Translator().Cast(new Tx(Literal(value, Values.TypeOf(value)), Values.TypeOf(value)), v.Type, false, null, at).Sql, v.Type);
    }
}
