using EtlAgent.Core.Workspace;

namespace EtlAgent.Core.Tests.Sandbox;

/// <summary>Runs only when ETLAGENT_SQLSERVER holds a connection string; otherwise the test is reported as skipped, with the reason.</summary>
public sealed class SqlServerFactAttribute : FactAttribute
{
    public SqlServerFactAttribute()
    {
        if (string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(SandboxSettings.EnvironmentVariable)))
            Skip = $"{SandboxSettings.EnvironmentVariable} is not set: SQL Server sandbox test skipped (set it to a connection string for a *_sandbox or *_test database to run it).";
    }
}
