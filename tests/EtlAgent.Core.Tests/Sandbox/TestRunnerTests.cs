using EtlAgent.Core.Model;
using EtlAgent.Core.Sandbox;
using EtlAgent.Core.Sandbox.Runner;
using EtlAgent.Core.Sandbox.TestFiles;
using static EtlAgent.Core.Tests.Sandbox.SandboxTestWorkspace;

namespace EtlAgent.Core.Tests.Sandbox;

public class TestRunnerTests
{
    private static readonly QualifiedName Src = QualifiedName.Parse("dbo.Src");
    private static readonly QualifiedName Dst = QualifiedName.Parse("dbo.Dst");

    /// <summary>dbo.LoadDst as the fake runs it: copy Name and Amount from dbo.Src into dbo.Dst.</summary>
    public static ExecutionResult? LoadDst(FakeDatabase db, ExecutionRequest request)
    {
        foreach (var s in db.Rows(Src).ToList())
            db.Insert(Dst, new SandboxRow { ["Name"] = s["Name"], ["Amount"] = s["Amount"] });
        return null;
    }

    private static (TestRunResult Run, List<FakeSandboxFactory> Factories) Run(string yaml, FakeExecution execute, Func<TestFile, TestCase, bool>? filter = null)
    {
        var file = LoadOk(yaml);
        var factories = new List<FakeSandboxFactory>();
        var runner = new TestRunner(SandboxTestWorkspace.Analysis, setup =>
        {
            var f = new FakeSandboxFactory(setup, execute);
            factories.Add(f);
            return f;
        });
        return (runner.RunAsync(new[] { file }, filter).GetAwaiter().GetResult(), factories);
    }

    private const string Passing = """
        transformation: dbo.LoadDst
        cases:
          - name: copies every row
            clock: "2016-06-02T08:00:00"
            given:
              dbo.Src:
                - {Id: 1, Name: "Ann", Amount: 10}
                - {Id: 2, Name: "Bob", Amount: 2.5}
            call: {"@BatchId": 7}
            expect:
              dbo.Dst:
                rows:
                  - {Id: 2, Name: "bob ", Amount: 2.50, Status: "new"}
                  - {Id: 1, Name: "ANN", Amount: 10.00, Status: "NEW"}
              row_counts: {dbo.Src: 2}
        """;

    [Fact]
    public void A_passing_case_runs_in_its_own_sandbox_with_clock_and_typed_arguments()
    {
        var (run, factories) = Run(Passing, LoadDst);
        Assert.True(run.Success, TestFailures(run));
        Assert.Equal(1, run.Passed);
        var factory = Assert.Single(factories);
        Assert.True(factory.Setup.EnforceForeignKeys);
        Assert.Equal(1, factory.Created);
        Assert.Equal(1, factory.Disposed);
        Assert.True(factory.FactoryDisposed);
        var request = factory.Sandboxes[0].Requests.Single();
        Assert.Equal("dbo.LoadDst", request.Transformation);
        Assert.Equal(new DateTime(2016, 6, 2, 8, 0, 0), request.Clock);
        Assert.Equal(7, request.Arguments["@batchid"]);
    }

    [Fact]
    public void A_wrong_result_lists_missing_and_unexpected_rows()
    {
        // the "bug": names are written upper-cased with a suffix, and one row is lost
        var (run, _) = Run(Passing, (db, r) =>
        {
            foreach (var s in db.Rows(Src).Take(1).ToList())
                db.Insert(Dst, new SandboxRow { ["Name"] = s["Name"] + "!", ["Amount"] = s["Amount"] });
            return null;
        });
        var result = Assert.Single(run.Cases);
        Assert.Equal(TestOutcome.Failed, result.Outcome);
        var mismatch = Assert.IsType<RowsMismatch>(Assert.Single(result.Failures));
        Assert.Equal(Dst, mismatch.Table);
        Assert.Equal(new[] { "Id", "Name", "Amount", "Status" }, mismatch.Diff.Columns);
        Assert.Equal(2, mismatch.Diff.Missing.Count);
        Assert.Equal(new object?[] { 1L, "Ann!", 10.00m, "new" }, Assert.Single(mismatch.Diff.Unexpected));
        Assert.Equal("dbo.Dst: 2 missing, 1 unexpected (expected 2 rows, found 1)", mismatch.Summary);
        Assert.Equal(11, mismatch.Line); // the line of "dbo.Dst:" under expect
        Assert.Equal("0 passed, 1 failed", TextLines(run)[^1]);
    }

    [Fact]
    public void Contains_columns_and_row_counts()
    {
        var yaml = """
            transformation: dbo.LoadDst
            cases:
              - name: contains
                given: {dbo.Src: [{Id: 1, Name: "Ann", Amount: 10}, {Id: 2, Name: "Bob", Amount: 3}]}
                expect:
                  dbo.Dst:
                    columns: [Name]
                    match: contains
                    rows: [{Name: "Bob"}]
              - name: counts
                given: {dbo.Src: [{Id: 1, Name: "Ann"}]}
                expect:
                  row_counts: {dbo.Dst: 2}
            """;
        var (run, factories) = Run(yaml, LoadDst);
        Assert.Equal(TestOutcome.Passed, run.Cases[0].Outcome);
        var count = Assert.IsType<RowCountMismatch>(Assert.Single(run.Cases[1].Failures));
        Assert.Equal((2L, 1L), (count.Expected, count.Actual));
        Assert.Equal(2, factories.Single().Created); // a fresh sandbox per case: the second case does not see the first one's rows
    }

    [Fact]
    public void Errors_expected_unexpected_and_mismatched()
    {
        var yaml = """
            transformation: dbo.LoadDst
            cases:
              - name: expected and raised
                expect: {error: {number: 51000, message_contains: "NO SOURCE"}}
              - name: expected but not raised
                given: {dbo.Src: [{Id: 1, Name: "Ann"}]}
                expect: {error: 51000}
              - name: not expected but raised
              - name: another error
                expect: {error: {number: 2627}}
              - name: same error, another state
                expect: {error: {number: 51000, severity: 16, state: 2}}
              - name: same error, same severity and state
                expect: {error: {number: 51000, severity: 16, state: 1}}
            """;
        var location = new Location("load.sql", new TextRange(0, 0, new LinePosition(11, 8), new LinePosition(11, 30)));
        var (run, _) = Run(yaml, (db, r) => db.Rows(Src).Count == 0
            ? FakeSandbox.Result(new SandboxError(51000, "No source rows staged.", 16, 1, location, "THROW 51000, N'No source rows staged.', 1;"))
            : null);
        Assert.Equal(TestOutcome.Passed, run.Cases[0].Outcome);
        Assert.Equal("expected error 51000 but the call succeeded", Assert.Single(run.Cases[1].Failures).Summary);
        var unexpected = Assert.IsType<ErrorMismatch>(Assert.Single(run.Cases[2].Failures));
        Assert.Null(unexpected.Expected);
        Assert.Equal(51000, unexpected.Actual!.Number);
        Assert.Equal("expected error 2627 but the call raised error 51000: No source rows staged.", Assert.Single(run.Cases[3].Failures).Summary);
        Assert.Equal("expected error 51000 severity 16 state 2 but the call raised error 51000, severity 16, state 1: No source rows staged.", Assert.Single(run.Cases[4].Failures).Summary);
        Assert.Equal(TestOutcome.Passed, run.Cases[5].Outcome);
        var text = Core.Reporting.TestReport.Text(run);
        Assert.Contains("Msg 51000, Level 16, State 1, at load.sql:12:9", text);
        Assert.Contains("statement: THROW 51000, N'No source rows staged.', 1;", text);
    }

    [Fact]
    public void A_view_result_is_compared_with_its_shape()
    {
        var yaml = """
            transformation: dbo.BigAmounts
            cases:
              - name: only big amounts
                given: {dbo.Src: [{Id: 1, Amount: 150}, {Id: 2, Amount: 50}]}
                expect:
                  result: [{Id: 1, Amount: 150}]
              - name: wrong column
                expect:
                  result: [{Nope: 1}]
            """;
        var file = new TestFileLoader(SandboxTestWorkspace.Analysis).Load("v.etltest.yaml", yaml);
        Assert.Equal("unknown column 'Nope' in the result", file.Errors.Single().Message);

        var (run, _) = Run(yaml.Replace("Nope", "Id"), (db, r) =>
        {
            var rows = db.Read(Src).Where(s => s["Amount"] is decimal a && a > 100)
                .Select(s => new SandboxRow { ["Id"] = s["Id"], ["Amount"] = s["Amount"] }).ToList();
            return FakeSandbox.Result(sets: new[] { new ResultSet(new[] { "Id", "Amount" }, rows) });
        });
        Assert.Equal(TestOutcome.Passed, run.Cases[0].Outcome);
        Assert.Equal(TestOutcome.Failed, run.Cases[1].Outcome); // no rows with Id 1 in an empty Src

        var (noSet, _) = Run(yaml.Replace("Nope", "Id"), (db, r) => null);
        Assert.IsType<ResultShapeMismatch>(noSet.Cases[0].Failures.Single());
    }

    [Fact]
    public void A_defect_of_the_tool_is_named_as_one_and_its_exception_kept_for_the_log()
    {
        var yaml = """
            transformation: dbo.LoadDst
            cases:
              - name: crashes
            """;
        var (run, _) = Run(yaml, (db, r) => throw new NullReferenceException());
        var failure = Assert.IsType<SandboxFailure>(Assert.Single(run.Cases[0].Failures));
        Assert.Equal(TestOutcome.Error, run.Cases[0].Outcome);
        Assert.Contains("internal error of etl-agent in test case \"crashes\" of dbo.LoadDst, at running dbo.LoadDst", failure.Summary);
        Assert.Contains("a defect of the tool, not of the SQL", failure.Summary);
        Assert.DoesNotContain("Object reference", failure.Summary);
        var defect = Assert.Single(run.Defects);
        Assert.IsType<NullReferenceException>(defect.InnerException);
        Assert.Contains("NullReferenceException", defect.LogText);   // the log gets the exception and its stack
    }

    [Fact]
    public void Unsupported_constructs_and_sandbox_failures_are_errors_not_crashes()
    {
        var yaml = """
            transformation: dbo.LoadDst
            cases:
              - name: unsupported
              - name: bad given
                given: {dbo.Dst: [{Name: null, Amount: 1}]}
            """;
        var location = new Location("load.sql", new TextRange(0, 0, new LinePosition(4, 4), new LinePosition(4, 20)));
        var (run, factories) = Run(yaml, (db, r) => throw new UnsupportedConstructException("OPENQUERY", location));
        var unsupported = Assert.IsType<SandboxFailure>(Assert.Single(run.Cases[0].Failures));
        Assert.Equal(TestOutcome.Error, run.Cases[0].Outcome);
        Assert.Equal("OPENQUERY", unsupported.Construct);
        Assert.Equal(location, unsupported.Location);
        var failure = Assert.IsType<SandboxFailure>(Assert.Single(run.Cases[1].Failures));
        Assert.StartsWith("the sandbox failed while inserting the given rows of dbo.Dst: Cannot insert the value NULL into column 'Name'", failure.Summary);
        Assert.Equal(2, factories.Single().Disposed); // disposed even when the case failed
        Assert.Equal(0, run.Passed);
        Assert.Equal(2, run.Failed);
    }

    [Fact]
    public void Given_tables_are_inserted_parents_first_and_fk_setting_picks_the_factory()
    {
        var yaml = """
            transformation: dbo.LoadChild
            enforce_foreign_keys: false
            cases:
              - name: children need parents
                given:
                  dbo.Child: [{Id: 9, ParentId: 1}]
                  dbo.Src: [{Id: 1}]
                  dbo.Parent: [{Id: 1}]
            """;
        var (run, factories) = Run(yaml, (db, r) => null);
        Assert.True(run.Success, TestFailures(run));
        var factory = Assert.Single(factories);
        Assert.False(factory.Setup.EnforceForeignKeys);
        Assert.Equal(new[] { "dbo.Src", "dbo.Parent", "dbo.Child" }, factory.Sandboxes[0].InsertOrder.Select(t => t.ToString()));
    }

    [Fact]
    public void A_filter_selects_cases()
    {
        var yaml = Passing + """

              - name: second case
                expect: {row_counts: {dbo.Dst: 0}}
            """;
        var (run, _) = Run(yaml, LoadDst, (f, c) => c.Name.StartsWith("second"));
        Assert.Equal("second case", Assert.Single(run.Cases).Case.Name);
    }

    [Fact]
    public async Task A_case_that_runs_too_long_is_stopped_and_the_run_goes_on()
    {
        var file = LoadOk("transformation: dbo.LoadDst\ncases:\n  - name: endless loop\n  - name: next\n");
        var runner = new TestRunner(SandboxTestWorkspace.Analysis, setup => new FakeSandboxFactory(setup, (db, r) => null) { ExecuteDelay = TimeSpan.FromSeconds(30) })
        {
            CaseTimeout = TimeSpan.FromMilliseconds(200),
        };
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var run = await runner.RunAsync(new[] { file });
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10));
        Assert.Equal(2, run.Cases.Count);
        Assert.All(run.Cases, c => Assert.Equal(TestOutcome.Error, c.Outcome));
        Assert.Equal("timed out after 0.2 s while running dbo.LoadDst", run.Cases[0].Failures.Single().Summary);

        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => runner.RunAsync(new[] { file }, cancellationToken: cancelled.Token));
    }

    [Fact]
    public void Expected_messages_must_be_printed_in_order_and_a_missing_one_names_what_was_printed()
    {
        static ExecutionResult? Prints(FakeDatabase db, ExecutionRequest request) =>
            new(null, Array.Empty<ResultSet>(), new[] { "Loading.", "dbo.Dst: 2 inserted.", "Done." }, 0, new Dictionary<string, object?>(), TimeSpan.Zero);
        const string Yaml = """
            transformation: dbo.LoadDst
            cases:
              - name: reports its count
                expect:
                  messages:
                  - "DBO.DST: 2 INSERTED.  "
                  - "Done."
              - name: wrong order
                expect:
                  messages: ["Done.", "dbo.Dst: 2 inserted."]
              - name: wrong count
                expect:
                  messages: ["dbo.Dst: 3 inserted."]
            """;
        var (run, _) = Run(Yaml, Prints);
        Assert.Equal(TestOutcome.Passed, run.Cases[0].Outcome);
        var order = Assert.IsType<MessagesMismatch>(Assert.Single(run.Cases[1].Failures));
        Assert.Equal("dbo.Dst: 2 inserted.", order.Missing);
        var count = Assert.IsType<MessagesMismatch>(Assert.Single(run.Cases[2].Failures));
        Assert.Equal("expected the message \"dbo.Dst: 3 inserted.\" (in order), but the call printed: \"Loading.\" | \"dbo.Dst: 2 inserted.\" | \"Done.\"", count.Summary);
        Assert.True(count.Line > 0);

        // and the writer keeps them
        var file = LoadOk(Yaml);
        var written = TestFileWriter.Write(file, SandboxTestWorkspace.Analysis.Catalog);
        Assert.Equal(file.Cases[0].Expect.Messages!.Messages, LoadOk(written).Cases[0].Expect.Messages!.Messages);
    }

    [Fact]
    public void Expected_outputs_and_return_status_must_hold_after_the_call_and_only_OUTPUT_parameters_may_be_named()
    {
        static ExecutionResult? Counts(FakeDatabase db, ExecutionRequest request) =>
            new(null, Array.Empty<ResultSet>(), Array.Empty<string>(), 0, new Dictionary<string, object?> { ["@Count"] = 2L, ["@Note"] = null }, TimeSpan.Zero);
        const string Yaml = """
            transformation: dbo.CountDst
            cases:
              - name: answers the count
                expect:
                  outputs: {"@Count": 2, "@Note": null}
              - name: wrong count
                expect:
                  outputs: {"Count": 3}
              - name: returns 0
                expect:
                  return: 0
              - name: wrong status
                expect:
                  return: 1
            """;
        var (run, _) = Run(Yaml, Counts);
        Assert.Equal(TestOutcome.Passed, run.Cases[0].Outcome);
        var wrong = Assert.IsType<OutputMismatch>(Assert.Single(run.Cases[1].Failures));
        Assert.Equal("output @Count: expected 3, found 2", wrong.Summary);
        Assert.True(wrong.Line > 0);
        Assert.Equal(TestOutcome.Passed, run.Cases[2].Outcome);
        var status = Assert.IsType<ReturnMismatch>(Assert.Single(run.Cases[3].Failures));
        Assert.Equal("expected the call to return 1, it returned 0", status.Summary);

        // the writer keeps them, and a parameter that is not OUTPUT is refused with the ones that are
        var file = LoadOk(Yaml);
        var written = TestFileWriter.Write(file, SandboxTestWorkspace.Analysis.Catalog);
        Assert.Contains("outputs: {\"@Count\": 2, \"@Note\": null}", written);
        Assert.Equal(file.Cases[0].Expect.Outputs!.Values, LoadOk(written).Cases[0].Expect.Outputs!.Values);
        Assert.Equal(1, LoadOk(written).Cases[3].Expect.Return!.Value);
        var refused = SandboxTestWorkspace.Load("""
            transformation: dbo.LoadDst
            cases:
              - name: no outputs
                call: {"@BatchId": 1}
                expect:
                  outputs: {"@BatchId": 1}
            """);
        Assert.Contains(refused.Errors, e => e.Message.Contains("'@BatchId' is not an OUTPUT parameter of dbo.LoadDst; it has no OUTPUT parameters", StringComparison.Ordinal));
    }

    internal static string TestFailures(TestRunResult run) => Core.Reporting.TestReport.Text(run);

    internal static string[] TextLines(TestRunResult run) => Core.Reporting.TestReport.Text(run).TrimEnd('\n').Split('\n');
}
