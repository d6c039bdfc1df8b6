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

    private void SetSession(DateTime clock, int seed)
    {
        using var cmd = _db.CreateCommand();
        cmd.CommandText = $"SET VARIABLE tsql_clock = {Literal(clock, SqlTranslator.DateTime2)}; SET VARIABLE tsql_seed = {seed};";
        cmd.ExecuteNonQuery();
    }

    public Task InsertRowsAsync(QualifiedName table, IReadOnlyList<SandboxRow> rows, CancellationToken cancellationToken = default)
    {
        var def = _model.Catalog.Find(table) ?? throw new ArgumentException($"Table {table} is not in the catalog.", nameof(table));
        if (rows.Count == 0) return Task.CompletedTask;
        _schema.Ensure(def.Name);
        SetSession(DefaultClock, 0);
        // One INSERT per set of columns given (rows usually share it).
        foreach (var group in rows.GroupBy(r => string.Join("\u0001", r.Keys.Select(k => k.ToUpperInvariant()))))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var first = group.First();
            var columns = first.Keys.Select(name => def.FindColumn(name) ?? throw new ArgumentException($"Column '{name}' is not in {table}.")).ToList();
            var values = group.Select(row => "(" + string.Join(", ", columns.Select(col => Literal(Values.Coerce(row[col.Name], col.Type), col.Type))) + ")");
            using var cmd = _db.CreateCommand();
            cmd.CommandText = columns.Count == 0
                ? string.Join(";", group.Select(_ => $"INSERT INTO {Table(def.Name)} DEFAULT VALUES"))
                : $"INSERT INTO {Table(def.Name)} ({string.Join(", ", columns.Select(c => Id(c.Name)))}) VALUES {string.Join(", ", values)}";
            try
            {
                cmd.ExecuteNonQuery();
                // Explicit identity values (as with IDENTITY_INSERT ON) move the identity past them.
                if (columns.FirstOrDefault(c => c.Identity) is { } idc)
                {
                    using var bump = _db.CreateCommand();
                    var seq = Str(Id(SchemaBuilder.IdentitySequence(def.Name)));
                    bump.CommandText = $"SELECT count(nextval({seq})) FROM range(CAST(greatest(0, (SELECT max({Id(idc.Name)}) FROM {Table(def.Name)}) - coalesce((SELECT last_value FROM duckdb_sequences() WHERE sequence_name = {Str(SchemaBuilder.IdentitySequence(def.Name))}), 0)) AS BIGINT))";
                    bump.ExecuteNonQuery();
                }
            }
            catch (DuckDBException e)
            {
                var err = ErrorMapper.Map(e);
                throw new InvalidOperationException($"Msg {err.Number}: {err.Message} (inserting into {table})", e);
            }
        }
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<SandboxRow>> ReadTableAsync(QualifiedName table, CancellationToken cancellationToken = default)
    {
        var def = _model.Catalog.Find(table) ?? throw new ArgumentException($"{table} is not in the catalog.", nameof(table));
        if (_model.Problems.TryGetValue(def.Name, out var problem)) throw problem;
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
            rc = Run(interp, request, outputs);
            if (interp.FirstUncaughtError is { } first) error = ToError(first);
        }
        catch (SandboxRuntimeError e) { error = ToError(interp.FirstUncaughtError ?? e); }
        finally
        {
            if (interp.TranCount > 0)
                try { using var cmd = _db.CreateCommand(); cmd.CommandText = "ROLLBACK"; cmd.ExecuteNonQuery(); _schema.RolledBack(); } catch (DuckDBException) { }
        }
        return Task.FromResult(new ExecutionResult(error, interp.ResultSets, interp.Messages, rc, outputs, sw.Elapsed) { Covered = interp.Covered });
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
        return new SandboxError(e.Number, e.Message, e.Severity, e.State,
            doc is not null && stmt is not null ? doc.LocationOf(stmt) : null,
            doc is not null && stmt is not null ? FirstLine(doc.TextOf(stmt)) : null);
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
