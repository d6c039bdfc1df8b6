using EtlAgent.Core.Governance;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Sandbox.SqlServer;
using EtlAgent.Core.Workspace;

namespace EtlAgent.Core.Sandbox;

/// <summary>
/// Chooses the sandbox engine for a workspace: SQL Server when a connection string is configured
/// (ETLAGENT_SQLSERVER, else etl-agent.json sandbox.connectionString) and the engine is "auto" or
/// "sqlserver"; otherwise the embedded sandbox, when the host supplies one (the engine's composition
/// root passes the DuckDB sandbox with its instance pool).
/// </summary>
public sealed class SandboxFactoryProvider
{
    /// <summary>Creates the embedded (in-process) sandbox factory for a setup.</summary>
    public delegate ISandboxFactory EmbeddedSandbox(SandboxSetup setup, IFileSource files);

    private readonly SandboxSettings _settings;
    private readonly IFileSource _files;
    private readonly string? _environmentConnectionString;
    private readonly EmbeddedSandbox? _embedded;

    /// <param name="environment">Reads an environment variable (the core reads no process state itself).</param>
    /// <param name="embedded">The embedded engine; null: none.</param>
    public SandboxFactoryProvider(SandboxSettings settings, IFileSource files, Func<string, string?> environment, EmbeddedSandbox? embedded = null)
    {
        _settings = settings;
        _files = files;
        var fromEnvironment = environment(SandboxSettings.EnvironmentVariable);
        _environmentConnectionString = string.IsNullOrWhiteSpace(fromEnvironment) ? null : fromEnvironment;
        _embedded = embedded;
    }

    public bool HasEmbedded => _embedded is not null;

    /// <summary>The policy (policy.touchSqlServer) and the trail refusals are recorded in; null: no policy, nothing recorded.</summary>
    public Governor? Governor { get; init; }

    private bool _refusalRecorded;

    /// <summary>The SQL Server connection string in effect (environment first, then the manifest).</summary>
    public string? SqlServerConnectionString => _environmentConnectionString ?? _settings.ConnectionString;

    /// <summary>Where the connection string came from, for messages.</summary>
    public string ConnectionStringSource => _environmentConnectionString is not null
        ? $"the {SandboxSettings.EnvironmentVariable} environment variable"
        : $"{WorkspaceSettings.ManifestFile} sandbox.connectionString";

    /// <summary>Checks the choice without creating anything: throws what <see cref="Create"/> would throw for a configuration problem.</summary>
    public string Describe() => Choose() switch
    {
        Engine.SqlServer => $"SQL Server (connection string from {ConnectionStringSource})",
        _ => "embedded sandbox",
    };

    /// <exception cref="ConfigurationException">No engine can be used, or the SQL Server target is refused by the production guard.</exception>
    public ISandboxFactory Create(SandboxSetup setup) => Choose() switch
    {
        Engine.SqlServer => new SqlServerSandboxFactory(setup, SqlServerConnectionString!, _settings.AllowDatabases, _files)
        {
            Refused = (database, reason) => Governor?.ProductionGuardRefused(database, reason),
        },
        _ => _embedded!(setup, _files),
    };

    private enum Engine { Embedded, SqlServer }

    private Engine Choose()
    {
        var connection = SqlServerConnectionString;
        switch (_settings.Engine)
        {
            case "sqlserver":
                if (connection is null)
                    throw new ConfigurationException($"{WorkspaceSettings.ManifestFile} asks for the SQL Server sandbox (sandbox.engine = \"sqlserver\") but no connection string is set: set {SandboxSettings.EnvironmentVariable} or sandbox.connectionString.");
                return GuardedSqlServer(connection);
            case "embedded":
                return _embedded is not null ? Engine.Embedded : throw NoEmbedded(askedFor: true);
            default:
                if (connection is not null) return GuardedSqlServer(connection);
                return _embedded is not null ? Engine.Embedded : throw NoEmbedded(askedFor: false);
        }
    }

    /// <summary>The policy first (policy.touchSqlServer), then the production guard; a refusal is recorded once per provider.</summary>
    private Engine GuardedSqlServer(string connection)
    {
        if (Governor is { Policy.TouchSqlServer: false } governor)
        {
            var what = $"not running tests on SQL Server (connection string from {ConnectionStringSource})";
            var message = $"{what}: policy.touchSqlServer is false in {WorkspaceSettings.ManifestFile}; unset {SandboxSettings.EnvironmentVariable} and sandbox.connectionString to use the embedded sandbox, or allow it in the policy";
            if (!_refusalRecorded) { _refusalRecorded = true; governor.Refuse("policy.touchSqlServer", "SQL Server sandbox", what); }
            throw new ConfigurationException(message);
        }
        var decision = ProductionGuard.Check(connection, _settings.AllowDatabases);
        if (!decision.Allowed)
        {
            if (!_refusalRecorded) { _refusalRecorded = true; Governor?.ProductionGuardRefused(decision.Database ?? "SQL Server sandbox", decision.Reason); }
            throw new ConfigurationException($"SQL Server sandbox (connection string from {ConnectionStringSource}): {decision.Reason}");
        }
        return Engine.SqlServer;
    }

    private static ConfigurationException NoEmbedded(bool askedFor) => new(
        (askedFor ? "sandbox.engine is \"embedded\", but the " : "no sandbox to run tests in: the ") +
        $"embedded sandbox is not available in this build, and {SandboxSettings.EnvironmentVariable} is not set. " +
        $"Set {SandboxSettings.EnvironmentVariable} to the connection string of a SQL Server sandbox database " +
        "(its name must end with _sandbox, _test or _tests, or be listed in etl-agent.json sandbox.allowDatabase).");
}
