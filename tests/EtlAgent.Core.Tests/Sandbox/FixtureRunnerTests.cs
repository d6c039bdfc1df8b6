using EtlAgent.Core.Model;
using EtlAgent.Core.Reporting;
using EtlAgent.Core.Sandbox;
using EtlAgent.Core.Sandbox.Runner;
using EtlAgent.Core.Sandbox.TestFiles;
using EtlAgent.Core.Workspace;

namespace EtlAgent.Core.Tests.Sandbox;

/// <summary>
/// The fixture warehouse's Dim.LoadCustomer test file through the runner, with the procedure's
/// documented behaviour written in C# for the fake sandbox (<see cref="FakeLoadCustomer"/>). Checks
/// that the hand-worked expectations hang together, and shows what a regression looks like in the report.
/// </summary>
public class FixtureRunnerTests
{
    private static readonly DateTime EndOfTime = FakeLoadCustomer.EndOfTime;
    private static readonly QualifiedName Customer = FakeLoadCustomer.Customer;

    private static TestFile LoadCustomerFile()
    {
        var files = new PhysicalFileSource(TestPaths.Fixture("warehouse"));
        const string path = "tests/etl/Dim.LoadCustomer.etltest.yaml";
        var result = new TestFileLoader(WarehouseFixture.Analysis).Load(path, files.ReadAllText(path));
        Assert.True(result.Success, string.Join("\n", result.Errors));
        return result.File!;
    }

    private static TestRunResult Run(bool closeOldVersion)
    {
        var runner = new TestRunner(WarehouseFixture.Analysis, setup => new FakeSandboxFactory(setup, (db, r) => FakeLoadCustomer.Run(db, r, closeOldVersion)));
        return runner.RunAsync(new[] { LoadCustomerFile() }, (f, c) => c.Expect.Error is null).GetAwaiter().GetResult();
    }

    [Fact]
    public void The_hand_worked_expectations_hold_for_the_documented_behaviour()
    {
        var run = Run(closeOldVersion: true);
        Assert.Equal(3, run.Cases.Count);
        Assert.True(run.Success, TestReport.Text(run));
    }

    [Fact]
    public void A_load_that_forgets_to_close_the_old_version_fails_with_the_rows_side_by_side()
    {
        var run = Run(closeOldVersion: false);
        var text = TestReport.Text(run);
        Assert.Equal("2 passed, 1 failed", text.TrimEnd('\n').Split('\n')[^1]);
        var failed = run.Cases.Single(c => c.Outcome == TestOutcome.Failed);
        Assert.Equal("closes the current version and inserts the new one", failed.Case.Name);
        var mismatch = Assert.IsType<RowsMismatch>(Assert.Single(failed.Failures));
        Assert.Equal(Customer, mismatch.Table);
        Assert.Equal(new DateTime(2016, 6, 1, 10, 0, 0), mismatch.Diff.Missing.Single()[8]);   // Valid To of the closed version
        Assert.Equal(EndOfTime, mismatch.Diff.Unexpected.Single()[8]);                         // still open
        Assert.Contains("9999-12-31T23:59:59.9999999", text);
        // ten compared columns are too wide side by side: only the first and the differing ones are shown
        Assert.Contains("(same in every row shown, hidden: Customer Name, Bill To Customer Code, Category, Buying Group, Primary Contact, Postal Code, Valid From, Lineage Key)", text);
        Assert.Contains("Customer Code │ Valid To" + new string(' ', 11) + "  ║  Customer Code │ Valid To", text);
        Assert.Contains("C-10          │ 2016-06-01T10:00:00  ║  C-10          │ 9999-12-31T23:59:59.9999999", text);
    }
}
