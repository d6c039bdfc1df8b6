using DuckDB.NET.Data;

namespace EtlAgent.Core.Sandbox.DuckDb;

/// <summary>
/// The embedded sandbox: one in-memory DuckDB per test case, external access off, configuration
/// locked after set-up. The schema script is built once per factory and replayed per case.
/// </summary>
public sealed class DuckDbSandboxFactory : ISandboxFactory
{
    private readonly SandboxModel _model;

    private readonly bool _lazySchema;

    /// <param name="lazySchema">Create each table/view on first use (default) rather than all of them per case.</param>
    public DuckDbSandboxFactory(SandboxSetup setup, bool lazySchema = true)
    {
        _model = new SandboxModel(setup.Workspace, setup.EnforceForeignKeys);
        _lazySchema = lazySchema;
    }

    public string Name => "duckdb";

    /// <summary>The DDL every sandbox starts from (for inspection and diagnostics).</summary>
    public string SchemaScript => _model.SchemaScript;

    /// <summary>Objects left out of the sandbox schema, with the reason (e.g. a view using an unsupported construct).</summary>
    public IReadOnlyList<string> Skipped => _model.Skipped;

    public Task<ISandbox> CreateAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var connection = new DuckDBConnection("DataSource=:memory:;enable_external_access=false;autoload_known_extensions=false;autoinstall_known_extensions=false");
        connection.Open();
        try
        {
            using (var cmd = connection.CreateCommand())
            {
                cmd.CommandText = (_lazySchema ? _model.BaseScript : _model.SchemaScript) + "\nSET threads = 1;\nSET lock_configuration = true;";
                cmd.ExecuteNonQuery();
            }
            return Task.FromResult<ISandbox>(new DuckDbSandbox(connection, _model, new SchemaState(connection, _model, everything: !_lazySchema)));
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
