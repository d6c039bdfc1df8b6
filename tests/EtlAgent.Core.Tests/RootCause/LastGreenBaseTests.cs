using EtlAgent.Core.Agent;
using EtlAgent.Core.Analysis;
using EtlAgent.Core.Memory;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Workspace;

namespace EtlAgent.Core.Tests.RootCause;

/// <summary>
/// The memory's last green version as the base of root-cause analysis: a full run whose cases all
/// pass keeps the procedure's file; after the file is broken, analysis compares with it (no --base
/// needed), --base wins over it, --no-base turns it off, and an unchanged file is no base.
/// </summary>
public sealed class LastGreenBaseTests : IDisposable
{
    private static readonly DateTime T0 = new(2026, 12, 1, 8, 0, 0, DateTimeKind.Utc);
    private readonly string _dir = Directory.CreateTempSubdirectory("etl-last-green-").FullName;

    private SqliteMemoryStore Store() => new(Path.Combine(_dir, "memory.db"));

    private static Engine Open(MemoryFileSource files, IMemoryStore store) =>
        Engine.Create(files, WorkspaceSettings.Default, new EngineHost(new SystemClock(), EnvironmentVariables.None) { Memory = store });

    private static Task<FullRunResult> RunAsync(IMemoryStore store, string procedure, int minute)
    {
        var files = DeletedStatementTests.Files(procedure);
        return Open(files, store).FullRun(files, new FullRunOptions { Generate = false, Timestamp = T0.AddMinutes(minute), NondeterminismBudget = TimeSpan.Zero })
            .RunAsync();
    }

    [Fact]
    public async Task A_green_run_keeps_the_file_and_a_later_green_run_of_the_same_text_or_a_red_one_leaves_it()
    {
        using var store = Store();
        var first = await RunAsync(store, "green.sql", 0);
        Assert.True(first.TestsPassed);
        var green = store.LastGreen("dbo.load")!; // names compare without case
        Assert.Equal(("dbo.Load", "load.sql", first.RunId), (green.Transformation, green.File, green.RunId));
        Assert.Equal(DeletedStatementTests.Fixture("green.sql"), green.Text);
        Assert.Equal(GreenVersion.HashOf(green.Text), green.Hash);

        await RunAsync(store, "green.sql", 1);
        Assert.Equal(first.RunId, store.LastGreen("dbo.Load")!.RunId); // the same text is not written again
        var red = await RunAsync(store, "deleted-middle.sql", 2);
        Assert.False(red.TestsPassed);
        Assert.Equal(green, store.LastGreen("dbo.Load"));
    }

    [Fact]
    public async Task A_broken_file_is_compared_with_the_memorys_last_green_version_without_a_base_given()
    {
        using var store = Store();
        var first = await RunAsync(store, "green.sql", 0);
        var (_, report) = await Open(DeletedStatementTests.Files("deleted-middle.sql"), store).AnalyzeFailuresAsync("dbo.Load", null, null);
        var f = Assert.Single(report.Failures);
        Assert.Equal(AnalysisBase.MemoryKind, report.Base.Kind);
        Assert.Equal((AnalysisBase.MemoryKind, first.RunId, "load.sql"), (f.Base.Kind, f.Base.RunId, f.Base.File));
        Assert.Equal("differential", f.Evidence);
        Assert.Equal(5, f.RootCause!.Line);
        Assert.Contains($"Compared with last green: run {first.RunId}, 2026-12-01 08:00 UTC.", f.Explanation);
        Assert.Equal($"last green: run {first.RunId}, 2026-12-01 08:00 UTC", f.Base.Describe());
    }

    [Fact]
    public async Task The_full_run_compares_its_failures_with_the_last_green_version()
    {
        using var store = Store();
        var first = await RunAsync(store, "green.sql", 0);
        var red = await RunAsync(store, "deleted-end.sql", 1);
        var f = Assert.Single(red.RootCauses.Failures);
        Assert.Equal((AnalysisBase.MemoryKind, first.RunId), (f.Base.Kind, f.Base.RunId));
        Assert.Equal(RootCauseAnalyzer.DeletedAtEnd, f.RootCause!.Edit!.Operator);
        Assert.Contains($"base: last green: run {first.RunId}", FullRunReport.Text(red));
    }

    [Fact]
    public async Task The_editors_heals_rank_the_statements_changed_since_the_last_green_version_first()
    {
        using var store = Store();
        var first = await RunAsync(store, "green.sql", 0);
        // as the editor asks after a test run: no root-cause analysis requested, the differential still ranks the suspects
        var result = await new HealRun(Open(DeletedStatementTests.Files("deleted-middle.sql"), store)) { UseConfiguredLlm = false }.SuggestAsync();
        var f = Assert.Single(result.RootCauses!.Failures);
        Assert.Equal((AnalysisBase.MemoryKind, first.RunId, "differential"), (f.Base.Kind, f.Base.RunId, f.Evidence));
        Assert.Equal(5, f.RootCause!.Line);

        // without a last green version nothing extra runs
        using var empty = new SqliteMemoryStore(":memory:");
        var plain = await new HealRun(Open(DeletedStatementTests.Files("deleted-middle.sql"), empty)) { UseConfiguredLlm = false }.SuggestAsync();
        Assert.Null(plain.RootCauses);
    }

    [Fact]
    public async Task A_git_base_wins_and_no_base_turns_the_memory_off()
    {
        using var store = Store();
        await RunAsync(store, "green.sql", 0);
        var engine = Open(DeletedStatementTests.Files("deleted-middle.sql"), store);
        var history = new MemoryFileHistory().Add("HEAD~1", "load.sql", DeletedStatementTests.Fixture("green.sql")).Add("HEAD~1", WorkspaceSettings.ManifestFile, "{}");
        var (_, git) = await engine.AnalyzeFailuresAsync("dbo.Load", history, "HEAD~1");
        Assert.Equal("git HEAD~1", Assert.Single(git.Failures).Base.Describe());

        var (_, none) = await engine.AnalyzeFailuresAsync("dbo.Load", null, null,
            new RootCauseOptions { Bases = BaseVersions.None("--no-base"), MutationBudget = TimeSpan.FromSeconds(30) });
        var f = Assert.Single(none.Failures);
        Assert.Equal("none (--no-base)", f.Base.Describe());
        Assert.NotEqual("differential", f.Evidence);
    }

    [Fact]
    public async Task A_file_unchanged_since_it_was_green_is_no_base()
    {
        using var store = Store();
        var first = await RunAsync(store, "green.sql", 0);
        // the test changed, not the code: a diff of the procedure's file has nothing to say
        var files = DeletedStatementTests.Files("green.sql");
        files.Add("tests/etl/dbo.Load.etltest.yaml", DeletedStatementTests.Fixture("dbo.Load.etltest.yaml").Replace("Amount: 6", "Amount: 7", StringComparison.Ordinal));
        var (_, report) = await Open(files, store).AnalyzeFailuresAsync("dbo.Load", null, null, new RootCauseOptions { MutationBudget = TimeSpan.FromSeconds(5) });
        var f = Assert.Single(report.Failures);
        Assert.Equal(AnalysisBase.NoneKind, f.Base.Kind);
        Assert.Equal($"load.sql is unchanged since the last green run {first.RunId}", f.Base.Reason);
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
