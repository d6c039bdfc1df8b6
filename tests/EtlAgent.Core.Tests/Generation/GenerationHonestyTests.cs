using EtlAgent.Core.WorkspaceModel;
using EtlAgent.Core.Agent;
using EtlAgent.Core.Generation;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Workspace;

namespace EtlAgent.Core.Tests.Generation;

/// <summary>
/// The generator records behaviour only where there is some (tests/fixtures/generation-honesty, read
/// into memory): a procedure every input stops in at one statement is "not testable yet" there, one
/// that only raises errors gets no file, and an invariant the code breaks is a suspected bug (ETL0104).
/// </summary>
public class GenerationHonestyTests
{
    private static MemoryFileSource Fixture() => FixtureGeneration.Load("generation-honesty");

    private static Task<GeneratedTestFile> GenerateAsync(MemoryFileSource files, string transformation) =>
        FixtureGeneration.GenerateAsync(files, transformation);

    [Fact]
    public async Task Every_input_stopping_at_one_statement_with_one_error_is_not_testable_yet_there_and_nothing_is_written()
    {
        var files = Fixture();
        var g = await GenerateAsync(files, "Etl.LoadVersioned");

        Assert.False(g.Written);
        Assert.False(g.Failed);
        Assert.StartsWith("not testable yet: procs/LoadVersioned.sql:7: every one of the ", g.Skipped);
        Assert.Contains("error 245", g.Skipped);
        Assert.Equal(g.Skipped, g.Result!.NoTestsReason);
        Assert.Null(g.Result.File);
        Assert.False(files.Exists(GeneratedTestFiles.DefaultPath(GeneratedTestFiles.DefaultDirectory, "Etl.LoadVersioned")));
    }

    [Fact]
    public async Task Every_input_failing_inside_TRY_at_one_statement_while_CATCH_logs_and_swallows_it_is_not_testable_yet()
    {
        var files = Fixture();
        var g = await GenerateAsync(files, "Etl.LoadLogged");

        // each call "succeeds" with a row in Etl.ErrorLog, yet no input reaches the load: recording that records the gap
        Assert.False(g.Written);
        Assert.False(g.Failed);
        Assert.StartsWith("not testable yet: procs/LoadLogged.sql:9: every one of the ", g.Skipped);
        Assert.Contains("fails with error 245", g.Skipped);
        Assert.Contains("a CATCH block handles", g.Skipped);
        Assert.False(files.Exists(GeneratedTestFiles.DefaultPath(GeneratedTestFiles.DefaultDirectory, "Etl.LoadLogged")));
    }

    [Fact]
    public async Task A_TRY_block_whose_failure_skips_nothing_is_no_failure_of_the_load()
    {
        // BEGIN TRY DROP TABLE #Work END TRY BEGIN CATCH END CATCH: 3701 every time, by design
        var g = await GenerateAsync(Fixture(), "Etl.LoadAfterDrop");

        Assert.True(g.Written, g.Skipped);
        Assert.Contains(g.Result!.File!.Cases, c => c.Expect.Error is null
            && c.Expect.Tables.Any(t => t.Table?.ToString() == "Dim.Customer" && t.Rows is { Count: > 0 }));
    }

    [Fact]
    public async Task Inputs_that_all_raise_some_error_give_no_file_of_error_cases()
    {
        var files = Fixture();
        var g = await GenerateAsync(files, "Etl.RejectAll");

        Assert.False(g.Written);
        Assert.StartsWith("not testable yet: no candidate input runs without an error (", g.Skipped);
        Assert.Contains("error 50001 at procs/RejectAll.sql:7", g.Skipped);
        Assert.Contains("error 50002 at procs/RejectAll.sql:8", g.Skipped);
        Assert.False(files.Exists(GeneratedTestFiles.DefaultPath(GeneratedTestFiles.DefaultDirectory, "Etl.RejectAll")));
    }

    [Fact]
    public async Task An_invariant_the_code_breaks_is_reported_as_a_suspected_bug_with_the_rows_and_left_out_of_the_file()
    {
        var files = Fixture();
        var g = await GenerateAsync(files, "Dim.LoadCustomer");

        Assert.True(g.Written, g.Skipped);
        var file = g.Result!.File!;
        // staged twice, the load inserts two current rows for one customer
        var unique = Assert.Single(g.Result.Findings, f => f.Message.Contains("unique in Dim.Customer", StringComparison.Ordinal));
        Assert.Equal(BrokenInvariant.Rule.Id, unique.RuleId);
        Assert.Equal("procs/LoadCustomer.sql", unique.Location.File);
        Assert.Contains("staged twice", unique.Message);
        Assert.Contains("two rows with [Customer Code]", unique.Message);
        Assert.Equal(2, unique.Message.Split("Valid To: 9999-12-31T23:59:59.9999999").Length - 1);   // the two current rows shown
        Assert.DoesNotContain(file.Invariants, i => i.ToString().Contains("unique in Dim.Customer", StringComparison.Ordinal));
        // the cases still record the behaviour; an error appears at most once per distinct error
        Assert.Contains(file.Cases, c => c.Expect.Error is null);
        Assert.All(file.Cases.Where(c => c.Expect.Error is not null).GroupBy(c => c.Expect.Error!.Number), grp => Assert.Single(grp));
    }

    [Fact]
    public async Task The_full_run_gives_every_procedure_without_tests_its_reason_and_reports_the_suspected_bug()
    {
        var files = Fixture();
        var analyzer = new WorkspaceAnalyzer(WorkspaceSettings.Load(files)) { RetainSyntax = true };
        var sandboxes = Engine.Create(files, WorkspaceSettings.Load(files), new EngineHost(new SystemClock(), EnvironmentVariables.None)).Sandboxes;
        var result = await new FullRun(files, files, analyzer, sandboxes,
            new FullRunOptions { GenerationBudget = TimeSpan.FromSeconds(120), MutationBudgetPerTransformation = TimeSpan.FromSeconds(5) }).RunAsync();

        var untested = result.Untested.ToDictionary(u => u.Transformation, u => u.Reason);
        Assert.Equal(new[] { "Etl.LoadLogged", "Etl.LoadVersioned", "Etl.RejectAll", "Report.CheckCustomers" }, untested.Keys.OrderBy(k => k, StringComparer.Ordinal));
        Assert.StartsWith("not testable yet: procs/LoadVersioned.sql:7:", untested["Etl.LoadVersioned"]);
        Assert.StartsWith("not testable yet: no candidate input runs without an error", untested["Etl.RejectAll"]);
        // neither writes a table nor returns rows (reads into a variable only): skipped, with the reason
        Assert.Equal(DefaultTargets.NothingToRecord, untested["Report.CheckCustomers"]);
        // writes no table but returns rows: generated, every case expecting the rows returned
        var report = Assert.Single(result.Generated, g => g.Transformation == "Report.CountCustomers");
        Assert.True(report.Written);
        Assert.NotEmpty(report.Result!.File!.Cases);
        Assert.All(report.Result.File.Cases, c => Assert.NotNull(c.Expect.Result));
        Assert.Contains(result.Findings, f => f.RuleId == BrokenInvariant.Rule.Id && f.Message.Contains("Dim.LoadCustomer", StringComparison.Ordinal));

        var text = FullRunReport.Text(result);
        Assert.Contains("Procedures without tests:", text);
        Assert.Contains("  Etl.LoadVersioned: not testable yet: procs/LoadVersioned.sql:7:", text);
        Assert.Matches(@"WROTE \S*Report\.CountCustomers\S*: \d+ cases, read-only: expects the rows it returns", text);
        Assert.Contains("warning ETL0104: suspected bug: Dim.LoadCustomer", text);
    }
}
