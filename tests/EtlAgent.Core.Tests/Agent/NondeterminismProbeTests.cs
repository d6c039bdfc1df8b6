using EtlAgent.Core.Agent;
using EtlAgent.Core.Memory;
using EtlAgent.Core.Model;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Sandbox;
using EtlAgent.Core.Sandbox.TestFiles;
using EtlAgent.Core.Tests.Sandbox;
using EtlAgent.Core.Workspace;

namespace EtlAgent.Core.Tests.Agent;

/// <summary>
/// Nondeterminism instead of "flaky" (ETL0132) on tests/fixtures/nondeterminism, in the embedded
/// sandbox: a full run re-runs the cases whose code holds TOP, ROW_NUMBER or GETDATE with the given
/// rows reversed and rotated, the clock moved and another NEWID seed; TOP (1) without ORDER BY over
/// two staged names and ROW_NUMBER over a tied date change the outcome and are named at their line,
/// GETDATE() in a case without a fixed clock and NEWID() in an expected row too; the deterministic control (unique ORDER BYs) and the case with
/// a fixed clock are not reported. A case ETL0131 flagged gets every perturbation, NEWID seed
/// included, and is reported at the case when no construct explains it.
/// </summary>
public sealed class NondeterminismProbeTests
{
    private static MemoryFileSource Fixture()
    {
        var root = TestPaths.Fixture("nondeterminism");
        var files = new MemoryFileSource();
        foreach (var f in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
            files.Add(Path.GetRelativePath(root, f).Replace('\\', '/'), File.ReadAllText(f));
        return files;
    }

    private static async Task<FullRunResult> RunAsync(TimeSpan probeBudget)
    {
        var files = Fixture();
        using var memory = new SqliteMemoryStore(":memory:");
        var engine = Engine.Create(files, WorkspaceSettings.Load(files), new EngineHost(new SystemClock(), EnvironmentVariables.None) { Memory = memory });
        return await engine.FullRun(files, new FullRunOptions { Generate = false, NondeterminismBudget = probeBudget, RootCause = null }).RunAsync();
    }

    [Fact]
    public async Task Top_without_order_by_row_number_over_ties_and_an_unfixed_clock_are_named_and_the_deterministic_control_is_not()
    {
        var result = await RunAsync(TimeSpan.FromMinutes(2));
        Assert.Equal(6, result.Tests.Passed); // every case passes as the test runs it
        var found = result.Findings.Where(f => f.RuleId == NondeterministicStatement.Rule.Id)
            .Select(f => (f.Location.File, Line: f.Location.Range.Start.Line + 1, f.Message)).OrderBy(f => f.File).ToList();
        Assert.Collection(found,
            f =>
            {
                Assert.Equal(("procs/NumberCityVersions.sql", 9), (f.File, f.Line));
                Assert.StartsWith("ROW_NUMBER() over an ORDER BY that may tie: case \"two versions of one city on one date\" fails (Dim.CityVersion:", f.Message);
                Assert.Contains("when the given rows are stored in reverse order", f.Message);
            },
            f =>
            {
                Assert.Equal(("procs/PickCity.sql", 10), (f.File, f.Line));
                Assert.StartsWith("TOP without ORDER BY: case \"two staged names of one city\" fails (Dim.City: 1 missing, 1 unexpected", f.Message);
                Assert.Contains("when the given rows are stored in reverse order", f.Message);
            },
            f =>
            {
                Assert.Equal(("procs/StampCity.sql", 8), (f.File, f.Line));
                Assert.StartsWith("GETDATE(): case \"the load day without a fixed clock\" fails", f.Message);
                Assert.Contains("when the clock moves by", f.Message);
            },
            f =>
            {
                Assert.Equal(("procs/TagCity.sql", 8), (f.File, f.Line));
                Assert.StartsWith("NEWID(): case \"one staged city gets a tag\" fails (Dim.CityTag: 1 missing, 1 unexpected", f.Message);
                Assert.Contains("when NEWID() gets another seed", f.Message);
            });
        Assert.DoesNotContain(result.Findings, f => f.Location.File == "procs/PickLatestCity.sql");
        Assert.DoesNotContain(result.Findings, f => f.Message.Contains("the load day with a fixed clock"));
    }

    [Fact]
    public async Task Without_the_re_runs_nothing_is_named()
    {
        var result = await RunAsync(TimeSpan.Zero);
        Assert.DoesNotContain(result.Findings, f => f.RuleId == NondeterministicStatement.Rule.Id);
    }

    [Fact]
    public async Task A_flagged_case_gets_every_perturbation_and_one_no_construct_explains_is_reported_at_the_case()
    {
        var files = new MemoryFileSource()
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
                """);
        // a "procedure" that loads the customer only with the default NEWID seed: what no statement shows
        ExecutionResult? Execute(FakeDatabase db, ExecutionRequest request)
        {
            if (request.Seed == 0) db.Insert(QualifiedName.Parse("Dim.Customer"), new SandboxRow { ["Customer Code"] = "C-1" });
            return null;
        }
        var engine = Engine.Create(files, WorkspaceSettings.Load(files), new EngineHost(new SystemClock(), EnvironmentVariables.None),
            embedded: (setup, _) => new FakeSandboxFactory(setup, Execute));
        var analysis = engine.CurrentAnalysis();
        var test = new TestFileLoader(analysis).LoadAll(files, TestFileLoader.FindTestFiles(files, engine.Settings)).Single().File!;
        var run = await engine.TestRunner(analysis).RunAsync(new[] { test });
        Assert.True(run.Success);
        var probe = new NondeterminismProbe(analysis, engine.Sandboxes.Create, files.ReadAllText);

        // not flagged and no construct: not re-run at all
        Assert.Empty(await probe.ProbeAsync(run, new HashSet<string>(), TimeSpan.FromMinutes(1), default));

        var flagged = await probe.ProbeAsync(run, new HashSet<string> { "Etl.LoadCustomer|the customer is loaded" }, TimeSpan.FromMinutes(1), default);
        var finding = Assert.Single(flagged);
        Assert.Equal(("ETL0132", "tests/etl/Etl.LoadCustomer.etltest.yaml", 3), (finding.RuleId, finding.Location.File, finding.Location.Range.Start.Line + 1));
        Assert.StartsWith("the customer is loaded: fails (Dim.Customer: 1 missing", finding.Message);
        Assert.Contains("when NEWID() gets another seed, and no TOP, ROW_NUMBER, clock or NEWID in Etl.LoadCustomer explains it", finding.Message);
    }
}
