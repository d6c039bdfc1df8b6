using EtlAgent.Core.Agent;
using EtlAgent.Core.Analysis;
using EtlAgent.Core.Memory;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Reporting;
using EtlAgent.Core.Sandbox.Runner;
using EtlAgent.Core.Tests.RootCause;
using EtlAgent.Core.Workspace;

namespace EtlAgent.Core.Tests.Healing;

/// <summary>
/// The heal output and "Explain failure" name the base the heals started from: the memory's last
/// green version with its run and time, a git ref, or none with the reason — as `analyze` does.
/// </summary>
public sealed class HealBaseNamedTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("etl-heal-base-").FullName;

    private static Engine Open(MemoryFileSource files, IMemoryStore store) =>
        Engine.Create(files, WorkspaceSettings.Default, new EngineHost(new SystemClock(), EnvironmentVariables.None) { Memory = store });

    [Fact]
    public async Task The_memorys_last_green_version_is_named_in_the_json_the_text_and_the_explanation()
    {
        using var store = new SqliteMemoryStore(Path.Combine(_dir, "memory.db"));
        var green = DeletedStatementTests.Files("green.sql");
        var first = await Open(green, store).FullRun(green, new FullRunOptions { Generate = false, NondeterminismBudget = TimeSpan.Zero }).RunAsync();
        Assert.NotNull(store.LastGreen("dbo.Load"));

        var heal = new HealRun(Open(DeletedStatementTests.Files("deleted-middle.sql"), store)) { UseConfiguredLlm = false };
        var result = await heal.SuggestAsync();
        var used = result.Bases["dbo.Load"];
        Assert.Equal((AnalysisBase.MemoryKind, first.RunId), (used.Kind, used.RunId));
        var json = HealReport.ToJson(result.Suggestions, result.Bases);
        Assert.Equal("memory", json["bases"]!["dbo.Load"]!["kind"]!.GetValue<string>());
        Assert.Equal(first.RunId, json["bases"]!["dbo.Load"]!["runId"]!.GetValue<string>());
        Assert.Contains($"base for dbo.Load: last green: run {first.RunId}, ", HealReport.Text(result.Suggestions, result.Run!.Failed, result.Bases));
        var failing = result.Run.Cases.First(c => c.Outcome != TestOutcome.Passed);
        Assert.Contains($"Base (last green version): last green: run {first.RunId}, ", heal.Explain(failing, result.Suggestions));
    }

    [Fact]
    public async Task Without_a_last_green_version_the_base_is_none_with_the_reason()
    {
        using var store = new SqliteMemoryStore(":memory:");
        var heal = new HealRun(Open(DeletedStatementTests.Files("deleted-middle.sql"), store)) { UseConfiguredLlm = false };
        var result = await heal.SuggestAsync();
        Assert.Equal(AnalysisBase.NoneKind, result.Bases["dbo.Load"].Kind);
        Assert.Contains("base for dbo.Load: none (no run remembered", HealReport.Text(result.Suggestions, result.Run!.Failed, result.Bases));
        Assert.Contains("Base (last green version): none (", heal.Explain(result.Run.Cases.First(c => c.Outcome != TestOutcome.Passed), result.Suggestions));
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
