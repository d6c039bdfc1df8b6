using DuckDB.NET.Data;
using EtlAgent.Core.Ports;

namespace EtlAgent.Core.Sandbox.DuckDb;

/// <summary>
/// The embedded sandbox: one in-memory DuckDB per test case, external access off, configuration
/// locked after set-up. Each table or view is translated once per catalog (<see cref="PreparedCatalog"/>)
/// and created in a case only when the case touches it, in a database of its own attached to a
/// reused DuckDB instance (<see cref="SandboxPool"/>).
/// </summary>
public sealed class DuckDbSandboxFactory : ISandboxFactory
{
    private readonly SandboxModel _model;

    private readonly bool _lazySchema;

    /// <param name="lazySchema">Create each table/view on first use (default) rather than all of them per case.</param>
    public DuckDbSandboxFactory(SandboxSetup setup, bool lazySchema = true) : this(setup, null, null, lazySchema) { }

    /// <param name="files">Where to re-read a transformation's file when the analysis dropped its syntax (may be null when it kept it).</param>
    /// <param name="pool">Reused DuckDB instances (the engine's); null: every case opens an instance of its own.</param>
    /// <param name="catalogs">Catalogs already prepared (the engine's, shared by its factories); null: this factory prepares its own.</param>
    public DuckDbSandboxFactory(SandboxSetup setup, IFileSource? files, SandboxPool? pool = null, bool lazySchema = true, PreparedCatalogs? catalogs = null)
    {
        _model = new SandboxModel(setup.Workspace.For(setup.Serves), setup.EnforceForeignKeys, files, catalogs);
        _lazySchema = lazySchema;
        // only for runs of one known transformation: ad-hoc SQL could hold a MERGE (see SandboxModel.ReachesDuckDbMerge)
        _pool = lazySchema && pool is { Enabled: true } && setup.Serves is { } serves && !_model.ReachesDuckDbMerge(serves) ? pool : null;
    }

    /// <summary>Where cases run in databases attached to reused instances; null: an instance per case.</summary>
    private readonly SandboxPool? _pool;

    public string Name => "duckdb";

    /// <summary>The DDL every sandbox starts from (for inspection and diagnostics).</summary>
    public string SchemaScript => _model.SchemaScript;

    /// <summary>The catalog's DDL this factory's sandboxes are built from (tests check what was translated).</summary>
    internal PreparedCatalog Schema => _model.Schema;

    /// <summary>Objects left out of the sandbox schema, with the reason (e.g. a view using an unsupported construct).</summary>
    public IReadOnlyList<string> Skipped => _model.Skipped;

    public Task<ISandbox> CreateAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!_lazySchema)
        {
            var eager = OpenLocked();
            try
            {
                RunEach(eager, _model.BaseStatements);
                RunEach(eager, new[] { Translation.Macros.Script });
                RunEach(eager, _model.Objects.Values.SelectMany(o => o.Statements));
            }
            catch
            {
                eager.Dispose();
                throw;
            }
            return Task.FromResult<ISandbox>(new DuckDbSandbox(eager, _model, new SchemaState(eager, _model, everything: true)));
        }
        // A new database in a pooled instance (see SandboxPool): the same state as a new instance.
        var statements = _model.BaseStatements;
        if (_pool is { } pool && pool.Take(statements) is { } pooled)
            return Task.FromResult<ISandbox>(new DuckDbSandbox(pooled, _model, new SchemaState(pooled, _model, everything: false, macrosInPlace: true),
                (c, _) => pool.Return(c)));
        var connection = OpenLocked();
        try { RunEach(connection, statements); }
        catch
        {
            connection.Dispose();
            throw;
        }
        return Task.FromResult<ISandbox>(new DuckDbSandbox(connection, _model, new SchemaState(connection, _model, everything: false)));
    }

    /// <summary>
    /// The only settings a sandbox has, fixed text with nothing from user code: every statement
    /// built from the workspace runs after them, once the configuration is locked.
    /// </summary>
    private static readonly string[] Settings =
    {
        "SET default_collation = 'nocase'",
        "SET threads = 1",
        "SET lock_configuration = true",
    };

    /// <summary>
    /// A fresh in-memory database that cannot reach files, the network or other databases: external
    /// access off and extension auto-install/auto-load off at open, then the fixed settings and the
    /// configuration locked, before any statement derived from user code runs (so none can change
    /// any of it back).
    /// </summary>
    internal static DuckDBConnection OpenLocked()
    {
        var connection = new DuckDBConnection("DataSource=:memory:;threads=1;enable_external_access=false;autoload_known_extensions=false;autoinstall_known_extensions=false");
        connection.Open();
        try
        {
            HostFunctions.Register(connection);
            RunEach(connection, Settings);
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Runs statements one at a time, each its own command (none is ever split out of another's text).</summary>
    internal static void RunEach(DuckDBConnection connection, IEnumerable<string> statements)
    {
        foreach (var statement in statements)
        {
            using var cmd = connection.CreateCommand();
            cmd.CommandText = statement;
            cmd.ExecuteNonQuery();
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
