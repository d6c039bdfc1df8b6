using EtlAgent.Core.Memory;
using EtlAgent.Core.Model;

namespace EtlAgent.Core.Tests.Memory;

/// <summary>
/// What every memory store must do, run against each implementation (SQLite, DynamoDB on moto):
/// round trips of every kind of record, the life of a finding (new, seen, dismissed, fixed),
/// mutants replaced per transformation, and concurrent writers losing nothing.
/// </summary>
public abstract class MemoryStoreContract
{
    /// <summary>A new, empty store.</summary>
    protected abstract IMemoryStore NewStore();

    /// <summary>Another store object on the same memory as <paramref name="store"/> (another connection or client).</summary>
    protected abstract IMemoryStore SameMemory(IMemoryStore store);

    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 8, 0, 0, TimeSpan.Zero);

    private static RunWrite Run(string id, int minute, params string[] fingerprints) => new(
        new RunRecord(id, T0.AddMinutes(minute), T0.AddMinutes(minute + 1), "c0ffee", "passed", 3, 1, fingerprints.Length)
        { Actor = "ci", Dismissed = 1, MutantsKilled = 7, MutantsTotal = 9 },
        new[]
        {
            new CaseRecord("Dim.LoadCity › a new city", "Dim.LoadCity", "passed", 12.5, "code1", "in1"),
            new CaseRecord("Dim.LoadCity › an old city", "Dim.LoadCity", "failed", 40, "code1", "in2"),
        },
        fingerprints.Select(f => new FindingSighting(f, "ETL0001", "Procedures/Dim.LoadCity.sql", $"message {f}")).ToList());

    [SkippableFact]
    public void An_empty_memory_answers_with_nothing()
    {
        using var store = NewStore();
        Assert.Empty(store.Runs());
        Assert.Empty(store.Findings());
        Assert.Empty(store.Cases("nope"));
        Assert.Empty(store.Timings("Dim.LoadCity"));
        Assert.Empty(store.Heals());
        Assert.Empty(store.Mutants("Dim.LoadCity"));
        Assert.Empty(store.AuditEntries());
        Assert.Null(store.Generation("k"));
    }

    [SkippableFact]
    public void A_run_comes_back_with_its_cases_timings_mutants_and_invariants()
    {
        using var store = NewStore();
        store.RecordRun(Run("r1", 0, "f1", "f2") with
        {
            Mutants = new[] { new MutantRecord("Dim.LoadCity", "op|a|b", "relational", "survived", "r1"), new MutantRecord("Dim.LoadCity", "op|c|d", "join", "killed", "r1") },
            Invariants = new[] { new InvariantRecord("Dim.LoadCity", "[Valid To] >= [Valid From]", "tests/etl/Dim.LoadCity.etltest.yaml") },
        });
        var run = Assert.Single(store.Runs());
        Assert.Equal(new RunRecord("r1", T0, T0.AddMinutes(1), "c0ffee", "passed", 3, 1, 2) { Actor = "ci", Dismissed = 1, MutantsKilled = 7, MutantsTotal = 9 }, run);
        Assert.Equal(7.0 / 9, run.MutationScore);
        var cases = store.Cases("r1");
        Assert.Equal(2, cases.Count);
        Assert.Contains(new CaseRecord("Dim.LoadCity › a new city", "Dim.LoadCity", "passed", 12.5, "code1", "in1"), cases);
        Assert.Equal(new[] { 12.5, 40 }, store.Timings("Dim.LoadCity").Select(t => t.Milliseconds).Order().ToArray());
        Assert.All(store.Timings("Dim.LoadCity"), t => Assert.Equal("r1", t.RunId));
        Assert.Equal(new[] { "killed", "survived" }, store.Mutants("Dim.LoadCity").Select(m => m.Status).Order().ToArray());
        Assert.Equal("[Valid To] >= [Valid From]", Assert.Single(store.Invariants("Dim.LoadCity")).Invariant);
    }

    [SkippableFact]
    public void Runs_are_listed_oldest_first_and_a_later_run_replaces_a_transformations_mutants()
    {
        using var store = NewStore();
        store.RecordRun(Run("late", 10) with { Mutants = new[] { new MutantRecord("T", "k2", "join", "killed", "late") } });
        store.RecordRun(Run("early", 0) with { Mutants = new[] { new MutantRecord("T", "k1", "relational", "survived", "early") } });
        Assert.Equal(new[] { "early", "late" }, store.Runs().Select(r => r.Id).ToArray());
        // the mutants are the last recorded run's, whatever its start
        Assert.Equal("k1", Assert.Single(store.Mutants("T")).Key);
    }

    [SkippableFact]
    public void A_finding_is_new_then_seen_then_fixed_and_seen_again_when_it_returns()
    {
        using var store = NewStore();
        store.RecordRun(Run("r1", 0, "a", "b"));
        Assert.All(store.Findings().Values, f => Assert.Equal(FindingState.New, f.State));
        store.RecordRun(Run("r2", 1, "a"));
        var after2 = store.Findings();
        Assert.Equal(FindingState.Seen, after2["a"].State);
        Assert.Equal(("r1", "r2"), (after2["a"].FirstSeenRun, after2["a"].LastSeenRun));
        Assert.Equal(FindingState.Fixed, after2["b"].State);
        store.RecordRun(Run("r3", 2, "a", "b"));
        Assert.Equal(FindingState.Seen, store.Findings()["b"].State);
    }

    [SkippableFact]
    public void A_dismissal_holds_across_runs_until_it_expires()
    {
        using var store = NewStore();
        store.RecordRun(Run("r1", 0, "a", "b"));
        store.Dismiss(new FindingSighting("a", "ETL0001", "x.sql", "m"), "intended: the first row is any row", null, T0.AddMinutes(2));
        store.Dismiss(new FindingSighting("b", "ETL0001", "x.sql", "m"), "until the refactor", T0.AddMinutes(30), T0.AddMinutes(2));
        store.Dismiss(new FindingSighting("never-seen", "ETL0007", "y.sql", "m"), "dismissed from the editor first", null, T0.AddMinutes(2));
        var f = store.Findings();
        Assert.Equal(("intended: the first row is any row", (DateTimeOffset?)null), (f["a"].Reason, f["a"].Expires));
        Assert.Equal(T0.AddMinutes(30), f["b"].Expires);
        Assert.True(f["never-seen"].IsDismissedAt(T0.AddMinutes(3)));
        store.RecordRun(Run("r2", 5, "a", "b"));
        Assert.All(store.Findings().Values, x => Assert.Equal(FindingState.Dismissed, x.State));
        store.RecordRun(Run("r3", 60, "a", "b")); // b's dismissal lapsed at minute 30
        var after = store.Findings();
        Assert.Equal(FindingState.Dismissed, after["a"].State);
        Assert.Equal(FindingState.Seen, after["b"].State);
        Assert.Null(after["b"].Reason);
    }

    [SkippableFact]
    public void A_dismissal_can_be_undone_and_the_finding_shows_again()
    {
        using var store = NewStore();
        store.RecordRun(Run("r1", 0, "a"));
        store.Dismiss(new FindingSighting("a", "ETL0001", "x.sql", "m"), "intended", T0.AddDays(1), T0.AddMinutes(2));
        store.Dismiss(new FindingSighting("only-dismissed", "ETL0007", "y.sql", "m"), "from the CLI first", null, T0.AddMinutes(2));
        Assert.True(store.Undismiss("a", T0.AddMinutes(3)));
        Assert.True(store.Undismiss("only-dismissed", T0.AddMinutes(3)));
        var f = store.Findings();
        Assert.Equal((FindingState.Seen, (string?)null, (DateTimeOffset?)null), (f["a"].State, f["a"].Reason, f["a"].Expires));
        Assert.Equal(FindingState.New, f["only-dismissed"].State); // no run saw it
        Assert.False(store.Undismiss("a", T0.AddMinutes(4)));
        Assert.False(store.Undismiss("unknown", T0.AddMinutes(4)));
    }

    [SkippableFact]
    public void Two_writers_updating_the_same_findings_lose_no_update()
    {
        // one writer records runs that see every finding (each run reads the states, then writes
        // them), the other dismisses the findings one by one meanwhile: no dismissal may be lost
        const int count = 20;
        var fingerprints = Enumerable.Range(0, count).Select(i => $"f{i}").ToArray();
        using var runs = NewStore();
        using var person = SameMemory(runs);
        runs.RecordRun(Run("r0", 0, fingerprints));
        int dismissed = 0;
        var recorder = Task.Run(() =>
        {
            for (int i = 1; Volatile.Read(ref dismissed) < count || i < 4; i++) runs.RecordRun(Run($"r{i}", i, fingerprints));
        });
        var dismisser = Task.Run(() =>
        {
            foreach (var f in fingerprints)
            {
                person.Dismiss(new FindingSighting(f, "ETL0001", "Procedures/Dim.LoadCity.sql", $"message {f}"), $"reason {f}", null, T0.AddMinutes(1));
                Interlocked.Increment(ref dismissed);
            }
        });
        Task.WaitAll(recorder, dismisser);
        var after = runs.Findings();
        Assert.All(fingerprints, f => Assert.Equal((FindingState.Dismissed, $"reason {f}"), (after[f].State, after[f].Reason)));
        Assert.True(runs.Runs().Count >= 4);
    }

    [SkippableFact]
    public void Heals_generations_and_audit_entries_round_trip()
    {
        using var store = NewStore();
        store.RecordHeal(new HealRecord(T0, "Procedures/Dim.LoadCity.sql", "null-unsafe-comparison", HealStatus.Offered, "fp1", "r1"));
        store.RecordHeal(new HealRecord(T0.AddSeconds(1), "Procedures/Dim.LoadCity.sql", "null-unsafe-comparison", HealStatus.Applied, "fp1", "r1"));
        Assert.Equal(new[] { HealStatus.Offered, HealStatus.Applied }, store.Heals().Select(h => h.Status).ToArray());
        Assert.Equal("fp1", store.Heals()[0].Fingerprint);

        store.RecordGeneration(new GenerationRecord("key1", "Dim.LoadCity", "nothing", "not testable yet: x.sql:3: OPENQUERY", null, "r1", T0));
        store.RecordGeneration(new GenerationRecord("key1", "Dim.LoadCity", "written", null, "tests/etl/Dim.LoadCity.etltest.yaml", "r2", T0.AddMinutes(1)));
        Assert.Equal(new GenerationRecord("key1", "Dim.LoadCity", "written", null, "tests/etl/Dim.LoadCity.etltest.yaml", "r2", T0.AddMinutes(1)), store.Generation("key1"));

        store.Append(new AuditEntry(T0, "editor", AuditActions.FileWritten, "tests/etl/a.etltest.yaml", "generated", new Dictionary<string, string> { ["cases"] = "4" }));
        store.Append(new AuditEntry(T0.AddSeconds(1), "cli", AuditActions.HealApplied, "a.sql", "accepted"));
        var audit = store.AuditEntries();
        Assert.Equal(new[] { AuditActions.FileWritten, AuditActions.HealApplied }, audit.Select(a => a.Action).ToArray());
        Assert.Equal("4", audit[0].Details!["cases"]);
        Assert.Null(audit[1].Details);
    }

    [SkippableFact]
    public void The_last_green_version_is_kept_per_transformation_written_only_when_its_text_changed()
    {
        using var store = NewStore();
        Assert.Null(store.LastGreen("Dim.LoadCity"));
        const string text = "CREATE PROCEDURE Dim.LoadCity AS\nBEGIN\n    DELETE FROM Dim.City; -- ünïcödé\nEND;\n";
        var first = GreenVersion.Of("Dim.LoadCity", "procs/Dim.LoadCity.sql", text, "r1", T0);
        store.RecordRun(Run("r1", 0) with { GreenVersions = new[] { first, GreenVersion.Of("Dim.LoadCountry", "procs/c.sql", "x", "r1", T0) } });
        Assert.Equal(first, store.LastGreen("dim.loadcity")); // names compare without case
        Assert.Equal("x", store.LastGreen("Dim.LoadCountry")!.Text);

        // green again with the same text: the record of the run that first saw it stays
        store.RecordRun(Run("r2", 1) with { GreenVersions = new[] { GreenVersion.Of("Dim.LoadCity", "procs/Dim.LoadCity.sql", text, "r2", T0.AddMinutes(1)) } });
        Assert.Equal(first, store.LastGreen("Dim.LoadCity"));

        // a new text replaces it: one version per transformation
        var changed = GreenVersion.Of("Dim.LoadCity", "procs/Dim.LoadCity.sql", text.Replace("DELETE", "TRUNCATE TABLE", StringComparison.Ordinal), "r3", T0.AddMinutes(2));
        store.RecordRun(Run("r3", 2) with { GreenVersions = new[] { changed } });
        Assert.Equal(changed, store.LastGreen("Dim.LoadCity"));
        Assert.Equal("x", store.LastGreen("Dim.LoadCountry")!.Text);
    }

    [SkippableFact]
    public void A_large_source_file_round_trips_and_a_smaller_one_replaces_it_whole()
    {
        using var store = NewStore();
        // hex of random bytes compresses to about half: well over one DynamoDB item after gzip
        var random = new Random(14);
        var sb = new System.Text.StringBuilder("CREATE PROCEDURE dbo.Big AS\nBEGIN\n");
        while (sb.Length < 2_000_000)
        {
            var bytes = new byte[48];
            random.NextBytes(bytes);
            sb.Append("    SELECT '").Append(Convert.ToHexString(bytes)).Append("' AS x;\n");
        }
        var big = GreenVersion.Of("dbo.Big", "big.sql", sb.Append("END;\n").ToString(), "r1", T0);
        store.RecordRun(Run("r1", 0) with { GreenVersions = new[] { big } });
        Assert.Equal(big, store.LastGreen("dbo.Big"));
        var small = GreenVersion.Of("dbo.Big", "big.sql", "CREATE PROCEDURE dbo.Big AS SELECT 1;", "r2", T0.AddMinutes(1));
        store.RecordRun(Run("r2", 1) with { GreenVersions = new[] { small } });
        Assert.Equal(small, store.LastGreen("dbo.Big"));
        using var other = SameMemory(store);
        Assert.Equal(small, other.LastGreen("DBO.BIG"));
    }

    [SkippableFact]
    public void Two_writers_of_a_thousand_records_each_lose_nothing()
    {
        using var first = NewStore();
        using var second = SameMemory(first);
        void Write(IMemoryStore store, string who)
        {
            for (int i = 0; i < 1000; i++) store.RecordHeal(new HealRecord(T0.AddMilliseconds(i), $"{who}-{i}", "test-data", HealStatus.Offered));
        }
        Task.WaitAll(Task.Run(() => Write(first, "cli")), Task.Run(() => Write(second, "editor")));
        var targets = first.Heals().Select(h => h.Target).ToHashSet();
        Assert.Equal(2000, targets.Count);
        Assert.Contains("cli-999", targets);
        Assert.Contains("editor-0", targets);
    }
}

/// <summary>The contract on SQLite, a new database file per test.</summary>
public sealed class SqliteMemoryStoreTests : MemoryStoreContract, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("etl-memory-").FullName;

    protected override IMemoryStore NewStore() => new SqliteMemoryStore(Path.Combine(_dir, ".etl-agent", "memory.db"));

    protected override IMemoryStore SameMemory(IMemoryStore store) => new SqliteMemoryStore(Path.Combine(_dir, ".etl-agent", "memory.db"));

    [Fact]
    public void A_memory_file_from_before_green_versions_is_read_and_written_after_it_is_opened()
    {
        var path = Path.Combine(_dir, "v2.db");
        using (var c = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=False"))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = """
                CREATE TABLE runs (id TEXT PRIMARY KEY, started TEXT NOT NULL, finished TEXT NOT NULL, commit_id TEXT,
                    outcome TEXT NOT NULL, passed INTEGER NOT NULL, failed INTEGER NOT NULL, findings INTEGER NOT NULL, dismissed INTEGER NOT NULL,
                    actor TEXT NOT NULL, mutants_killed INTEGER NOT NULL, mutants_total INTEGER NOT NULL);
                INSERT INTO runs VALUES ('old', '2026-11-30T08:00:00.0000000Z', '2026-11-30T08:01:00.0000000Z', NULL, 'passed', 1, 0, 0, 0, 'cli', 0, 0);
                PRAGMA user_version = 2;
                """;
            cmd.ExecuteNonQuery();
        }
        using var store = new SqliteMemoryStore(path);
        Assert.Null(store.LastGreen("dbo.Load"));
        Assert.Equal("old", Assert.Single(store.Runs()).Id);
        var green = GreenVersion.Of("dbo.Load", "load.sql", "CREATE PROCEDURE dbo.Load AS SELECT 1;", "r1", DateTimeOffset.UnixEpoch);
        store.RecordRun(new RunWrite(new RunRecord("r1", DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, null, "passed", 1, 0, 0),
            Array.Empty<CaseRecord>(), Array.Empty<FindingSighting>()) { GreenVersions = new[] { green } });
        Assert.Equal(green, store.LastGreen("dbo.Load"));
        Assert.Equal(2, store.Runs().Count);
    }

    [Fact]
    public void Reading_an_absent_memory_creates_no_file_and_the_first_write_creates_it_in_wal_mode()
    {
        var path = Path.Combine(_dir, ".etl-agent", "memory.db");
        using var store = new SqliteMemoryStore(path);
        Assert.Empty(store.Runs());
        Assert.Empty(store.Findings());
        Assert.False(File.Exists(path));
        store.RecordHeal(new HealRecord(DateTimeOffset.UnixEpoch, "a", "b", HealStatus.Offered));
        Assert.True(File.Exists(path));
        Assert.True(File.Exists(path + "-wal"), "the memory is opened in WAL mode");
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}

/// <summary>The contract on DynamoDB through the real SDK against moto_server, a new table per test.</summary>
public sealed class DynamoDbMemoryStoreTests(MotoServer moto) : MemoryStoreContract, IClassFixture<MotoServer>
{
    private readonly string _table = $"memory-{Guid.NewGuid():N}";

    protected override IMemoryStore NewStore()
    {
        Skip.If(moto.Missing is not null, moto.Missing);
        return new DynamoDbMemoryStore(_table, "us-east-1", moto.Url, new Amazon.Runtime.BasicAWSCredentials("testing", "testing"));
    }

    protected override IMemoryStore SameMemory(IMemoryStore store) =>
        new DynamoDbMemoryStore(_table, "us-east-1", moto.Url, new Amazon.Runtime.BasicAWSCredentials("testing", "testing"));

    [SkippableFact]
    public void Throttled_requests_are_retried_until_they_pass()
    {
        Skip.If(moto.Missing is not null, moto.Missing);
        using var proxy = new ThrottlingProxy(moto.Url, throttle: 4);
        using var store = new DynamoDbMemoryStore(_table, "us-east-1", proxy.Url, new Amazon.Runtime.BasicAWSCredentials("testing", "testing"));
        store.RecordHeal(new HealRecord(DateTimeOffset.UnixEpoch, "a.sql", "test-data", HealStatus.Offered));
        Assert.Equal("a.sql", Assert.Single(store.Heals()).Target);
        Assert.Equal(4, proxy.Throttled);
    }

    [SkippableFact]
    public void Throttling_that_does_not_stop_is_a_clear_error_after_the_retries()
    {
        Skip.If(moto.Missing is not null, moto.Missing);
        using var proxy = new ThrottlingProxy(moto.Url, throttle: int.MaxValue);
        using var store = new DynamoDbMemoryStore(_table, "us-east-1", proxy.Url, new Amazon.Runtime.BasicAWSCredentials("testing", "testing"), maxRetries: 2);
        var e = Assert.Throws<MemoryStoreException>(() => store.Runs());
        Assert.Contains("ProvisionedThroughputExceededException", e.Message);
        Assert.Equal(3, proxy.Throttled); // the first try and two retries
    }

    [SkippableFact]
    public void An_unreachable_table_is_a_clear_error_that_names_no_secret()
    {
        Skip.If(moto.Missing is not null, moto.Missing);
        const string secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEY";
        using var store = new DynamoDbMemoryStore("t", "us-east-1", "http://user:pw-in-url@127.0.0.1:9", new Amazon.Runtime.BasicAWSCredentials("AKIAEXAMPLEKEYID", secret), maxRetries: 1);
        var e = Assert.Throws<MemoryStoreException>(() => store.Runs());
        Assert.Contains("dynamodb table t at http://127.0.0.1:9", e.Message);
        Assert.DoesNotContain(secret, e.ToString());
        Assert.DoesNotContain("pw-in-url", e.Message);
        Assert.DoesNotContain("pw-in-url", store.Describe());
    }
}
