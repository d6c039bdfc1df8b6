using DuckDB.NET.Data;

namespace EtlAgent.Core.Sandbox.DuckDb;

/// <summary>
/// The embedded sandbox: one in-memory DuckDB per test case, external access off, configuration
/// locked after set-up. The schema script is built once per factory and replayed per case.
/// </summary>
public sealed class DuckDbSandboxFactory : ISandboxFactory
{
    private readonly SandboxModel _model;

    public DuckDbSandboxFactory(SandboxSetup setup)
    {
        _model = new SandboxModel(setup.Workspace, setup.EnforceForeignKeys);
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
                cmd.CommandText = _model.SchemaScript + "\nSET threads = 1;\nSET lock_configuration = true;";
                cmd.ExecuteNonQuery();
            }
            return Task.FromResult<ISandbox>(new DuckDbSandbox(connection, _model));
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
