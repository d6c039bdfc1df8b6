using EtlAgent.Core.Catalog;
using EtlAgent.Core.Model;
using EtlAgent.Core.Sandbox;

namespace EtlAgent.Core.Tests.Sandbox;

/// <summary>
/// An in-memory database for runner tests: rows per table, identity values generated for rows
/// that omit them, constant defaults applied, reads in catalog column order. It runs no SQL: a
/// test supplies what "executing" the transformation does, as a delegate over this database.
/// </summary>
public sealed class FakeDatabase(SchemaCatalog catalog)
{
    private readonly Dictionary<QualifiedName, List<SandboxRow>> _tables = new();
    private readonly Dictionary<QualifiedName, long> _identity = new();

    public SchemaCatalog Catalog { get; } = catalog;

    public List<SandboxRow> Rows(string table) => Rows(QualifiedName.Parse(table));

    public List<SandboxRow> Rows(QualifiedName table)
    {
        var def = Catalog.Find(table) ?? throw new InvalidOperationException($"Invalid object name '{table}'.");
        if (def.Kind != TableKind.Table) throw new InvalidOperationException($"{table} is not a table.");
        if (!_tables.TryGetValue(table, out var rows)) _tables[table] = rows = new List<SandboxRow>();
        return rows;
    }

    public void Insert(QualifiedName table, SandboxRow given)
    {
        var def = Catalog.Find(table)!;
        var row = new SandboxRow();
        foreach (var (column, _) in given)
            if (def.FindColumn(column) is null) throw new InvalidOperationException($"Invalid column name '{column}'.");
        foreach (var c in def.Columns)
        {
            if (c.Computed is not null) continue;
            if (given.TryGetValue(c.Name, out var v) && (v is not null || c.Nullable)) row[c.Name] = v;
            else if (given.ContainsKey(c.Name)) throw new InvalidOperationException($"Cannot insert the value NULL into column '{c.Name}', table '{table}'; column does not allow nulls.");
            else if (c.Identity) row[c.Name] = NextIdentity(table);
            else if (c.Sequence is { } sequence) row[c.Name] = (int)NextSequence(sequence);
            else if (c.Default is { } d && ConstantDefault(d, c.Type) is { } constant) row[c.Name] = constant;
            else if (!c.Nullable) throw new InvalidOperationException($"Cannot insert the value NULL into column '{c.Name}', table '{table}'; column does not allow nulls.");
            else row[c.Name] = null;
        }
        if (def.Columns.FirstOrDefault(c => c.Identity) is { } id && given.TryGetValue(id.Name, out var explicitValue) && explicitValue is not null)
            _identity[table] = Math.Max(_identity.GetValueOrDefault(table), Convert.ToInt64(explicitValue));
        Rows(table).Add(row);
    }

    public long NextIdentity(QualifiedName table) => _identity[table] = _identity.GetValueOrDefault(table) + 1;

    private readonly Dictionary<QualifiedName, long> _sequences = new();

    public long NextSequence(QualifiedName sequence) => _sequences[sequence] = _sequences.GetValueOrDefault(sequence) + 1;

    /// <summary>What the fake's "clock" defaults (SYSDATETIME(), GETDATE()) give.</summary>
    public static readonly DateTime Now = new(2000, 1, 1);

    private static object? ConstantDefault(string expression, SqlType type)
    {
        if (expression.Contains("SYSDATETIME", StringComparison.OrdinalIgnoreCase) || expression.Contains("GETDATE", StringComparison.OrdinalIgnoreCase)) return Now;
        var t = expression.Trim().Trim('(', ')').Trim();
        if (long.TryParse(t, out _)) return EtlAgent.Core.Sandbox.TestFiles.TestValues.TryConvert(t, true, type, out var n, out _) ? n : null;
        if (t.StartsWith("N'", StringComparison.Ordinal)) t = t[1..];
        if (t.StartsWith('\'') && t.EndsWith('\'') && t.Length >= 2)
            return EtlAgent.Core.Sandbox.TestFiles.TestValues.TryConvert(t[1..^1], false, type, out var v, out _) ? v : t[1..^1];
        return null; // other function defaults are the real sandbox's business
    }

    public IReadOnlyList<SandboxRow> Read(QualifiedName table)
    {
        var def = Catalog.Find(table) ?? throw new InvalidOperationException($"Invalid object name '{table}'.");
        return Rows(table).Select(r => new SandboxRow(def.Columns.Select(c => new KeyValuePair<string, object?>(c.Name, r.GetValueOrDefault(c.Name))))).ToList();
    }
}

/// <summary>What "running" a transformation does in the fake: mutate the database and return a result (null: success, nothing returned).</summary>
public delegate ExecutionResult? FakeExecution(FakeDatabase database, ExecutionRequest request);

public sealed class FakeSandboxFactory(SandboxSetup setup, FakeExecution execute) : ISandboxFactory
{
    public SandboxSetup Setup { get; } = setup;
    public int Created { get; private set; }
    public int Disposed { get; private set; }
    public List<FakeSandbox> Sandboxes { get; } = new();
    public bool FactoryDisposed { get; private set; }

    public string Name => "fake";

    /// <summary>How long "executing" takes (honouring cancellation), to test timeouts.</summary>
    public TimeSpan ExecuteDelay { get; init; }

    public Task<ISandbox> CreateAsync(CancellationToken cancellationToken = default)
    {
        Created++;
        var sandbox = new FakeSandbox(new FakeDatabase(Setup.Workspace.Catalog), execute, () => Disposed++) { ExecuteDelay = ExecuteDelay };
        Sandboxes.Add(sandbox);
        return Task.FromResult<ISandbox>(sandbox);
    }

    public ValueTask DisposeAsync()
    {
        FactoryDisposed = true;
        return ValueTask.CompletedTask;
    }
}

public sealed class FakeSandbox(FakeDatabase database, FakeExecution execute, Action onDispose) : ISandbox
{
    public FakeDatabase Database { get; } = database;
    public List<ExecutionRequest> Requests { get; } = new();
    public List<QualifiedName> InsertOrder { get; } = new();

    public Task InsertRowsAsync(QualifiedName table, IReadOnlyList<SandboxRow> rows, CancellationToken cancellationToken = default)
    {
        InsertOrder.Add(table);
        foreach (var r in rows) Database.Insert(table, r);
        return Task.CompletedTask;
    }

    public TimeSpan ExecuteDelay { get; init; }

    public async Task<ExecutionResult> ExecuteAsync(ExecutionRequest request, CancellationToken cancellationToken = default)
    {
        Requests.Add(request);
        if (ExecuteDelay > TimeSpan.Zero) await Task.Delay(ExecuteDelay, cancellationToken);
        return execute(Database, request) ?? Result();
    }

    public Task<IReadOnlyList<SandboxRow>> ReadTableAsync(QualifiedName table, CancellationToken cancellationToken = default) =>
        Task.FromResult(Database.Read(table));

    /// <summary>The fake's code drops no table.</summary>
    public Task<bool> TableExistsAsync(QualifiedName table, CancellationToken cancellationToken = default) => Task.FromResult(true);

    public ValueTask DisposeAsync()
    {
        onDispose();
        return ValueTask.CompletedTask;
    }

    public static ExecutionResult Result(SandboxError? error = null, IReadOnlyList<ResultSet>? sets = null, IReadOnlyList<string>? messages = null) =>
        new(error, sets ?? Array.Empty<ResultSet>(), messages ?? Array.Empty<string>(), 0, new Dictionary<string, object?>(), TimeSpan.FromMilliseconds(1));
}
