using DuckDB.NET.Data;
using EtlAgent.Core.Ports;

namespace EtlAgent.Core.Sandbox.DuckDb;

/// <summary>
/// The embedded sandbox: one in-memory DuckDB per test case, external access off, configuration
/// locked after set-up. The schema script is built once per factory and replayed per case, in a
/// database of its own attached to a reused DuckDB instance (<see cref="SandboxPool"/>).
/// </summary>
public sealed class DuckDbSandboxFactory : ISandboxFactory
{
    private readonly SandboxModel _model;

    private readonly bool _lazySchema;

    /// <param name="lazySchema">Create each table/view on first use (default) rather than all of them per case.</param>
    public DuckDbSandboxFactory(SandboxSetup setup, bool lazySchema = true) : this(setup, null, null, lazySchema) { }

    /// <param name="files">Where to re-read a transformation's file when the analysis dropped its syntax (may be null when it kept it).</param>
    /// <param name="pool">Reused DuckDB instances (the engine's); null: every case opens an instance of its own.</param>
    public DuckDbSandboxFactory(SandboxSetup setup, IFileSource? files, SandboxPool? pool = null, bool lazySchema = true)
    {
        _model = new SandboxModel(setup.Workspace, setup.EnforceForeignKeys, files);
        _lazySchema = lazySchema;
        // only for runs of one known transformation: ad-hoc SQL could hold a MERGE (see SandboxModel.ReachesDuckDbMerge)
        _pool = lazySchema && pool is { Enabled: true } && setup.Serves is { } serves && !_model.ReachesDuckDbMerge(serves) ? pool : null;
    }

    /// <summary>Where cases run in databases attached to reused instances; null: an instance per case.</summary>
    private readonly SandboxPool? _pool;

    public string Name => "duckdb";

    /// <summary>The DDL every sandbox starts from (for inspection and diagnostics).</summary>
    public string SchemaScript => _model.SchemaScript;

    /// <summary>Objects left out of the sandbox schema, with the reason (e.g. a view using an unsupported construct).</summary>
    public IReadOnlyList<string> Skipped => _model.Skipped;

    public Task<ISandbox> CreateAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!_lazySchema)
        {
            var eager = OpenLocked(_model.SchemaScript);
            return Task.FromResult<ISandbox>(new DuckDbSandbox(eager, _model, new SchemaState(eager, _model, everything: true)));
        }
        // A new database in a pooled instance (see SandboxPool): the same state as a new instance.
        var script = _model.BaseScript;
        if (_pool is { } pool && pool.Take(script) is { } pooled)
            return Task.FromResult<ISandbox>(new DuckDbSandbox(pooled, _model, new SchemaState(pooled, _model, everything: false),
                (c, _) => pool.Return(script, c)));
        var connection = OpenLocked(script);
        return Task.FromResult<ISandbox>(new DuckDbSandbox(connection, _model, new SchemaState(connection, _model, everything: false)));
    }

    /// <summary>
    /// A fresh in-memory database that cannot reach files, the network or other databases: external
    /// access off and extension auto-install/auto-load off at open; after the set-up script,
    /// one thread and the configuration locked so no statement can change any of it back.
    /// </summary>
    internal static DuckDBConnection OpenLocked(string setupScript)
    {
        var connection = new DuckDBConnection("DataSource=:memory:;threads=1;enable_external_access=false;autoload_known_extensions=false;autoinstall_known_extensions=false");
        connection.Open();
        try
        {
            using var cmd = connection.CreateCommand();
            cmd.CommandText = setupScript + "\nSET threads = 1;\nSET lock_configuration = true;";
            cmd.ExecuteNonQuery();
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
