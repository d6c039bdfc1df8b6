using EtlAgent.Core.Agent;
using EtlAgent.Core.Healing;
using EtlAgent.Core.Memory;
using EtlAgent.Core.Model;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Tests.Healing;
using Microsoft.Data.Sqlite;

namespace EtlAgent.Core.Tests.Memory;

/// <summary>
/// What the memory learns about heals: a heal offered by every search (the editor searches after
/// each test run) is one offer, a heal applied in the editor is recorded as applied with the
/// editor in the audit trail, acceptance rates count each heal once, and a memory file written
/// before heals kept their id is upgraded when opened.
/// </summary>
public sealed class HealMemoryTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("etl-heal-memory-").FullName;

    [Fact]
    public async Task A_heal_offered_by_two_searches_is_one_offer_and_applying_it_in_the_editor_is_recorded_and_audited()
    {
        var files = HealingFixture.Files("window start excluded");
        using var memory = new SqliteMemoryStore(Path.Combine(_dir, "memory.db"));
        var audit = new InMemoryAuditLog();
        var engine = Core.Agent.Engine.Create(files, WorkspaceSettingsOf(files), EngineHost.System with { Actor = "editor", Audit = audit, Memory = memory });
        var first = await new HealRun(engine).SuggestAsync();
        var second = await new HealRun(engine).SuggestAsync();
        Assert.NotEmpty(first.Suggestions);
        Assert.Equal(first.Suggestions.Select(s => s.Id), second.Suggestions.Select(s => s.Id));
        var offers = memory.Heals().Where(h => h.Status == HealStatus.Offered).ToList();
        Assert.Equal(first.Suggestions.Select(s => s.Id).Order(), offers.Select(o => o.HealId!).Order());

        var heal = first.Suggestions.First(s => s.Kind == HealKinds.Code);
        new HealRun(engine).AppliedElsewhere(heal, "applied from the editor's quick fix");
        var applied = Assert.Single(memory.Heals(), h => h.Status == HealStatus.Applied);
        Assert.Equal((heal.Id, heal.BugClass, heal.File), (applied.HealId, applied.BugClass, applied.Target));
        var entry = Assert.Single(audit.Entries, e => e.Action == AuditActions.HealApplied);
        Assert.Equal(("editor", heal.File, heal.Id), (entry.Actor, entry.Target, entry.Details!["id"]));
        Assert.Contains("applied from the editor's quick fix", entry.Reason);
    }

    [Fact]
    public void Acceptance_counts_each_heal_once_however_often_it_was_offered()
    {
        HealSuggestion Heal(string bugClass) => new($"a-{bugClass}", "tests/etl/Load.etltest.yaml", "a",
            new RepairCandidate("code", bugClass, bugClass, Array.Empty<TextEdit>(), "template"), new HealVerification(1, 1, 0));
        HealRecord Record(string bugClass, HealStatus status, string id) => new(DateTimeOffset.UnixEpoch, "procs/Load.sql", bugClass, status, HealId: id);
        // boundary: one heal offered after five test runs and applied (1 of 1); null-safety: two heals, one applied (1 of 2)
        var history = Enumerable.Repeat(Record("boundary-off-by-one", HealStatus.Offered, "h1"), 5)
            .Append(Record("boundary-off-by-one", HealStatus.Applied, "h1"))
            .Append(Record("null-unsafe-comparison", HealStatus.Offered, "h2")).Append(Record("null-unsafe-comparison", HealStatus.Offered, "h3"))
            .Append(Record("null-unsafe-comparison", HealStatus.Applied, "h2")).ToList();
        var heals = new[] { Heal("null-unsafe-comparison"), Heal("boundary-off-by-one") };
        Assert.Equal(new[] { "a-boundary-off-by-one", "a-null-unsafe-comparison" }, HealRun.RankByAcceptance(heals, history).Select(h => h.Id));
    }

    [Fact]
    public void A_memory_file_from_before_heal_ids_is_upgraded_when_opened()
    {
        var path = Path.Combine(_dir, "old.db");
        using (var c = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = """
                CREATE TABLE heals (seq INTEGER PRIMARY KEY AUTOINCREMENT, time TEXT NOT NULL, target TEXT NOT NULL,
                    bug_class TEXT NOT NULL, status TEXT NOT NULL, fingerprint TEXT, run_id TEXT);
                INSERT INTO heals (time, target, bug_class, status) VALUES ('2026-12-01T08:00:00.0000000Z', 'a.sql', 'test-data', 'Offered');
                PRAGMA user_version = 1;
                """;
            cmd.ExecuteNonQuery();
        }
        using var store = new SqliteMemoryStore(path);
        store.RecordHeal(new HealRecord(DateTimeOffset.UnixEpoch, "b.sql", "test-data", HealStatus.Applied, HealId: "h1"));
        Assert.Equal(new[] { (string?)null, "h1" }, store.Heals().Select(h => h.HealId).ToArray());
    }

    private static Core.Workspace.WorkspaceSettings WorkspaceSettingsOf(MemoryFileSource files) => Core.Workspace.WorkspaceSettings.Load(files);

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
