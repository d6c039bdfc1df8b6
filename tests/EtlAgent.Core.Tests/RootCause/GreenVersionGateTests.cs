using EtlAgent.Core.Agent;
using EtlAgent.Core.Memory;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Workspace;

namespace EtlAgent.Core.Tests.RootCause;

/// <summary>
/// The memory keeps a transformation's last green version only when all of its tests passed: a
/// test file of it that does not load (ETL0101) keeps the version out even though every case that
/// ran passed.
/// </summary>
public sealed class GreenVersionGateTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("etl-green-gate-").FullName;

    private Task<FullRunResult> RunAsync(IMemoryStore store, MemoryFileSource files) =>
        Engine.Create(files, WorkspaceSettings.Default, new EngineHost(new SystemClock(), EnvironmentVariables.None) { Memory = store })
            .FullRun(files, new FullRunOptions { Generate = false, Timestamp = new DateTime(2026, 12, 1, 8, 0, 0, DateTimeKind.Utc), NondeterminismBudget = TimeSpan.Zero })
            .RunAsync();

    [Fact]
    public async Task A_test_file_that_does_not_load_keeps_the_green_version_out_of_the_memory()
    {
        using var store = new SqliteMemoryStore(Path.Combine(_dir, "memory.db"));
        var files = DeletedStatementTests.Files("green.sql")
            .Add("tests/etl/dbo.Load.more.etltest.yaml", "transformation: dbo.Load\ncases:\n  - name: names a table that does not exist\n    given:\n      dbo.Nowhere:\n        - {Id: 1}\n    expect:\n      dbo.Dst:\n        rows: []\n");
        var run = await RunAsync(store, files);
        Assert.NotEmpty(run.TestFileErrors);
        Assert.True(run.Tests.Cases.Count > 0 && run.Tests.Cases.All(c => c.Outcome == EtlAgent.Core.Sandbox.Runner.TestOutcome.Passed)); // the cases that ran passed
        Assert.Null(store.LastGreen("dbo.Load"));

        // the same workspace without the broken file: green, and kept
        var ok = await RunAsync(store, DeletedStatementTests.Files("green.sql"));
        Assert.Equal(ok.RunId, store.LastGreen("dbo.Load")!.RunId);
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
