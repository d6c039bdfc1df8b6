using EtlAgent.Core.Workspace;

namespace EtlAgent.Cli.Tests;

/// <summary>
/// For a test of what the command does when no SQL Server is configured: with ETLAGENT_SQLSERVER set
/// the command would run on that server instead, so the test is reported as skipped, with the reason.
/// </summary>
public sealed class WithoutSqlServerFactAttribute : FactAttribute
{
    public WithoutSqlServerFactAttribute()
    {
        if (!string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(SandboxSettings.EnvironmentVariable)))
            Skip = $"{SandboxSettings.EnvironmentVariable} is set: the command runs on that SQL Server, and this test checks the embedded sandbox and the connection-string guard without one (unset it to run the test).";
    }
}
