using EtlAgent.Core.WorkspaceModel;
using System.Text.Json;
using System.Xml.Linq;
using EtlAgent.Core.Agent;
using EtlAgent.Core.Generation;
using EtlAgent.Core.Model;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Reporting;
using EtlAgent.Core.Sandbox.Runner;
using EtlAgent.Core.Workspace;

namespace EtlAgent.Core.Tests.Agent;

/// <summary>
/// The full run on tests/fixture/full-run (read into memory, so the run writes nowhere on disk):
/// Etl.CloseCustomers has a test file, Etl.LoadNewCustomers has none and gets one generated,
/// and the NOLOCK in it is an ETL0010 warning.
/// </summary>
public class FullRunTests
{
    private const string CloseTest = "tests/etl/Etl.CloseCustomers.etltest.yaml";
    private const string Generated = "tests/etl/Etl.LoadNewCustomers.etltest.yaml";

    private static MemoryFileSource Fixture() =>
        new MemoryFileSource().AddAll(new PhysicalFileSource(TestPaths.Fixture("full-run")));

    private static FullRun Run(MemoryFileSource files, FullRunOptions? options = null) =>
        new(files, files, new WorkspaceAnalyzer(WorkspaceSettings.Load(files)) { RetainSyntax = true }, EmbeddedSandbox(files),
            options ?? new FullRunOptions { GenerationBudget = TimeSpan.FromSeconds(60), Timestamp = new DateTime(2024, 1, 31, 0, 0, 0, DateTimeKind.Utc) });

    /// <summary>The embedded sandbox as the engine builds it, whatever the environment holds.</summary>
    private static Core.Sandbox.SandboxFactoryProvider EmbeddedSandbox(MemoryFileSource files) =>
        Engine.Create(files, WorkspaceSettings.Load(files), new EngineHost(new SystemClock(), Core.Ports.EnvironmentVariables.None)).Sandboxes;

    private sealed class Recorder : IProgress<FullRunProgress>
    {
        public List<FullRunProgress> Reports { get; } = new();
        public Action<FullRunProgress>? OnReport { get; init; }
        public void Report(FullRunProgress value) { lock (Reports) Reports.Add(value); OnReport?.Invoke(value); }
    }

    [Fact]
    public async Task Generates_where_a_procedure_has_no_test_runs_every_test_and_writes_both_reports()
    {
        var files = Fixture();
        var progress = new Recorder();
        var result = await Run(files).RunAsync(progress);

        var generated = Assert.Single(result.Generated);
        Assert.Equal("Etl.LoadNewCustomers", generated.Transformation);
        Assert.Equal(Generated, generated.Path);
        Assert.True(GeneratedTestFiles.IsRecorded(files.ReadAllText(Generated)), "a generated file says it is recorded behaviour");
        Assert.Empty(result.NotGenerated);

        // the hand-written test and every generated case ran, and passed on the code they were recorded from
        Assert.Contains(result.Tests.Cases, c => c.File.Path == CloseTest);
        Assert.Equal(1 + generated.Result!.File!.Cases.Count, result.Tests.Cases.Count);
        Assert.True(result.TestsPassed, FullRunReport.Text(result));
        Assert.Equal("ETL0010", Assert.Single(result.Findings).RuleId);
        Assert.False(result.Fails(Severity.Error));
        Assert.True(result.Fails(Severity.Warning));
        Assert.Matches(@"^\d+ passed, 0 failed · 1 finding \(0 errors, 1 warnings, 0 information\)$", result.SummaryLine);
        Assert.EndsWith(result.SummaryLine + "\n", FullRunReport.Text(result).Replace("\r\n", "\n"));

        // seconds of generation per procedure, and their mean, in the output and the HTML report
        var took = Assert.Single(result.GenerationTimes);
        Assert.Equal(("Etl.LoadNewCustomers", true), (took.Transformation, took.Written));
        Assert.True(took.Elapsed > TimeSpan.Zero);
        Assert.Matches(@"\n  generation: 1 procedure in \d+\.\d s, \d+\.\d s per procedure on average \(slowest: Etl\.LoadNewCustomers \d+\.\d s\)\n", FullRunReport.Text(result).Replace("\r\n", "\n"));
        Assert.Contains("<h2>Generation</h2>", files.ReadAllText(FullRunResult.HtmlFile));

        // SARIF: valid JSON with the finding; JUnit: valid XML with every case
        Assert.Equal(new[] { FullRunResult.SarifFile, FullRunResult.JUnitFile, FullRunResult.HtmlFile }, result.Reports);
        using var sarif = JsonDocument.Parse(files.ReadAllText(FullRunResult.SarifFile));
        Assert.Equal("2.1.0", sarif.RootElement.GetProperty("version").GetString());
        var sarifResult = Assert.Single(sarif.RootElement.GetProperty("runs")[0].GetProperty("results").EnumerateArray());
        Assert.Equal("ETL0010", sarifResult.GetProperty("ruleId").GetString());
        var junit = XDocument.Parse(files.ReadAllText(FullRunResult.JUnitFile));
        Assert.Equal(result.Tests.Cases.Count, junit.Descendants("testcase").Count());
        Assert.Equal("0", junit.Root!.Attribute("failures")!.Value);

        // progress: every step, in order, never going back, ending at 100
        var stages = progress.Reports.Select(p => p.Stage).Distinct().ToList();
        Assert.Equal(new[] { FullRunStage.Discover, FullRunStage.Generate, FullRunStage.GenerateStep, FullRunStage.Test, FullRunStage.Check, FullRunStage.Report, FullRunStage.Done }, stages);
        // within a generation: its candidate inputs, then its mutants, then the self-check
        var steps = progress.Reports.Where(p => p.Stage == FullRunStage.GenerateStep).Select(p => p.Message).ToList();
        Assert.Contains(steps, m => m.Contains("): candidate inputs: ", StringComparison.Ordinal));
        Assert.Contains(steps, m => m.Contains("): mutants: ", StringComparison.Ordinal));
        Assert.Contains(steps, m => m.Contains("): checking the ", StringComparison.Ordinal));
        Assert.True(progress.Reports.Zip(progress.Reports.Skip(1)).All(p => p.First.Percentage <= p.Second.Percentage), "percentages never go back");
        Assert.Equal(100, progress.Reports[^1].Percentage);
    }

    [Fact]
    public async Task A_failing_case_fails_the_run_and_is_in_the_junit_report()
    {
        var files = Fixture();
        // the hand-written expectation now disagrees with the procedure: C-2 closed, but expected open
        files.Add(CloseTest, files.ReadAllText(CloseTest).Replace("\"C-2\", \"Is Current\": false", "\"C-2\", \"Is Current\": true"));
        var result = await Run(files, new FullRunOptions { Generate = false }).RunAsync();

        Assert.Empty(result.Generated);
        Assert.False(files.Exists(Generated));
        Assert.Equal(1, result.Tests.Failed);
        Assert.False(result.TestsPassed);
        Assert.True(result.Fails(null), "a failing test fails the run whatever --fail-on says");
        Assert.StartsWith("0 passed, 1 failed · ", result.SummaryLine);
        var junit = XDocument.Parse(files.ReadAllText(FullRunResult.JUnitFile));
        Assert.Single(junit.Descendants("failure"));
        // and in the SARIF report, at the case's line in the test file, beside the findings
        using var sarif = JsonDocument.Parse(files.ReadAllText(FullRunResult.SarifFile));
        var run = sarif.RootElement.GetProperty("runs")[0];
        var failed = Assert.Single(result.Tests.Cases, c => c.Outcome != TestOutcome.Passed);
        var tests = run.GetProperty("results").EnumerateArray().Where(r => r.GetProperty("ruleId").GetString() == FailingTestCase.Rule.Id).ToList();
        Assert.Equal(failed.Failures.Count, tests.Count);   // one result per failed expectation
        var test = tests[0];
        Assert.Equal("error", test.GetProperty("level").GetString());
        Assert.StartsWith(failed.Case.Name + ": ", test.GetProperty("message").GetProperty("text").GetString());
        var location = test.GetProperty("locations")[0].GetProperty("physicalLocation");
        Assert.Equal(CloseTest, location.GetProperty("artifactLocation").GetProperty("uri").GetString());
        Assert.Equal(failed.Failures[0].Line > 0 ? failed.Failures[0].Line : failed.Case.Line, location.GetProperty("region").GetProperty("startLine").GetInt32());
        Assert.Equal(16, test.GetProperty("partialFingerprints").GetProperty("etlAgentFinding/v2").GetString()!.Length / 2);
        var rules = run.GetProperty("tool").GetProperty("driver").GetProperty("rules").EnumerateArray().ToList();
        Assert.Equal("ETL0100", rules[test.GetProperty("ruleIndex").GetInt32()].GetProperty("id").GetString());
        // beside them, the root cause of the failure on the code (ETL0110)
        Assert.Equal(result.TestFindings.Count(f => f.RuleId == FailingTestCase.Rule.Id), tests.Count);
        Assert.Equal(result.RootCauses.Failures.Count(f => f.RootCause is not null), result.TestFindings.Count(f => f.RuleId == Core.Analysis.RootCauseFinding.Rule.Id));
    }

    [Fact]
    public async Task A_test_file_that_does_not_load_fails_the_run_but_the_other_tests_still_run()
    {
        var files = Fixture();
        files.Add("tests/etl/Broken.etltest.yaml", "transformation: Etl.NoSuchProcedure\ncases:\n  - name: x\n    expect: {}\n");
        var result = await Run(files, new FullRunOptions { Generate = false }).RunAsync();

        Assert.Contains(result.TestFileErrors, e => e.File == "tests/etl/Broken.etltest.yaml" && e.Line > 0);
        Assert.Equal(1, result.Tests.Passed);
        Assert.Equal(1, result.Failed);
        Assert.False(result.TestsPassed);
        Assert.Contains("tests/etl/Broken.etltest.yaml:", FullRunReport.Text(result));
    }

    [Fact]
    public async Task A_spent_budget_lists_what_was_not_generated()
    {
        var files = Fixture();
        var result = await Run(files, new FullRunOptions { GenerationBudget = TimeSpan.Zero }).RunAsync();
        Assert.Empty(result.Generated);
        Assert.Equal(new[] { "Etl.LoadNewCustomers" }, result.NotGenerated);
        Assert.Contains("not generated, budget spent: Etl.LoadNewCustomers", FullRunReport.Text(result));
    }

    [Fact]
    public async Task A_generation_still_running_when_the_budget_ends_is_abandoned_and_nothing_is_written()
    {
        var files = Fixture();
        // 10 ms: the procedure is started (budget left) but its candidate runs outlast the budget.
        var result = await Run(files, new FullRunOptions { GenerationBudget = TimeSpan.FromMilliseconds(10) }).RunAsync();
        Assert.Empty(result.Generated);
        Assert.Equal(new[] { "Etl.LoadNewCustomers" }, result.NotGenerated);
        Assert.False(files.Exists(Generated));
        Assert.Equal(1, result.Tests.Passed);
    }

    [Fact]
    public async Task Cancellation_stops_the_run_before_the_reports()
    {
        var files = Fixture();
        using var cancel = new CancellationTokenSource();
        var progress = new Recorder { OnReport = p => { if (p.Stage == FullRunStage.Test) cancel.Cancel(); } };
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            Run(files, new FullRunOptions { Generate = false }).RunAsync(progress, cancel.Token));
        Assert.False(files.Exists(FullRunResult.JUnitFile));
    }

    [Fact]
    public void An_analyzer_without_syntax_trees_is_refused()
    {
        var files = Fixture();
        Assert.Throws<ArgumentException>(() => new FullRun(files, files, new WorkspaceAnalyzer(WorkspaceSettings.Default) { RetainSyntax = false }, EmbeddedSandbox(files)));
    }
}
