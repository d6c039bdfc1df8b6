using System.Text.Json;
using EtlAgent.Core.Memory;

namespace EtlAgent.Cli.Tests;

/// <summary>
/// The memory through the CLI, on scratch copies of tests/fixtures/memory (a procedure generation
/// can test, one it cannot: it reads a linked server): `run` records runs, `history` shows them,
/// a dismissed finding disappears from `check` and `run`, and a second `run` does not redo
/// generation that finished on unchanged code.
/// </summary>
public sealed class MemoryCliTests : IDisposable
{
    private readonly string _ws = Scratch();

    private static string Scratch()
    {
        var source = TestPaths.Fixture("memory");
        var root = Path.Combine(Path.GetTempPath(), "etlagent-memory-" + Guid.NewGuid().ToString("N")[..8]);
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(root, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        return root;
    }

    private string MemoryFile => Path.Combine(_ws, ".etl-agent", "memory.db");

    [Fact]
    public void Check_alone_leaves_no_memory_and_history_says_no_run_is_recorded()
    {
        Assert.Equal(0, Cli.Run("check", _ws, "--fail-on", "never").Code);
        Assert.False(File.Exists(MemoryFile));
        var (code, output, _) = Cli.Run("history", _ws);
        Assert.Equal(0, code);
        Assert.Contains("No runs recorded yet", output);
        Assert.False(File.Exists(MemoryFile));
    }

    [Fact]
    public void A_second_run_remembers_generation_that_found_nothing_and_history_lists_both_runs()
    {
        var first = Cli.Run("run", _ws, "--budget", "120");
        Assert.True(first.Code == 0, first.Out + first.Err);
        Assert.Contains("generating tests for Etl.LoadRemoteCustomers", first.Err);
        Assert.Contains("SKIP  Etl.LoadRemoteCustomers: not testable yet", first.Out);

        var second = Cli.Run("run", _ws, "--budget", "120");
        Assert.True(second.Code == 0, second.Out + second.Err);
        // neither procedure is generated again: one has its test file, the other is remembered
        Assert.DoesNotContain("generating tests for", second.Err);
        Assert.Matches(@"Etl\.LoadRemoteCustomers: not testable yet: .*OpenQueryTableReference.* \(remembered from run \w+: the code, the catalog and the generator are unchanged\)", second.Out);

        // a changed procedure is generated again
        var proc = Path.Combine(_ws, "procs", "LoadRemoteCustomers.sql");
        File.AppendAllText(proc, "\n-- reviewed\n");
        var third = Cli.Run("run", _ws, "--budget", "120");
        Assert.Contains("generating tests for Etl.LoadRemoteCustomers", third.Err);

        var (code, json, _) = Cli.Run("history", _ws, "--format", "json");
        Assert.Equal(0, code);
        var runs = JsonDocument.Parse(json).RootElement.GetProperty("runs");
        Assert.Equal(3, runs.GetArrayLength());
        Assert.Contains($"Memory: recorded as run {runs[2].GetProperty("id").GetString()} (etl-agent history)", third.Out);
        foreach (var run in runs.EnumerateArray())
        {
            foreach (var key in new[] { "id", "started", "finished", "commit", "passed", "failed", "findings" }) Assert.True(run.TryGetProperty(key, out _), key);
            Assert.True(run.GetProperty("passed").GetInt32() > 0);
            Assert.Equal(0, run.GetProperty("failed").GetInt32());
        }
        Assert.True(JsonDocument.Parse(json).RootElement.GetProperty("trends").GetProperty("passRate").GetProperty("last").GetDouble() == 1.0);
        var text = Cli.Run("history", _ws).Out;
        Assert.Contains("Trends (first → last run):", text);
        Assert.Contains("mutation score:", text);
    }

    [Fact]
    public void A_dismissed_finding_is_left_out_of_check_and_run_and_counted_in_history_rules()
    {
        var first = Cli.Run("run", _ws, "--no-generate");
        Assert.Contains("warning ETL0010", first.Out);
        string fingerprint;
        using (var store = new SqliteMemoryStore(MemoryFile))
        {
            var nolock = Assert.Single(store.Findings().Values, f => f.RuleId == "ETL0010");
            fingerprint = nolock.Fingerprint;
            store.Dismiss(new FindingSighting(nolock.Fingerprint, nolock.RuleId, nolock.File, nolock.Message), "the staging table is loaded before the job runs", null, DateTimeOffset.UtcNow);
        }
        var check = Cli.Run("check", _ws, "--fail-on", "warning");
        Assert.Equal(0, check.Code); // the only warning is dismissed
        Assert.DoesNotContain("ETL0010", check.Out);
        Assert.Contains("1 dismissed finding not shown", check.Out);
        var json = JsonDocument.Parse(Cli.Run("check", _ws, "--format", "json").Out).RootElement;
        Assert.Equal(1, json.GetProperty("summary").GetProperty("dismissed").GetInt32());

        var run = Cli.Run("run", _ws, "--no-generate", "--fail-on", "warning");
        Assert.Equal(0, run.Code);
        Assert.DoesNotContain("ETL0010", run.Out);
        Assert.Contains("1 dismissed finding not shown", run.Out);

        var rules = JsonDocument.Parse(Cli.Run("history", _ws, "--rules", "--format", "json").Out).RootElement.GetProperty("rules");
        var etl0010 = rules.EnumerateArray().Single(r => r.GetProperty("ruleId").GetString() == "ETL0010");
        Assert.Equal((1, 1), (etl0010.GetProperty("findings").GetInt32(), etl0010.GetProperty("dismissed").GetInt32()));
        Assert.Contains("ETL0010: 1 of 1 dismissed (100 %)", Cli.Run("history", _ws, "--rules").Out.Replace("100%", "100 %"));
        using var after = new SqliteMemoryStore(MemoryFile);
        Assert.Equal(FindingState.Dismissed, after.Findings()[fingerprint].State);
    }

    [Fact]
    public void A_bad_memory_section_is_a_configuration_error_naming_the_key()
    {
        File.WriteAllText(Path.Combine(_ws, "etl-agent.json"), """{ "memory": { "kind": "redis" } }""");
        var (code, _, err) = Cli.Run("history", _ws);
        Assert.Equal(2, code);
        Assert.Contains("etl-agent.json: memory.kind must be \"sqlite\" or \"dynamodb\"; got \"redis\"", err);
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_ws, recursive: true); } catch (IOException) { }
    }
}
