using EtlAgent.Core.Agent;
using EtlAgent.Core.Generation;
using EtlAgent.Core.Memory;
using EtlAgent.Core.Model;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Sandbox;
using EtlAgent.Core.Tests.Sandbox;
using EtlAgent.Core.Workspace;

namespace EtlAgent.Core.Tests.Memory;

/// <summary>
/// What a full run learns from the memory, on a small workspace whose "sandbox" is a fake the test
/// controls: a case that ends differently on the same code and input (ETL0131), a case slower than
/// twice its baseline (ETL0130), and a memory that cannot be reached (the run goes on, and says so).
/// </summary>
public sealed class RunMemoryTests : IDisposable
{
    private static readonly DateTime T0 = new(2026, 12, 1, 8, 0, 0, DateTimeKind.Utc);
    private readonly string _dir = Directory.CreateTempSubdirectory("etl-run-memory-").FullName;

    private static MemoryFileSource Workspace() => new MemoryFileSource()
        .Add("tables/Dim.Customer.sql", "CREATE TABLE Dim.Customer ([Customer Code] nvarchar(20) NOT NULL);\n")
        .Add("procs/Load.sql", "CREATE PROCEDURE Etl.LoadCustomer AS\nBEGIN\n    INSERT INTO Dim.Customer ([Customer Code]) VALUES (N'C-1');\nEND\n")
        .Add("tests/etl/Etl.LoadCustomer.etltest.yaml", """
            transformation: Etl.LoadCustomer
            cases:
              - name: the customer is loaded
                expect:
                  Dim.Customer:
                    rows:
                      - {"Customer Code": "C-1"}
              - name: the customer is loaded again
                expect:
                  Dim.Customer:
                    rows:
                      - {"Customer Code": "C-1"}
            """);

    /// <summary>One full run whose fake procedure loads the customer (or not), taking <paramref name="delay"/> per call.</summary>
    private static async Task<FullRunResult> RunAsync(IMemoryStore store, int minute, bool loads, TimeSpan delay = default)
    {
        var files = Workspace();
        ExecutionResult? Execute(FakeDatabase db, ExecutionRequest request)
        {
            if (loads) db.Insert(QualifiedName.Parse("Dim.Customer"), new SandboxRow { ["Customer Code"] = "C-1" });
            return null;
        }
        var engine = Engine.Create(files, WorkspaceSettings.Load(files), new EngineHost(new SystemClock(), EnvironmentVariables.None) { Memory = store },
            embedded: (setup, _) => new FakeSandboxFactory(setup, Execute) { ExecuteDelay = delay });
        return await engine.FullRun(files, new FullRunOptions { Generate = false, Timestamp = T0.AddMinutes(minute) }).RunAsync();
    }

    private SqliteMemoryStore Store() => new(Path.Combine(_dir, "memory.db"));

    [Fact]
    public async Task A_case_that_ends_differently_on_the_same_code_and_input_is_reported_and_listed_in_the_history()
    {
        using var store = Store();
        var first = await RunAsync(store, 0, loads: true);
        Assert.Equal(2, first.Tests.Passed);
        Assert.DoesNotContain(first.Findings, f => f.RuleId == NondeterministicCase.Rule.Id);
        var second = await RunAsync(store, 1, loads: false);
        Assert.Equal(2, second.Tests.Failed);
        var flagged = second.Findings.Where(f => f.RuleId == NondeterministicCase.Rule.Id).ToList();
        Assert.Equal(2, flagged.Count);
        Assert.Contains($"failed now but passed in run {first.RunId} with the same code and input", flagged[0].Message);
        Assert.Equal("tests/etl/Etl.LoadCustomer.etltest.yaml", flagged[0].Location.File);

        var history = RunHistory.Read(store, T0.AddDays(1));
        Assert.Equal(new[] { first.RunId, second.RunId }, history.Runs.Select(r => r.Id).ToArray());
        Assert.Equal(new[] { "Etl.LoadCustomer › the customer is loaded", "Etl.LoadCustomer › the customer is loaded again" },
            history.Nondeterministic.Select(n => n.Name).ToArray());
        Assert.Equal(new[] { "failed", "passed" }, history.Nondeterministic[0].Outcomes.ToArray());
        Assert.Contains("Etl.LoadCustomer › the customer is loaded: failed / passed", history.Text(withRules: false));
    }

    [Fact]
    public async Task A_case_more_than_twice_as_slow_as_its_baseline_is_reported()
    {
        using var store = Store();
        await RunAsync(store, 0, loads: true);
        var steady = await RunAsync(store, 1, loads: true);
        Assert.DoesNotContain(steady.Findings, f => f.RuleId == SandboxTimeRegression.Rule.Id);
        var slow = await RunAsync(store, 2, loads: true, delay: TimeSpan.FromMilliseconds(400));
        // the run's first case pays start-up and is not compared; the second is
        var regression = Assert.Single(slow.Findings, f => f.RuleId == SandboxTimeRegression.Rule.Id);
        Assert.StartsWith("the customer is loaded again: took ", regression.Message);
        Assert.Contains("its baseline of", regression.Message);
        Assert.Equal(3, store.Runs().Count);
        Assert.Equal(6, store.Timings("Etl.LoadCustomer").Count);
    }

    [Fact]
    public async Task A_memory_that_cannot_be_reached_does_not_fail_the_run_and_its_error_names_no_secret()
    {
        const string secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
        using var store = new DynamoDbMemoryStore("memory", "us-east-1", "http://127.0.0.1:9",
            new Amazon.Runtime.BasicAWSCredentials("AKIAIOSFODNN7EXAMPLE", secret), maxRetries: 0);
        var result = await RunAsync(store, 0, loads: true);
        Assert.Equal(2, result.Tests.Passed);
        Assert.NotNull(result.MemoryProblem);
        Assert.Contains("dynamodb table memory at http://127.0.0.1:9", result.MemoryProblem);
        var text = FullRunReport.Text(result);
        Assert.Contains("Memory: not used in this run: dynamodb table memory", text);
        Assert.DoesNotContain(secret, text);
        Assert.DoesNotContain("AKIAIOSFODNN7EXAMPLE", text);
    }

    [Fact]
    public void Generation_tries_first_the_mutants_the_last_run_let_survive()
    {
        using var store = Store();
        EtlAgent.Core.Mutation.Mutant M(int id, string op, string original, string mutated) => new(id, "Dim.LoadCity", op, "a.sql", 3, 10, original.Length, original, mutated);
        var survivor = M(1, "relational", "a >= b", "a > b");
        var killed = M(2, "relational", "c = d", "c <> d");
        store.RecordRun(new RunWrite(new RunRecord("r1", T0, T0.AddMinutes(1), null, "passed", 1, 0, 0), Array.Empty<CaseRecord>(), Array.Empty<FindingSighting>())
        {
            Mutants = new[]
            {
                new MutantRecord("Dim.LoadCity", RunMemory.MutantKey(survivor), "relational", "survived", "r1"),
                new MutantRecord("Dim.LoadCity", RunMemory.MutantKey(killed), "relational", "killed", "r1"),
            },
        });
        var first = new RunMemory(store, "r2", "cli", Workspace()).LastSurvivors();
        // the same change elsewhere in the file (another id and offset) is the same mutant
        Assert.True(first(survivor with { Id = 9, Start = 99, Line = 7 }));
        Assert.False(first(killed));
        Assert.False(first(survivor with { Transformation = "Dim.LoadEmployee" }));
    }

    [Fact]
    public async Task The_report_shows_the_memorys_trends_and_the_store_keeps_a_copy_of_the_audit_trail()
    {
        using var store = Store();
        var audit = new InMemoryAuditLog();
        MemoryFileSource? last = null;
        for (int minute = 0; minute < 2; minute++)
        {
            var files = last = Workspace();
            ExecutionResult? Execute(FakeDatabase db, ExecutionRequest request)
            {
                db.Insert(QualifiedName.Parse("Dim.Customer"), new SandboxRow { ["Customer Code"] = "C-1" });
                return null;
            }
            var engine = Engine.Create(files, WorkspaceSettings.Load(files), new EngineHost(new SystemClock(), EnvironmentVariables.None) { Memory = store, Audit = audit },
                embedded: (setup, _) => new FakeSandboxFactory(setup, Execute));
            await engine.FullRun(files, new FullRunOptions { Generate = false, Timestamp = T0.AddMinutes(minute) }).RunAsync();
        }
        // the second run's page draws the first run (and itself is not yet in the memory when it is written)
        Assert.Contains("<h2>Trends</h2>", last!.ReadAllText(FullRunResult.HtmlFile));
        // every report written went to the durable trail and, as a copy, into the memory
        var written = audit.Entries.Where(e => e.Action == AuditActions.FileWritten).Select(e => e.Target).ToList();
        Assert.Contains(FullRunResult.HtmlFile, written);
        Assert.Equal(written, store.AuditEntries().Where(e => e.Action == AuditActions.FileWritten).Select(e => e.Target).ToList());
    }

    [Fact]
    public void Generation_that_found_nothing_within_the_cap_is_not_remembered_as_finished_without_tests()
    {
        using var store = Store();
        var memory = new RunMemory(store, "run-1", "test", Workspace());
        GeneratedTestFile Nothing(string name, bool capReached) => new(name, null,
            new Core.Generation.GenerationResult(name, null, null, 10, 3, 0, 0, Array.Empty<Core.Mutation.Mutant>(), Array.Empty<string>(), TimeSpan.FromSeconds(30)) { CapReached = capReached },
            "no case could be generated");
        memory.RememberGeneration("key-capped", Nothing("Etl.Slow", capReached: true), T0);
        memory.RememberGeneration("key-done", Nothing("Etl.Empty", capReached: false), T0);
        // the capped one is tried again next run; the one that ran every candidate is not
        Assert.Null(memory.FinishedWithoutTests("key-capped"));
        Assert.NotNull(memory.FinishedWithoutTests("key-done"));
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
