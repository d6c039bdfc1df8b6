using System.Diagnostics;
using DuckDB.NET.Data;
using EtlAgent.Core.Model;
using EtlAgent.Core.Syntax;
using EtlAgent.Core.Translation;
using Microsoft.SqlServer.TransactSql.ScriptDom;
using static EtlAgent.Core.Translation.SqlText;

namespace EtlAgent.Core.Sandbox.DuckDb;

/// <summary>One in-memory DuckDB database for one test case.</summary>
public sealed class DuckDbSandbox : ISandbox
{
    private static readonly DateTime DefaultClock = new(2000, 1, 1);
    private readonly DuckDBConnection _db;
    private readonly SandboxModel _model;
    private readonly SchemaState _schema;

    private readonly Action<DuckDBConnection, SchemaState>? _release;

    /// <param name="release">Takes the database back when the sandbox is disposed (reset and reuse); null: close it.</param>
    internal DuckDbSandbox(DuckDBConnection db, SandboxModel model, SchemaState schema, Action<DuckDBConnection, SchemaState>? release = null)
    {
        _release = release;
        _db = db;
        _model = model;
        _schema = schema;
    }

    /// <summary>The DuckDB connection (tests check which instance a case ran in).</summary>
    internal object ConnectionForTests => _db;

    /// <summary>The clock and seed the session variables hold (only <see cref="SetSession"/> sets them).</summary>
    private (DateTime Clock, int Seed)? _session;

    private void SetSession(DateTime clock, int seed)
    {
        if (_session == (clock, seed)) return;
        using var cmd = _db.CreateCommand();
        // DuckDB keeps microseconds: a 100-ns digit in the clock is flagged, and SYSDATETIME() in a
        // view or default refuses to run on it (GETDATE() rounds it away, as datetime does).
        var micro = new DateTime(clock.Ticks - clock.Ticks % 10);
        cmd.CommandText = $"SET VARIABLE tsql_clock = {Literal(micro, SqlTranslator.DateTime2)}; SET VARIABLE tsql_clock_100ns = {(clock.Ticks % 10 != 0 ? "true" : "false")}; SET VARIABLE tsql_seed = {seed};";
        cmd.ExecuteNonQuery();
        _session = (clock, seed);
    }

    public Task InsertRowsAsync(QualifiedName table, IReadOnlyList<SandboxRow> rows, CancellationToken cancellationToken = default)
    {
        var def = _model.Catalog.Find(table) ?? throw new ArgumentException($"Table {table} is not in the catalog.", nameof(table));
        if (rows.Count == 0) return Task.CompletedTask;
        _schema.Ensure(def.Name);
        SetSession(DefaultClock, 0);
        // One INSERT per set of columns given (rows usually share it).
        foreach (var group in rows.Select((Row, Index) => (Row, Index)).GroupBy(r => string.Join("\u0001", r.Row.Keys.Select(k => k.ToUpperInvariant()))))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var first = group.First().Row;
            var columns = first.Keys.Select(name => def.FindColumn(name) ?? throw new ArgumentException($"Column '{name}' is not in {table}.")).ToList();
            var values = group.Select(r => (r.Index, Sql: RowValues(def, columns, r.Row, r.Index))).ToList();
            string Insert(IEnumerable<string> rowSql) => columns.Count == 0
                ? string.Join(";", rowSql.Select(_ => $"INSERT INTO {Table(def.Name)} DEFAULT VALUES"))
                : $"INSERT INTO {Table(def.Name)} ({string.Join(", ", columns.Select(c => Id(c.Name)))}) VALUES {string.Join(", ", rowSql)}";
            if (def.ForeignKeys.Any(f => f.ReferencedTable == def.Name))
            {
                // DuckDB checks a foreign key on the table itself against the rows already in it, not
                // the others the same statement adds: a tree's rows go in one at a time, parents first.
                foreach (var i in ParentsFirst(def, group.Select(r => r.Row).ToList()))
                {
                    try { Exec(Insert(new[] { values[i].Sql })); }
                    catch (DuckDBException e) { throw RowError(def, values[i].Index, e); }
                }
            }
            else try
            {
                Exec(Insert(values.Select(v => v.Sql)));
            }
            catch (DuckDBException)
            {
                // The statement was rolled back as a whole: insert row by row to name the row at fault
                // (a duplicate is the second of its pair, as in SQL Server). The case fails anyway.
                foreach (var (index, sql) in values)
                {
                    try { Exec(Insert(new[] { sql })); }
                    catch (DuckDBException e) { throw RowError(def, index, e); }
                }
                throw;
            }
            // Explicit identity values (as with IDENTITY_INSERT ON) move the identity past them.
            if (columns.FirstOrDefault(c => c.Identity) is { } idc)
                Exec(SchemaBuilder.IdentityPastRows(def.Name, Table(def.Name), idc.Name));
        }
        return Task.CompletedTask;
    }

    /// <summary>
    /// Positions of <paramref name="rows"/> with each row after the rows its foreign keys on the
    /// table itself name; a cycle keeps the written order.
    /// </summary>
    private static List<int> ParentsFirst(TableDef def, List<SandboxRow> rows)
    {
        var keys = def.ForeignKeys.Where(f => f.ReferencedTable == def.Name).ToList();
        static string Key(SandboxRow r, IEnumerable<string> columns) =>
            string.Join("\u0001", columns.Select(c => Convert.ToString(r.GetValueOrDefault(c), System.Globalization.CultureInfo.InvariantCulture)?.ToUpperInvariant()));
        bool Names(int child, int parent) => child != parent && keys.Any(f =>
            f.Columns.All(c => rows[child].GetValueOrDefault(c) is not null) && Key(rows[child], f.Columns) == Key(rows[parent], f.ReferencedColumns));
        var pending = Enumerable.Range(0, rows.Count).ToList();
        var ordered = new List<int>();
        while (pending.Count > 0)
        {
            var next = pending.FirstOrDefault(i => !pending.Any(p => Names(i, p)), pending[0]);
            ordered.Add(next);
            pending.Remove(next);
        }
        return ordered;
    }

    private void Exec(string sql)
    {
        using var cmd = _db.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    /// <summary>One row's VALUES tuple; a value the sandbox cannot hold exactly is refused, naming the row.</summary>
    private static string RowValues(TableDef def, List<ColumnDef> columns, SandboxRow row, int index)
    {
        try
        {
            return "(" + string.Join(", ", columns.Select(col =>
            {
                Values.CheckEntering(row[col.Name], col.Type, $"column '{col.Name}' of {def.Name}:");
                return Literal(Values.Coerce(row[col.Name], col.Type), col.Type);
            })) + ")";
        }
        catch (UnsupportedConstructException e)
        {
            throw new GivenRowException(def.Name, index, null, e.Construct, e.Message, e);
        }
        catch (SandboxRuntimeError e)
        {
            throw new GivenRowException(def.Name, index, new SandboxError(e.Number, e.Message, e.Severity, e.State, null, null), null, $"Msg {e.Number}, Level {e.Severity}: {e.Message}", e);
        }
    }

    /// <summary>A failed insert of one given row, worded as SQL Server words it (constraint name, table, key value).</summary>
    private static GivenRowException RowError(TableDef def, int index, DuckDBException e)
    {
        if (e.Message.LastIndexOf(UnsupportedMarker, StringComparison.Ordinal) is int at and >= 0)
        {
            var construct = e.Message[(at + UnsupportedMarker.Length)..].Split('\n')[0].TrimEnd();
            return new GivenRowException(def.Name, index, null, construct, construct + " is not supported by the sandbox.", e);
        }
        var mapped = ErrorMapper.Map(e);
        if (ErrorMapper.IsUnmapped(mapped))
            return new GivenRowException(def.Name, index, null, $"a given row of {def.Name}", $"a given row of {def.Name} is not supported by the sandbox: {mapped.Message}.", e);
        if (mapped.Number is 2627 or 547 or 515) mapped = ErrorMapper.WithConstraint(mapped, def, "INSERT");
        return new GivenRowException(def.Name, index, new SandboxError(mapped.Number, mapped.Message, mapped.Severity, mapped.State, null, null), null,
            $"Msg {mapped.Number}, Level {mapped.Severity}, State {mapped.State}: {mapped.Message}", e);
    }

    public Task<IReadOnlyList<SandboxRow>> ReadTableAsync(QualifiedName table, CancellationToken cancellationToken = default)
    {
        var def = _model.Catalog.Find(table) ?? throw new ArgumentException($"{table} is not in the catalog.", nameof(table));
        if (_model.Problems.TryGetValue(def.Name, out var problem)) throw SchemaState.Refusal(problem);
        // a stand-in the code dropped holds no rows
        if (_schema.Dropped(def.Name)) return Task.FromResult<IReadOnlyList<SandboxRow>>(Array.Empty<SandboxRow>());
        _schema.Ensure(def.Name);
        using var cmd = _db.CreateCommand();
        cmd.CommandText = $"SELECT {string.Join(", ", def.Columns.Select(c => Id(c.Name)))} FROM {Table(def.Name)}";
        using var r = cmd.ExecuteReader();
        var rows = new List<SandboxRow>();
        while (r.Read())
        {
            var row = new SandboxRow();
            for (int i = 0; i < def.Columns.Count; i++)
                row[def.Columns[i].Name] = r.IsDBNull(i) ? null : Values.Coerce(Values.FromDuck(r.GetValue(i)), def.Columns[i].Type);
            rows.Add(row);
        }
        return Task.FromResult<IReadOnlyList<SandboxRow>>(rows);
    }

    /// <summary>A table of the catalog exists until the code drops it (only tables defined nowhere can be dropped here).</summary>
    public Task<bool> TableExistsAsync(QualifiedName table, CancellationToken cancellationToken = default) =>
        Task.FromResult(_model.Catalog.Find(table) is { } def && !_schema.Dropped(def.Name));

    public Task<ExecutionResult> ExecuteAsync(ExecutionRequest request, CancellationToken cancellationToken = default)
    {
        var sw = Stopwatch.StartNew();
        var clock = request.Clock ?? DefaultClock;
        SetSession(clock, request.Seed);
        var interp = new Interpreter(_db, _model, _schema, clock, request.Seed, cancellationToken);
        var outputs = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
        int? rc = null;
        SandboxError? error = null;
        try
        {
            if (request.InTransaction) interp.BeginCallerTransaction();
            rc = Run(interp, request, outputs);
            if (interp.FirstUncaughtError is { } first) error = ToError(first);
        }
        catch (SandboxRuntimeError e) { error = ToError(interp.FirstUncaughtError ?? e); }
        catch (DuckDBException e)
        {
            throw new UnsupportedConstructException($"the call of {request.Transformation}", null, ErrorMapper.Describe(e));
        }
        catch (Exception e) when (e is not (UnsupportedConstructException or InternalErrorException or OperationCanceledException) && e.GetType() != typeof(ArgumentException))
        {
            // a defect outside any statement (binding the arguments, reading the outputs)
            throw new InternalErrorException($"transformation {request.Transformation}", "the call", null, e);
        }
        finally
        {
            interp.EndCall();
        }
        return Task.FromResult(new ExecutionResult(error, interp.ResultSets, interp.Messages, rc, outputs, sw.Elapsed) { Covered = interp.Covered, Caught = interp.Caught.Select(ToError).ToList() });
    }

    /// <summary>
    /// Runs ad-hoc T-SQL (one or more GO-separated batches) in this sandbox: for the conformance
    /// suite, for checking a patch, for a scratch query. Same semantics as a script transformation.
    /// </summary>
    public Task<ExecutionResult> ExecuteSqlAsync(string text, DateTime? clock = null, int seed = 0, CancellationToken cancellationToken = default)
    {
        var sw = Stopwatch.StartNew();
        var c = clock ?? DefaultClock;
        SetSession(c, seed);
        var interp = new Interpreter(_db, _model, _schema, c, seed, cancellationToken);
        SandboxError? error = null;
        try
        {
            interp.RunScript(Parse(text, "(sql)"));
            if (interp.FirstUncaughtError is { } first) error = ToError(first);
        }
        catch (SandboxRuntimeError e) { error = ToError(interp.FirstUncaughtError ?? e); }
        finally
        {
            if (interp.TranCount > 0)
                try { using var cmd = _db.CreateCommand(); cmd.CommandText = "ROLLBACK"; cmd.ExecuteNonQuery(); _schema.RolledBack(); } catch (DuckDBException) { }
        }
        return Task.FromResult(new ExecutionResult(error, interp.ResultSets, interp.Messages, null, new Dictionary<string, object?>(), sw.Elapsed));
    }

    private static SandboxError ToError(SandboxRuntimeError e)
    {
        var doc = e.Data["document"] as SqlDocument;
        var stmt = e.Data["statement"] as TSqlFragment;
        // an error inside dynamic SQL is placed at the statement of the source that ran the text (the text has no file)
        if (e.Data["exec"] is Location exec)
            return new SandboxError(e.Number, e.Message, e.Severity, e.State, exec,
                doc is not null && stmt is not null ? FirstLine(doc.TextOf(stmt)) : null) { DynamicLine = e.Data["line"] as int? };
        // the text did not parse: the error is the EXEC's, with the line of the text the parser stopped at
        return new SandboxError(e.Number, e.Message, e.Severity, e.State,
            doc is not null && stmt is not null ? doc.LocationOf(stmt) : null,
            doc is not null && stmt is not null ? FirstLine(doc.TextOf(stmt)) : null) { DynamicLine = e.Data["dynamicLine"] as int? };
    }

    private static string FirstLine(string s)
    {
        var t = s.Trim();
        int nl = t.IndexOf('\n');
        return nl < 0 ? t : t[..nl].TrimEnd('\r');
    }

    private int? Run(Interpreter interp, ExecutionRequest request, Dictionary<string, object?> outputs)
    {
        var name = request.Transformation;
        var t = _model.Transformations.FirstOrDefault(x => string.Equals(x.Transformation.Name, name, StringComparison.OrdinalIgnoreCase));
        if (t is null && QualifiedName.Parse(name) is var qn)
        {
            if (_model.Procedures.TryGetValue(qn, out var p)) t = p;
            else if (_model.Functions.TryGetValue(qn, out var f)) t = f;
        }
        if (t is null)
        {
            // A script path, or a view/table name.
            var doc = _model.Document(name);
            if (doc is not null) { interp.RunScript(doc); return null; }
            throw new ArgumentException($"No transformation named '{name}' in the workspace.");
        }
        switch (t.Transformation.Kind)
        {
            case TransformationKind.Procedure:
                return interp.RunProcedure(QualifiedName.Parse(t.Transformation.Name), request.Arguments, outputs, null);
            case TransformationKind.View:
            {
                var text = $"SELECT * FROM {BracketName(t.Transformation.Name)};";
                interp.RunBatch(Parse(text), Parse(text).Script!.Batches[0].Statements);
                return null;
            }
            case TransformationKind.Function:
            {
                var fn = (FunctionStatementBody)t.Syntax.Definition!;
                var args = string.Join(", ", fn.Parameters.Select(p => request.Arguments.TryGetValue(p.VariableName.Value, out var v) ? CallLiteral(v) : "NULL"));
                var text = fn.ReturnType is ScalarFunctionReturnType
                    ? $"SELECT {BracketName(t.Transformation.Name)}({args}) AS [Result];"
                    : $"SELECT * FROM {BracketName(t.Transformation.Name)}({args});";
                var doc = Parse(text);
                interp.RunBatch(doc, doc.Script!.Batches[0].Statements);
                return null;
            }
            case TransformationKind.Script:
                interp.RunScript(Parse(t.Document.Text, t.Document.Path));
                return null;
        }
        return null;
    }

    private static SqlDocument Parse(string text, string path = "(sandbox call)") => new SqlParser().Parse(path, text);

    private static string BracketName(string name) => string.Join(".", QualifiedName.SplitParts(name).Select(p => "[" + p.Replace("]", "]]") + "]"));

    /// <summary>A value as a T-SQL literal for the generated call text.</summary>
    private static string CallLiteral(object? v) => v switch
    {
        null => "NULL",
        string s => "N'" + s.Replace("'", "''") + "'",
        bool b => b ? "1" : "0",
        DateTime d => "'" + d.ToString("yyyy-MM-ddTHH:mm:ss.fffffff", System.Globalization.CultureInfo.InvariantCulture) + "'",
        Guid g => "'" + g + "'",
        IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
        _ => "N'" + v.ToString()!.Replace("'", "''") + "'",
    };

    private int _disposed;

    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return ValueTask.CompletedTask;
        if (_release is not null) _release(_db, _schema);
        else _db.Dispose();
        return ValueTask.CompletedTask;
    }
}
