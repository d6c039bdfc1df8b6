using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using DuckDB.NET.Data;
using EtlAgent.Core.Catalog;
using EtlAgent.Core.Lineage;
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

    private sealed class Cursor { public required SelectStatement Select; public List<object?[]>? Rows; public int Position; }

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
    }

    public int TranCount => _duckInTx ? 1 : 0;

    // ---------------------------------------------------------------- translation environment

    private TranslationEnv Env(SqlDocument? doc) => new()
    {
        Catalog = _model.Catalog,
        Document = doc ?? _frame.Document,
        Clock = _clock,
        Seed = _seed,
        Variable = n => _frame.Vars.TryGetValue(n, out var v) ? new VariableInfo(v.Type, v.Value) : null,
        LocalTable = FindLocal,
        Intrinsic = Intrinsic,
        Function = n => _model.Functions.TryGetValue(n, out var f) ? (FunctionStatementBody)f.Syntax.Definition! : null,
        CallScalarFunction = CallScalarFunction,
        CallTableFunction = CallTableFunction,
        Evaluate = (sql, type) => Scalar(sql, type),
        QueryRows = sql => Query(sql).Rows,
        View = n => _model.Views.TryGetValue(n, out var v) ? ((ViewStatementBody)v.Syntax.Definition!, v.Document) : null,
        SequenceName = SchemaBuilder.SequenceName,
        ObjectProblem = n => _model.Problems.GetValueOrDefault(n),
        Referenced = _schema.Ensure,
        UniqueId = _schema.NextId,
    };

    private SqlTranslator Translator() => new(Env(null));

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
        if (name.StartsWith("OBJECT_ID:"))
        {
            var n = name["OBJECT_ID:".Length..];
            if (n.StartsWith("tempdb..", StringComparison.OrdinalIgnoreCase)) n = n[8..];
            bool exists = n.StartsWith('#') ? FindLocal(n) is not null : _model.Catalog.Contains(QualifiedName.Parse(n)) || _model.Procedures.ContainsKey(QualifiedName.Parse(n));
            return (exists ? Math.Abs(StringComparer.OrdinalIgnoreCase.GetHashCode(n)) % 1000000 + 1000 : null, SqlTranslator.Int);
        }
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
        try { using var cmd = Command(sql); return cmd.ExecuteNonQuery(); }
        catch (Exception e) when (e is not SandboxRuntimeError) { throw Fail(e); }
    }

    private Exception Fail(Exception e)
    {
        Exception err = e.Message.LastIndexOf(UnsupportedMarker, StringComparison.Ordinal) is int at and >= 0
            ? new UnsupportedConstructException(e.Message[(at + UnsupportedMarker.Length)..].Split('\n')[0].TrimEnd(), null)
            : ErrorMapper.Map(e);
        if (_tranCount > 0 && e is DuckDBException)
        {
            if (_xactAbort) Doom();
            else LoseWork();
        }
        return err;
    }

    /// <summary>
    /// The transaction can no longer commit (XACT_STATE() = -1). DuckDB has already aborted it on
    /// the error, so its work is rolled back now; @@TRANCOUNT stays until the code's ROLLBACK.
    /// </summary>
    private void LoseWork()
    {
        _lostWork = true;
        if (!_duckInTx) return;
        _duckInTx = false;
        try { using var cmd = Command("ROLLBACK"); cmd.ExecuteNonQuery(); } catch (DuckDBException) { }
        _schema.RolledBack();
    }

    private void Doom()
    {
        _doomed = true;
        if (!_duckInTx) return;
        _duckInTx = false;
        try { using var cmd = Command("ROLLBACK"); cmd.ExecuteNonQuery(); } catch (DuckDBException) { }
        _schema.RolledBack();
    }

    private (List<string> Columns, List<object?[]> Rows) Query(string sql)
    {
        try
        {
            using var cmd = Command(sql);
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
        catch (Exception e) when (e is not SandboxRuntimeError) { throw Fail(e); }
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

    private LocalEvaluator Local => _local ??= new LocalEvaluator(n => _frame.Vars.TryGetValue(n, out var v) ? (v.Value, v.Type) : null);

    private bool Test(BooleanExpression b)
    {
        if (Local.TryPredicate(b, out var known)) return known == true;
        var sql = Translator().Predicate(b);
        return Scalar($"coalesce({sql}, false)", null) is true;
    }

    // ---------------------------------------------------------------- entry points

    public int? RunProcedure(QualifiedName name, IReadOnlyDictionary<string, object?> args, Dictionary<string, object?> outputs, TSqlFragment? at)
    {
        if (!_model.Procedures.TryGetValue(name, out var proc))
            throw new SandboxRuntimeError(2812, $"Could not find stored procedure '{name}'.");
        var body = (ProcedureStatementBody)proc.Syntax.Definition!;
        var frame = NewFrame(proc.Document, proc.Transformation.Name);
        foreach (var p in body.Parameters)
        {
            if (p.DataType is UserDataTypeReference udt && _model.Catalog.Find(DdlReader.NameOf(udt.Name)) is { Kind: TableKind.TableType } tableType)
            {
                // Table-valued parameter: a table variable filled from the argument's rows.
                var tvp = WithFrame(frame, () => CreateLocal(p.VariableName.Value, tableType, p));
                if (args.TryGetValue(p.VariableName.Value, out var rowsArg) && rowsArg is IEnumerable<SandboxRow> tvpRows)
                    foreach (var row in tvpRows)
                    {
                        var cols = row.Keys.Select(k => tableType.FindColumn(k) ?? throw new SandboxRuntimeError(207, $"Invalid column name '{k}'.")).ToList();
                        WithFrame(frame, () => Exec($"INSERT INTO {Id(tvp.PhysicalName)} ({string.Join(", ", cols.Select(c => Id(c.Name)))}) VALUES ({string.Join(", ", cols.Select(c => Literal(Values.Coerce(row[c.Name], c.Type), c.Type)))})"));
                    }
                continue;
            }
            var type = DataTypes.From(p.DataType);
            object? value;
            if (args.TryGetValue(p.VariableName.Value, out var given))
            {
                Values.CheckEntering(given, type, $"argument {p.VariableName.Value} of {proc.Transformation.Name}:");
                value = Values.Coerce(given, type);
            }
            else if (p.Value is not null) value = WithFrame(frame, () => Eval(p.Value, type));
            else if (p.Modifier == ParameterModifier.Output) value = null;
            else throw new SandboxRuntimeError(201, $"Procedure or function '{proc.Transformation.Name}' expects parameter '{p.VariableName.Value}', which was not supplied.");
            frame.Vars[p.VariableName.Value] = new Var { Type = type, Value = value };
        }
        foreach (var key in args.Keys)
            if (!body.Parameters.Any(p => string.Equals(p.VariableName.Value, key, StringComparison.OrdinalIgnoreCase)))
                throw new SandboxRuntimeError(8145, $"{key} is not a parameter for procedure {proc.Transformation.Name}.");
        RunInFrame(frame, body.StatementList?.Statements ?? (IList<TSqlStatement>)Array.Empty<TSqlStatement>());
        foreach (var p in body.Parameters.Where(p => p.Modifier == ParameterModifier.Output))
            outputs[p.VariableName.Value] = frame.Vars[p.VariableName.Value].Value;
        return frame.ReturnValue ?? 0;
    }

    /// <summary>Runs a script's batches (GO-separated) at top level.</summary>
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
                if (_tranCount > 0) { if (_duckInTx) { try { Exec("ROLLBACK"); } catch (SandboxRuntimeError) { } _schema.RolledBack(); } _duckInTx = false; _tranCount = 0; _doomed = false; _lostWork = false; _savepoints.Clear(); _outerTransactionName = null; }
            }
        }
    }

    public void RunBatch(SqlDocument doc, IList<TSqlStatement> statements) => RunInFrame(NewFrame(doc, null), statements);

    private Frame NewFrame(SqlDocument? doc, string? proc) => new() { Caller = _frame, Document = doc, Procedure = proc, NoCount = _frame.NoCount };

    private T WithFrame<T>(Frame f, Func<T> run)
    {
        var saved = _frame;
        _frame = f;
        try { return run(); } finally { _frame = saved; }
    }

    private void RunInFrame(Frame frame, IList<TSqlStatement> statements)
    {
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

    /// <summary>
    /// Errors that end only the statement in SQL Server (with XACT_ABORT OFF): constraint and
    /// truncation errors and RAISERROR. Conversion errors, THROW and the rest end the batch.
    /// </summary>
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

    private static bool IsStatementTerminating(SandboxRuntimeError e) =>
        e.Number is 2627 or 2601 or 547 or 515 or 2628 or 8152 or 544 || e.Data["raiserror"] is true;

    // ---------------------------------------------------------------- statements

    /// <summary>The statements run, by document path and start offset (mutation analysis skips mutants no input reaches).</summary>
    public HashSet<(string File, int Offset)> Covered { get; } = new();

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
            if (s is not (TryCatchStatement or BeginEndBlockStatement or IfStatement or WhileStatement)) _lastError = 0;
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
    }

    private int LineOf(TSqlFragment s)
    {
        var doc = _frame.Document;
        if (doc?.Script is null) return s.StartLine;
        var batch = doc.Script.Batches.LastOrDefault(b => b.StartOffset <= s.StartOffset);
        return batch is null ? s.StartLine : s.StartLine - batch.StartLine + 1;
    }

    private UnsupportedConstructException Unsupported(string what, TSqlFragment at) => new(what, _frame.Document?.LocationOf(at));

    private Flow RunCore(TSqlStatement s)
    {
        switch (s)
        {
            case BeginEndBlockStatement b: return RunList(b.StatementList.Statements);
            case DeclareVariableStatement d:
                foreach (var v in d.Declarations)
                {
                    var type = DataTypes.From(v.DataType);
                    if (v.DataType is UserDataTypeReference { Name.BaseIdentifier.Value: var udt } && !DuckTypes.IsKnown(type))
                        throw Unsupported($"user-defined type {udt}", v);
                    // A DECLARE met again (in a loop) keeps the value unless it has an initializer.
                    if (v.Value is null && _frame.Vars.TryGetValue(v.VariableName.Value, out var existing) && existing.Type == type) continue;
                    object? value = v.Value is null ? null : Eval(v.Value, type);
                    _frame.Vars[v.VariableName.Value] = new Var { Type = type, Value = value };
                }
                return Flow.Normal;
            case DeclareTableVariableStatement dt:
            {
                if (_frame.Tables.ContainsKey(dt.Body.VariableName.Value)) return Flow.Normal; // declared once per batch, even in a loop
                var def = DdlReader.ReadDeclaredTable(_frame.Document!, new QualifiedName(null, dt.Body.VariableName.Value), dt.Body.Definition, dt);
                CreateLocal(dt.Body.VariableName.Value, def, dt);
                return Flow.Normal;
            }
            case SetVariableStatement sv: SetVariable(sv); return Flow.Normal;
            case IfStatement i:
                if (Test(i.Predicate)) return Run(i.ThenStatement);
                return i.ElseStatement is null ? Flow.Normal : Run(i.ElseStatement);
            case WhileStatement w:
                while (Test(w.Predicate))
                {
                    _cancel.ThrowIfCancellationRequested();
                    var flow = Run(w.Statement);
                    if (flow == Flow.Break) break;
                    if (flow == Flow.Return) return flow;
                }
                return Flow.Normal;
            case BreakStatement: return Flow.Break;
            case ContinueStatement: return Flow.Continue;
            case ReturnStatement r when _frame.FunctionReturnType is { } frt:
                _frame.FunctionResult = r.Expression is null ? null : Eval(r.Expression, frt);
                return Flow.Return;
            case ReturnStatement r:
                _frame.ReturnValue = r.Expression is null ? 0 : Convert.ToInt32(Eval(r.Expression, SqlTranslator.Int), CultureInfo.InvariantCulture);
                return Flow.Return;
            case TryCatchStatement tc: return TryCatch(tc);
            case ThrowStatement th: Throw(th); return Flow.Normal;
            case RaiseErrorStatement re: RaiseError(re); return Flow.Normal;
            case PrintStatement p:
                Messages.Add(Values.ToText(Eval(p.Expression, SqlTranslator.NVarMax)) ?? "");
                _rowCount = 0;
                return Flow.Normal;
            case PredicateSetStatement ps:
                if (ps.Options.HasFlag(SetOptions.NoCount)) _frame.NoCount = ps.IsOn;
                if (ps.Options.HasFlag(SetOptions.XactAbort)) _xactAbort = ps.IsOn;
                // Options that change results away from the defaults the sandbox implements.
                var semanticOff = SetOptions.AnsiNulls | SetOptions.ConcatNullYieldsNull | SetOptions.AnsiWarnings | SetOptions.AnsiPadding | SetOptions.ArithAbort;
                var semanticOn = SetOptions.NumericRoundAbort | SetOptions.ImplicitTransactions;
                if (!ps.IsOn && (ps.Options & semanticOff) != 0) throw Unsupported($"SET {ps.Options & semanticOff} OFF", ps);
                if (ps.IsOn && (ps.Options & semanticOn) != 0) throw Unsupported($"SET {ps.Options & semanticOn} ON", ps);
                return Flow.Normal;
            case SetOnOffStatement:
                return Flow.Normal;
            case SetCommandStatement g:
                foreach (var c in g.Commands)
                    if (c is GeneralSetCommand { CommandType: GeneralSetCommandType.DateFirst or GeneralSetCommandType.DateFormat or GeneralSetCommandType.Language })
                        throw Unsupported("SET " + ((GeneralSetCommand)c).CommandType, c);
                return Flow.Normal;
            case SetErrorLevelStatement:
            case SetTransactionIsolationLevelStatement:
                return Flow.Normal; // one session: isolation levels do not change results
            case BeginTransactionStatement bt:
                if (_tranCount == 0)
                {
                    Exec("BEGIN TRANSACTION"); _doomed = false; _lostWork = false; _duckInTx = true; _schema.InTransaction = true;
                    _outerTransactionName = TransactionName(bt.Name);
                    _savepoints.Clear();
                }
                _tranCount++;
                _rowCount = 0;
                return Flow.Normal;
            case CommitTransactionStatement:
                if (_tranCount == 0) throw new SandboxRuntimeError(3902, "The COMMIT TRANSACTION request has no corresponding BEGIN TRANSACTION.");
                if (_doomed)
                    throw new SandboxRuntimeError(3930, "The current transaction cannot be committed and cannot support operations that write to the log file. Roll back the transaction.");
                if (_lostWork)
                    throw Unsupported("COMMIT after an error inside a transaction with XACT_ABORT OFF (SQL Server would commit the statements before the error; DuckDB has rolled them back)", s);
                if (--_tranCount == 0) { Exec("COMMIT"); _duckInTx = false; _schema.Committed(); _savepoints.Clear(); _outerTransactionName = null; }
                _rowCount = 0;
                return Flow.Normal;
            case RollbackTransactionStatement rb:
                if (_tranCount == 0) throw new SandboxRuntimeError(3903, "The ROLLBACK TRANSACTION request has no corresponding BEGIN TRANSACTION.");
                if (TransactionName(rb.Name) is { } target && !string.Equals(target, _outerTransactionName, StringComparison.Ordinal))
                {
                    RollbackToSavepoint(target);
                    _rowCount = 0;
                    return Flow.Normal;
                }
                _savepoints.Clear();
                _outerTransactionName = null;
                if (_duckInTx) { Exec("ROLLBACK"); _schema.RolledBack(); }
                _duckInTx = false;
                _tranCount = 0;
                _doomed = false;
                _lostWork = false;
                return Flow.Normal;
            case SaveTransactionStatement st: SaveTransaction(st); _rowCount = 0; return Flow.Normal;
            case SelectStatement sel: Select(sel); return Flow.Normal;
            case InsertStatement ins: Dml(Translator().Insert(ins), ins); return Flow.Normal;
            case UpdateStatement up: Dml(Translator().Update(up), up); return Flow.Normal;
            case DeleteStatement del: Dml(Translator().Delete(del), del); return Flow.Normal;
            case MergeStatement mg: Dml(Translator().Merge(mg), mg); return Flow.Normal;
            case TruncateTableStatement tr:
            {
                var name = DdlReader.NameOf(tr.TableName);
                if (!name.IsLocal) _schema.Ensure(name);
                var local = name.IsLocal ? FindLocal(name.Name) ?? throw new SandboxRuntimeError(208, $"Invalid object name '{name}'.") : null;
                // SQL Server refuses to truncate a table a foreign key references, even an empty one
                if (local is null && _model.ForeignKeys && _model.Catalog.Tables.Any(t => t.Name != name && t.ForeignKeys.Any(fk => fk.ReferencedTable == name)))
                    throw new SandboxRuntimeError(4712, $"Cannot truncate table '{name}' because it is being referenced by a FOREIGN KEY constraint.");
                var physical = local is not null ? Id(local.PhysicalName) : Table(name);
                Exec($"DELETE FROM {physical}");
                // TRUNCATE resets an identity to its seed: DuckDB cannot restart a sequence a default
                // uses, so the default is dropped, the sequence made again, the default restored
                foreach (var c in (local?.Columns ?? _model.Catalog.Find(name)?.Columns ?? Array.Empty<ColumnDef>()).Where(c => c.Identity))
                {
                    var seq = local is not null ? SchemaBuilder.LocalIdentitySequence(physical) : SchemaBuilder.IdentitySequence(name);
                    Exec($"ALTER TABLE {physical} ALTER COLUMN {Id(c.Name)} DROP DEFAULT");
                    Exec($"DROP SEQUENCE {Id(seq)}");
                    Exec($"CREATE {(local is not null ? "TEMP " : "")}SEQUENCE {Id(seq)} {SchemaBuilder.IdentityOptions(c)}");
                    Exec($"ALTER TABLE {physical} ALTER COLUMN {Id(c.Name)} SET DEFAULT nextval({Str(seq)})");
                }
                return Flow.Normal;
            }
            case CreateTableStatement ct:
            {
                var name = DdlReader.NameOf(ct.SchemaObjectName);
                if (!name.IsTemp) throw Unsupported("CREATE TABLE of a permanent table inside a transformation", ct);
                if (FindLocalInFrame(name.Name)) throw new SandboxRuntimeError(2714, $"There is already an object named '{name.Name}' in the database.");
                var def = DdlReader.ReadTable(_frame.Document!, ct);
                CreateLocal(name.Name, def, ct);
                return Flow.Normal;
            }
            case DropTableStatement dr:
                foreach (var o in dr.Objects)
                {
                    var name = DdlReader.NameOf(o);
                    if (!name.IsTemp) throw Unsupported("DROP TABLE of a permanent table", dr);
                    var owner = FrameOf(name.Name);
                    if (owner is null)
                    {
                        if (dr.IsIfExists) continue;
                        throw new SandboxRuntimeError(3701, $"Cannot drop the table '{name.Name}', because it does not exist or you do not have permission.");
                    }
                    Exec($"DROP TABLE IF EXISTS {Id(owner.Tables[name.Name].PhysicalName)}");
                    owner.Tables.Remove(name.Name);
                }
                return Flow.Normal;
            case CreateIndexStatement: return Flow.Normal; // indexes do not change results
            case ExecuteStatement ex: Execute(ex); return Flow.Normal;
            case DeclareCursorStatement dc:
                _frame.Cursors[dc.Name.Value] = new Cursor { Select = dc.CursorDefinition.Select };
                return Flow.Normal;
            case OpenCursorStatement oc:
            {
                var c = CursorOf(oc.Cursor, oc);
                var t = Translator();
                var sql = t.Select(c.Select, out _);
                c.Rows = Query(sql).Rows;
                c.Position = 0;
                return Flow.Normal;
            }
            case FetchCursorStatement fc:
            {
                if (fc.FetchType is { Orientation: not (FetchOrientation.Next or FetchOrientation.None) }) throw Unsupported("FETCH " + fc.FetchType.Orientation, fc);
                var c = CursorOf(fc.Cursor, fc);
                if (c.Rows is null) throw new SandboxRuntimeError(16917, "Cursor is not open.");
                if (c.Position >= c.Rows.Count) { _fetchStatus = -1; return Flow.Normal; }
                var row = c.Rows[c.Position++];
                for (int i = 0; i < fc.IntoVariables.Count; i++) Assign(fc.IntoVariables[i].Name, row[i], fc);
                _fetchStatus = 0;
                return Flow.Normal;
            }
            case CloseCursorStatement cc: CursorOf(cc.Cursor, cc).Rows = null; return Flow.Normal;
            case DeallocateCursorStatement dc2: _frame.Cursors.Remove(dc2.Cursor.Name.Value); return Flow.Normal;
            case UseStatement u: throw Unsupported("USE", u);
            case LabelStatement: return Flow.Normal;
            case GoToStatement g: throw new GotoSignal(g.LabelName.Value, g);
            case WaitForStatement wf: return Flow.Normal;
            default:
                throw Unsupported(s.GetType().Name.Replace("Statement", " statement"), s);
        }
    }

    private Cursor CursorOf(CursorId id, TSqlFragment at)
    {
        if (id.IsGlobal) throw Unsupported("GLOBAL cursor", at);
        var name = id.Name.Value;
        for (var f = _frame; f is not null; f = f.Caller)
            if (f.Cursors.TryGetValue(name, out var c)) return c;
        throw new SandboxRuntimeError(16916, $"A cursor with the name '{name}' does not exist.");
    }

    private bool FindLocalInFrame(string name) => _frame.Tables.ContainsKey(name);

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
            Exec($"CREATE TEMP SEQUENCE {Id(SchemaBuilder.LocalIdentitySequence(Id(physical)))} {SchemaBuilder.IdentityOptions(c)}");
        Exec(SchemaBuilder.CreateTable(Id(physical), def with { Name = new QualifiedName(null, name), ForeignKeys = Array.Empty<ForeignKeyDef>() }, t, false, temp: true));
        var lt = new LocalTable(physical, def.Columns);
        _frame.Tables[name] = lt;
        return lt;
    }

    private void SetVariable(SetVariableStatement sv)
    {
        if (sv.CursorDefinition is not null) throw Unsupported("cursor variables", sv);
        if (sv.Expression is null) throw Unsupported("SET @variable form", sv);
        var v = VarOf(sv.Variable.Name, sv);
        object? value;
        if (sv.AssignmentKind == AssignmentKind.Equals) value = Eval(sv.Expression, v.Type);
        else if (sv.AssignmentKind is AssignmentKind.AddEquals or AssignmentKind.SubtractEquals or AssignmentKind.MultiplyEquals && v.Type.IsInteger && v.Type.Name != "bit"
                 && Local.TryScalar(new BinaryExpression
                 {
                     FirstExpression = new VariableReference { Name = sv.Variable.Name },
                     SecondExpression = sv.Expression,
                     BinaryExpressionType = sv.AssignmentKind switch
                     {
                         AssignmentKind.AddEquals => BinaryExpressionType.Add,
                         AssignmentKind.SubtractEquals => BinaryExpressionType.Subtract,
                         _ => BinaryExpressionType.Multiply,
                     },
                 }, v.Type, out var compound))
            value = compound;
        else
        {
            var t = Translator();
            var cur = t.Scalar(new VariableReference { Name = sv.Variable.Name });
            var rhs = t.Scalar(sv.Expression);
            string sql = sv.AssignmentKind switch
            {
                AssignmentKind.AddEquals => v.Type.IsString ? $"({cur.Sql} || {t.AsText(rhs)})" : $"({cur.Sql} + {rhs.Sql})",
                AssignmentKind.SubtractEquals => $"({cur.Sql} - {rhs.Sql})",
                AssignmentKind.MultiplyEquals => $"({cur.Sql} * {rhs.Sql})",
                AssignmentKind.DivideEquals => v.Type.IsInteger && rhs.Type?.IsInteger == true ? $"tsql_idiv({cur.Sql}, {rhs.Sql})" : $"tsql_div({cur.Sql}, {rhs.Sql})",
                AssignmentKind.ModEquals => $"tsql_mod({cur.Sql}, {rhs.Sql})",
                _ => throw Unsupported("SET " + sv.AssignmentKind, sv),
            };
            value = Scalar(t.Cast(new Tx(sql, v.Type), v.Type, false, null, sv).Sql, v.Type);
        }
        v.Value = value;
        _rowCount = 1;
    }

    private Var VarOf(string name, TSqlFragment at) =>
        _frame.Vars.TryGetValue(name, out var v) ? v : throw new SandboxRuntimeError(137, $"Must declare the scalar variable \"{name}\".");

    private void Assign(string name, object? value, TSqlFragment at)
    {
        var v = VarOf(name, at);
        v.Value = value is null ? null : Scalar(Translator().Cast(new Tx(Literal(value, Values.TypeOf(value)), Values.TypeOf(value)), v.Type, false, null, at).Sql, v.Type);
    }

    private void Select(SelectStatement sel)
    {
        var t = Translator();
        if (sel.QueryExpression is QuerySpecification qs && qs.SelectElements.Any(e => e is SelectSetVariable))
        {
            t.AssignTargets = new();
            var sql = t.Select(sel, out _);
            var (_, rows) = Query(sql);
            _rowCount = rows.Count;
            if (rows.Count == 0) return;
            var last = rows[^1];
            for (int i = 0; i < t.AssignTargets.Count; i++)
            {
                var (name, kind, _) = t.AssignTargets[i];
                if (kind == AssignmentKind.Equals) { Assign(name, last[i], sel); continue; }
                // SELECT @s += x: accumulate over the rows in order.
                var v = VarOf(name, sel);
                foreach (var row in rows)
                {
                    var cur = new Tx(Literal(v.Value, v.Type), v.Type);
                    var rhs = new Tx(Literal(row[i], Values.TypeOf(row[i])), Values.TypeOf(row[i]));
                    string op = kind switch { AssignmentKind.AddEquals => v.Type.IsString ? "||" : "+", AssignmentKind.SubtractEquals => "-", AssignmentKind.MultiplyEquals => "*", _ => throw Unsupported("SELECT " + kind, sel) };
                    v.Value = Scalar(t.Cast(new Tx($"({cur.Sql} {op} {(op == "||" ? t.AsText(rhs) : rhs.Sql)})", v.Type), v.Type, false, null, sel).Sql, v.Type);
                }
            }
            return;
        }
        if (sel.Into is not null)
        {
            var name = DdlReader.NameOf(sel.Into);
            if (!name.IsTemp) throw Unsupported("SELECT … INTO a permanent table", sel.Into);
            if (FindLocalInFrame(name.Name)) throw new SandboxRuntimeError(2714, $"There is already an object named '{name.Name}' in the database.");
            var sql = t.Select(sel, out var shape);
            var physical = $"{name.Name}~{_schema.NextId()}";
            _rowCount = Exec($"CREATE TEMP TABLE {Id(physical)} AS {sql}");
            List<ColumnDef> defs;
            if (shape.All(c => c.Type is not null && c.Name.Length > 0 && c.Name != "*") && shape.Select(c => c.Name).Distinct(StringComparer.OrdinalIgnoreCase).Count() == shape.Count)
                defs = shape.Select(c => new ColumnDef(c.Name, c.Type!, true)).ToList();
            else
            {
                var (_, rows) = Query($"SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = {Str(physical)} ORDER BY column_index");
                defs = rows.Select((r, i) => new ColumnDef((string)r[0]!, i < shape.Count && shape[i].Type is { } st ? st : DuckTypes.FromDuck((string)r[1]!), true)).ToList();
            }
            _frame.Tables[name.Name] = new LocalTable(physical, defs);
            _rowCount = Convert.ToInt32(Scalar($"count(*) FROM {Id(physical)}", null), CultureInfo.InvariantCulture);
            return;
        }
        var q = t.Select(sel, out var qshape);
        var result = Query(q);
        if (qshape.Count == result.Columns.Count)
            for (int i = 0; i < qshape.Count; i++)
            {
                if (qshape[i].Type is { Scale: int sc } st && (st.IsDecimal || st.Name is "money" or "smallmoney"))
                {
                    foreach (var r in result.Rows) if (r[i] is decimal d) r[i] = Values.WithScale(d, sc);
                }
                else if (qshape[i].Type is { Name: "datetime2" } dt2)
                    foreach (var row in result.Rows) row[i] = Values.Coerce(row[i], dt2); // the datetime2 maximum shows its 7th digit
            }
        _rowCount = result.Rows.Count;
        var names = ResultColumnNames(result.Columns, qshape);
        ResultSets.Add(new ResultSet(names, result.Rows.Select(r => Row(names, r)).ToList()));
    }

    /// <summary>
    /// Result column names as a <see cref="SandboxRow"/> can hold them: a column without a name
    /// (SQL Server shows "(No column name)") is named Column1, Column2… by position, and a repeated
    /// name gets "#2", "#3"… (rows are case-insensitive dictionaries).
    /// </summary>
    private static List<string> ResultColumnNames(List<string> duckNames, IReadOnlyList<ColumnShape> shape)
    {
        var names = new List<string>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < duckNames.Count; i++)
        {
            string name = shape.Count == duckNames.Count && shape[i].Name.Length == 0 ? $"Column{i + 1}" : duckNames[i];
            string unique = name;
            for (int n = 2; !seen.Add(unique); n++) unique = $"{name}#{n}";
            names.Add(unique);
        }
        return names;
    }

    private static SandboxRow Row(List<string> cols, object?[] values)
    {
        var row = new SandboxRow();
        for (int i = 0; i < cols.Count; i++) row[cols[i]] = values[i];
        return row;
    }

    private void Dml(DmlPlan plan, TSqlStatement s)
    {
        try { DmlCore(plan, s); }
        catch (SandboxRuntimeError e) when (plan.TargetTable is { } table && e.Number is 2627 or 547 or 515 && !e.Data.Contains("line"))
        {
            throw ErrorMapper.WithConstraint(e, _model.Catalog.Find(table), s switch
            {
                InsertStatement => "INSERT", UpdateStatement => "UPDATE", DeleteStatement => "DELETE", _ => "MERGE",
            }, _model.Catalog);
        }
    }

    private void DmlCore(DmlPlan plan, TSqlStatement s)
    {
        if (_doomed)
            throw new SandboxRuntimeError(3930, "The current transaction cannot be committed and cannot support operations that write to the log file. Roll back the transaction.");
        if (plan.ExecSource is not null)
        {
            var before = ResultSets.Count;
            ExecuteSpec(plan.ExecSource.Execute, null);
            var sets = ResultSets.Skip(before).ToList();
            ResultSets.RemoveRange(before, ResultSets.Count - before);
            int n = 0;
            foreach (var rs in sets)
                foreach (var row in rs.Rows)
                {
                    var vals = rs.Columns.Select(c => Literal(row[c], Values.TypeOf(row[c])));
                    n += Exec($"INSERT INTO {plan.TargetPhysical} ({string.Join(", ", plan.InsertColumns!.Select(Id))}) VALUES ({string.Join(", ", vals)})");
                }
            _rowCount = n;
            return;
        }
        if (plan.DoubleMatchCheck is not null && Query(plan.DoubleMatchCheck).Rows.Count > 0) throw MergeDoubleMatch();
        foreach (var b in plan.Before ?? Array.Empty<string>()) Exec(b);
        try { RunDml(plan, s); }
        finally { foreach (var a in plan.After ?? Array.Empty<string>()) try { Exec(a); } catch (SandboxRuntimeError) { } }
    }

    private static SandboxRuntimeError MergeDoubleMatch() =>
        new(8672, "The MERGE statement attempted to UPDATE or DELETE the same row more than once. This happens when a target row matches more than one source row. A MERGE statement cannot UPDATE/DELETE the same row of the target table multiple times. Refine the ON clause to ensure a target row matches at most one source row, or use the GROUP BY clause to group the source rows.");

    /// <summary>
    /// A MERGE as separate statements (<see cref="StagedMerge"/>), all or nothing like the MERGE it
    /// stands for: outside a transaction it runs in one of its own; inside one, an error ends the
    /// transaction as any failed statement does here. Returns the OUTPUT rows, if any.
    /// </summary>
    private (List<string> Columns, List<object?[]> Rows)? RunStagedMerge(DmlPlan plan)
    {
        var m = plan.Staged!;
        bool own = _tranCount == 0 && !_duckInTx;
        string? holder = null;
        if (own) { Exec("BEGIN TRANSACTION"); _duckInTx = true; _schema.InTransaction = true; }
        try
        {
            foreach (var p in m.Prepare) Exec(p);
            if (m.DoubleMatchCheck is not null && Query(m.DoubleMatchCheck).Rows.Count > 0) throw MergeDoubleMatch();
            int affected = 0;
            foreach (var w in m.Writes) affected += Exec(w);
            if (m.Insert is not null && m.InsertReturns)
            {
                // The inserted rows in insertion order (the INSERT orders by source row), numbered
                // so the OUTPUT pairs each with its source row.
                var (_, inserted) = Query(m.Insert);
                affected += inserted.Count;
                holder = $"__merge_inserted_{_schema.NextId()}";
                var columns = plan.PostColumns!;
                Exec($"CREATE TEMP TABLE {Id(holder)} (\"__ord\" BIGINT, {string.Join(", ", columns.Select(c => $"{Id(c.Name)} {(c.Type is null ? "VARCHAR" : DuckTypes.Of(c.Type))}"))})");
                foreach (var chunk in inserted.Select((row, i) => (Row: row, Ord: i + 1)).Chunk(500))
                    Exec($"INSERT INTO {Id(holder)} VALUES {string.Join(", ", chunk.Select(x => $"({x.Ord}, {string.Join(", ", x.Row.Select((v, c) => Literal(v, columns[c].Type ?? Values.TypeOf(v))))})"))}");
            }
            else if (m.Insert is not null) affected += Exec(m.Insert);
            _rowCount = affected;
            var output = m.Output is null ? ((List<string>, List<object?[]>)?)null : Query(holder is null ? m.Output : m.Output.Replace("{0}", Id(holder)));
            foreach (var c in m.Cleanup) Exec(c);
            if (holder is not null) Exec($"DROP TABLE IF EXISTS {Id(holder)}");
            if (own) { Exec("COMMIT"); _duckInTx = false; _schema.Committed(); }
            return output;
        }
        catch when (own)
        {
            if (_duckInTx) { try { Exec("ROLLBACK"); } catch (SandboxRuntimeError) { } _schema.RolledBack(); }
            _duckInTx = false;
            throw;
        }
        catch (SandboxRuntimeError)
        {
            foreach (var c in m.Cleanup) try { Exec(c); } catch (SandboxRuntimeError) { }
            if (holder is not null) try { Exec($"DROP TABLE IF EXISTS {Id(holder)}"); } catch (SandboxRuntimeError) { }
            throw;
        }
    }

    private void RunDml(DmlPlan plan, TSqlStatement s)
    {
        string? seq = plan.TargetTable is { } tt && _model.Catalog.Find(tt) is { } def && def.Columns.Any(c => c.Identity) ? SchemaBuilder.IdentitySequence(tt) : null;
        object? before2 = seq is not null && s is MergeStatement ? SeqValue(seq) : null;
        var staged = plan.Staged is null ? null : RunStagedMerge(plan);
        if (plan.Returns)
        {
            var (cols, rows) = staged ?? Query(plan.Sql);
            if (plan.Staged is null) _rowCount = rows.Count;
            if (plan.PostSelect is not null)
            {
                var holder = $"__returned_{_schema.NextId()}";
                Exec($"CREATE TEMP TABLE {Id(holder)} ({string.Join(", ", plan.PostColumns!.Select(c => $"{Id(c.Name)} {(c.Type is null ? "VARCHAR" : DuckTypes.Of(c.Type))}"))})");
                try
                {
                    foreach (var r in rows)
                        Exec($"INSERT INTO {Id(holder)} VALUES ({string.Join(", ", r.Select((v, i) => Literal(v, plan.PostColumns![i].Type ?? Values.TypeOf(v))))})");
                    (cols, rows) = Query(string.Format(plan.PostSelect, Id(holder)));
                }
                finally { Exec($"DROP TABLE IF EXISTS {Id(holder)}"); }
            }
            if (plan.OutputInto is not null)
            {
                var target = plan.OutputInto switch
                {
                    VariableTableReference v => Id(FindLocal(v.Variable.Name)?.PhysicalName ?? throw Unsupported("undeclared table variable", v)),
                    NamedTableReference n when n.SchemaObject.BaseIdentifier.Value.StartsWith('#') => Id(FindLocal(n.SchemaObject.BaseIdentifier.Value)!.PhysicalName),
                    NamedTableReference n => EnsureTable(DdlReader.NameOf(n.SchemaObject)),
                    _ => throw Unsupported("OUTPUT INTO target", plan.OutputInto),
                };
                var colList = plan.OutputIntoColumns is { Count: > 0 } oc ? "(" + string.Join(", ", oc.Select(Id)) + ")" : "";
                foreach (var r in rows)
                    Exec($"INSERT INTO {target} {colList} VALUES ({string.Join(", ", r.Select(v => Literal(v, Values.TypeOf(v))))})");
            }
            else
            {
                var names = ResultColumnNames(cols, Array.Empty<ColumnShape>());
                ResultSets.Add(new ResultSet(names, rows.Select(r => Row(names, r)).ToList()));
            }
        }
        else if (plan.Staged is null) _rowCount = Exec(plan.Sql);
        if (seq is not null && _rowCount > 0 && s is InsertStatement or MergeStatement)
        {
            var after = s is MergeStatement ? SeqValue(seq) : Scalar($"currval({Str(Id(seq))})", null);
            if (after is not null && !Equals(after, before2)) { _frame.ScopeIdentity = after; _identity = after; }
        }
    }

    private string EnsureTable(QualifiedName name)
    {
        _schema.Ensure(name);
        return Table(name);
    }

    private object? SeqValue(string seq)
    {
        var (_, rows) = Query($"SELECT last_value FROM duckdb_sequences() WHERE sequence_name = {Str(seq)}");
        return rows.Count == 0 ? null : rows[0][0];
    }

    private Flow TryCatch(TryCatchStatement tc)
    {
        try
        {
            _tryDepth++;
            try { return RunList(tc.TryStatements.Statements); }
            finally { _tryDepth--; }
        }
        catch (SandboxRuntimeError e) when (e.Severity > 10)
        {
            var saved = _catch;
            _catch = new ErrorInfo
            {
                Number = e.Number, Severity = e.Severity, State = e.State, Message = e.Message,
                Line = e.Data["line"] is int l ? l : 0,
                Procedure = e.Data["proc"] is string pn ? QualifiedName.Parse(pn).Name : null,
                ProcedureFull = e.Data["proc"], Document = e.Data["document"], Statement = e.Data["statement"],
            };
            _lastError = e.Number;
            try { return RunList(tc.CatchStatements.Statements); }
            finally { _catch = saved; }
        }
    }

    private void Throw(ThrowStatement th)
    {
        if (th.ErrorNumber is null)
        {
            if (_catch is null) throw new SandboxRuntimeError(10704, "To rethrow an error, a THROW statement must be used inside a CATCH block.");
            var re = new SandboxRuntimeError(_catch.Number, _catch.Message, _catch.Severity, _catch.State);
            // Rethrown as it was raised: same number, message, line, procedure and place.
            re.Data["line"] = _catch.Line;
            re.Data["proc"] = _catch.ProcedureFull;
            re.Data["document"] = _catch.Document;
            re.Data["statement"] = _catch.Statement;
            if (_tranCount > 0 && _xactAbort) Doom();
            throw re;
        }
        int number = Convert.ToInt32(Eval(th.ErrorNumber, SqlTranslator.Int), CultureInfo.InvariantCulture);
        string message = Values.ToText(Eval(th.Message, SqlTranslator.NVarMax)) ?? "";
        int state = Convert.ToInt32(Eval(th.State, SqlTranslator.Int), CultureInfo.InvariantCulture);
        if (number < 50000) throw new SandboxRuntimeError(35100, $"Error number {number} in the THROW statement is outside the valid range. Specify an error number in the valid range of 50000 to 2147483647.");
        throw new SandboxRuntimeError(number, message, 16, state);
    }

    private void RaiseError(RaiseErrorStatement re)
    {
        var first = Eval(re.FirstParameter);
        int severity = Convert.ToInt32(Eval(re.SecondParameter, SqlTranslator.Int), CultureInfo.InvariantCulture);
        int state = Convert.ToInt32(Eval(re.ThirdParameter, SqlTranslator.Int), CultureInfo.InvariantCulture);
        if (first is not string format) throw Unsupported("RAISERROR with a message id", re);
        var args = re.OptionalParameters.Select(p => Eval(p)).ToList();
        var message = FormatMessage(format, args);
        _rowCount = 0;
        if (severity <= 10) { Messages.Add(message); return; }
        var error = new SandboxRuntimeError(50000, message, severity, state);
        error.Data["raiserror"] = true;
        throw error;
    }

    /// <summary>RAISERROR's printf-style substitution: %d %i %u %s %x %X %o with optional flags/width.</summary>
    internal static string FormatMessage(string format, IReadOnlyList<object?> args)
    {
        int next = 0;
        return Regex.Replace(format, @"%%|%([-+ 0#]*)(\d+|\*)?(?:\.(\d+|\*))?(h|l|I64)?([disuxXo])", m =>
        {
            if (m.Value == "%%") return "%";
            object? a = next < args.Count ? args[next++] : null;
            string text = m.Groups[5].Value switch
            {
                "s" => a?.ToString() ?? "(null)",
                "x" => Convert.ToInt64(a ?? 0, CultureInfo.InvariantCulture).ToString("x"),
                "X" => Convert.ToInt64(a ?? 0, CultureInfo.InvariantCulture).ToString("X"),
                "o" => Convert.ToString(Convert.ToInt64(a ?? 0, CultureInfo.InvariantCulture), 8),
                _ => a is null ? "(null)" : Convert.ToInt64(a, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture),
            };
            if (m.Groups[2].Success && int.TryParse(m.Groups[2].Value, out int width))
                text = m.Groups[1].Value.Contains('-') ? text.PadRight(width) : text.PadLeft(width, m.Groups[1].Value.Contains('0') ? '0' : ' ');
            return text;
        });
    }

    private void Execute(ExecuteStatement ex)
    {
        if (ex.Options.Count > 0) throw Unsupported("EXECUTE … WITH options", ex);
        ExecuteSpec(ex.ExecuteSpecification, ex);
    }

    private void ExecuteSpec(ExecuteSpecification spec, TSqlFragment? at)
    {
        if (spec.LinkedServer is not null || spec.ExecuteContext is not null) throw Unsupported("EXECUTE AT/AS", spec);
        switch (spec.ExecutableEntity)
        {
            case ExecutableStringList sl:
            {
                var text = string.Concat(sl.Strings.Select(s => Values.ToText(Eval(s, SqlTranslator.NVarMax))));
                RunDynamic(text, new Dictionary<string, Var>(), spec);
                return;
            }
            case ExecutableProcedureReference pr:
            {
                if (pr.ProcedureReference.ProcedureVariable is not null) throw Unsupported("EXECUTE @procedure_variable", pr);
                var name = DdlReader.NameOf(pr.ProcedureReference.ProcedureReference.Name);
                if (name.Name.Equals("sp_executesql", StringComparison.OrdinalIgnoreCase)) { SpExecuteSql(pr); return; }
                if (name.Name.StartsWith("sp_", StringComparison.OrdinalIgnoreCase) || name.Name.StartsWith("xp_", StringComparison.OrdinalIgnoreCase))
                    throw Unsupported($"system procedure {name.Name}", pr);
                var proc = _model.Procedures.TryGetValue(name, out var p) ? p : throw new SandboxRuntimeError(2812, $"Could not find stored procedure '{name}'.");
                var body = (ProcedureStatementBody)proc.Syntax.Definition!;
                var args = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
                var outputs = new List<(string Param, string Var)>();
                for (int i = 0; i < pr.Parameters.Count; i++)
                {
                    var a = pr.Parameters[i];
                    string pname = a.Variable?.Name ?? (i < body.Parameters.Count ? body.Parameters[i].VariableName.Value : throw new SandboxRuntimeError(8144, $"Procedure or function {name.Name} has too many arguments specified."));
                    var pdef = body.Parameters.FirstOrDefault(x => string.Equals(x.VariableName.Value, pname, StringComparison.OrdinalIgnoreCase))
                        ?? throw new SandboxRuntimeError(8145, $"{pname} is not a parameter for procedure {name.Name}.");
                    if (a.ParameterValue is DefaultLiteral) continue;
                    args[pname] = Eval(a.ParameterValue, DataTypes.From(pdef.DataType));
                    if (a.IsOutput)
                    {
                        if (a.ParameterValue is not VariableReference vr) throw Unsupported("OUTPUT argument that is not a variable", a);
                        outputs.Add((pname, vr.Name));
                    }
                }
                var outs = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
                var rc = RunProcedure(name, args, outs, at);
                foreach (var (param, v) in outputs) Assign(v, outs[param], pr);
                if (pr.Parameters.Count >= 0 && spec.Variable is not null) Assign(spec.Variable.Name, rc, pr);
                return;
            }
            default: throw Unsupported(spec.ExecutableEntity.GetType().Name, spec);
        }
    }

    private void SpExecuteSql(ExecutableProcedureReference pr)
    {
        if (pr.Parameters.Count == 0) throw new SandboxRuntimeError(201, "Procedure or function 'sp_executesql' expects parameter '@statement', which was not supplied.");
        var text = Values.ToText(Eval(pr.Parameters[0].ParameterValue, SqlTranslator.NVarMax)) ?? "";
        var vars = new Dictionary<string, Var>(StringComparer.OrdinalIgnoreCase);
        var outputs = new List<(string Param, string Var)>();
        if (pr.Parameters.Count > 1)
        {
            var defs = Values.ToText(Eval(pr.Parameters[1].ParameterValue, SqlTranslator.NVarMax)) ?? "";
            var parsed = new TSql170Parser(false).Parse(new StringReader($"CREATE PROCEDURE __p {defs} AS RETURN"), out var errors) as TSqlScript;
            if (errors.Count > 0 || parsed?.Batches[0].Statements[0] is not CreateProcedureStatement cp) throw Unsupported("sp_executesql parameter list", pr.Parameters[1]);
            var pars = cp.Parameters;
            for (int i = 2; i < pr.Parameters.Count; i++)
            {
                var a = pr.Parameters[i];
                var pdef = a.Variable is not null ? pars.FirstOrDefault(p => string.Equals(p.VariableName.Value, a.Variable.Name, StringComparison.OrdinalIgnoreCase)) : (i - 2 < pars.Count ? pars[i - 2] : null);
                if (pdef is null) throw new SandboxRuntimeError(8145, $"{a.Variable?.Name} is not a parameter for procedure sp_executesql.");
                var type = DataTypes.From(pdef.DataType);
                vars[pdef.VariableName.Value] = new Var { Type = type, Value = Eval(a.ParameterValue, type) };
                if (a.IsOutput && a.ParameterValue is VariableReference vr) outputs.Add((pdef.VariableName.Value, vr.Name));
            }
            foreach (var p in pars)
                if (!vars.ContainsKey(p.VariableName.Value))
                    vars[p.VariableName.Value] = new Var { Type = DataTypes.From(p.DataType), Value = p.Value is null ? null : Eval(p.Value, DataTypes.From(p.DataType)) };
        }
        var frame = RunDynamic(text, vars, pr);
        foreach (var (param, v) in outputs) Assign(v, frame.Vars[param].Value, pr);
    }

    private Frame RunDynamic(string text, Dictionary<string, Var> vars, TSqlFragment at)
    {
        var doc = new SqlParser().Parse("(dynamic SQL)", text);
        if (doc.Errors.Count > 0) throw new SandboxRuntimeError(102, "Incorrect syntax in dynamic SQL: " + doc.Errors[0].Message);
        var frame = NewFrame(doc, null);
        foreach (var (k, v) in vars) frame.Vars[k] = v;
        foreach (var batch in doc.Script!.Batches) RunInFrame(frame, batch.Statements);
        return frame;
    }

    // ---------------------------------------------------------------- functions

    private (object? Value, SqlType Type) CallScalarFunction(FunctionStatementBody fn, IReadOnlyList<(object? Value, SqlType Type)> args, TSqlFragment at)
    {
        var rtype = DataTypes.From(((ScalarFunctionReturnType)fn.ReturnType).DataType);
        var qn = DdlReader.NameOf(fn.Name);
        var doc = _model.Functions.TryGetValue(qn, out var f) ? f.Document : _frame.Document;
        if (fn.Options.Any(o => o.OptionKind == FunctionOptionKind.ReturnsNullOnNullInput) && args.Any(a => a.Value is null)) return (null, rtype);
        var frame = NewFrame(doc, qn.ToString());
        for (int i = 0; i < fn.Parameters.Count; i++)
            frame.Vars[fn.Parameters[i].VariableName.Value] = new Var { Type = args[i].Type, Value = args[i].Value };
        frame.FunctionReturnType = rtype;
        var saved = _frame;
        _frame = frame;
        try { RunList(fn.StatementList.Statements); }
        finally { _frame = saved; }
        return (frame.FunctionResult, rtype);
    }

    private LocalTable CallTableFunction(FunctionStatementBody fn, IReadOnlyList<(object? Value, SqlType Type)> args, TSqlFragment at)
    {
        var rt = (TableValuedFunctionReturnType)fn.ReturnType;
        var qn = DdlReader.NameOf(fn.Name);
        var doc = _model.Functions.TryGetValue(qn, out var f) ? f.Document : _frame.Document;
        var frame = NewFrame(doc, qn.ToString());
        for (int i = 0; i < fn.Parameters.Count; i++)
            frame.Vars[fn.Parameters[i].VariableName.Value] = new Var { Type = args[i].Type, Value = args[i].Value };
        var saved = _frame;
        _frame = frame;
        LocalTable result;
        try
        {
            var def = DdlReader.ReadDeclaredTable(doc!, new QualifiedName(null, rt.DeclareTableVariableBody.VariableName.Value), rt.DeclareTableVariableBody.Definition, at);
            result = CreateLocal(rt.DeclareTableVariableBody.VariableName.Value, def, at);
            RunList(fn.StatementList.Statements);
        }
        finally { _frame = saved; }
        // The result outlives the function's frame: the caller's frame drops it.
        _frame.Tables["@@tvf" + result.PhysicalName] = result;
        return result;
    }
}
