using EtlAgent.Core.Model;
using EtlAgent.Core.Reporting;
using EtlAgent.Core.Sandbox;
using EtlAgent.Core.Sandbox.Runner;
using EtlAgent.Core.Sandbox.TestFiles;
using EtlAgent.Core.Workspace;

namespace EtlAgent.Core.Tests.Sandbox;

/// <summary>
/// The fixture warehouse's Dim.LoadCustomer test file through the runner, with the procedure's
/// documented behaviour written in C# for the fake sandbox (the real run waits for the embedded
/// sandbox). Checks that the hand-worked expectations hang together, and shows what a regression
/// looks like in the report.
/// </summary>
public class FixtureRunnerTests
{
    private static readonly DateTime EndOfTime = new DateTime(9999, 12, 31, 23, 59, 59).AddTicks(9_999_999);
    private static readonly QualifiedName Customer = QualifiedName.Parse("Dim.Customer");
    private static readonly QualifiedName Staging = QualifiedName.Parse("Staging.Customer");
    private static readonly QualifiedName Lineage = QualifiedName.Parse("Integration.Lineage");
    private static readonly QualifiedName Watermark = QualifiedName.Parse("Integration.Load Watermark");
    private static readonly string[] Tracked = { "Customer Name", "Bill To Customer Code", "Category", "Buying Group", "Primary Contact", "Postal Code" };

    private static TestFile LoadCustomerFile()
    {
        var files = new PhysicalFileSource(TestPaths.Fixture("warehouse"));
        const string path = "tests/etl/Dim.LoadCustomer.etltest.yaml";
        var result = new TestFileLoader(WarehouseFixture.Analysis).Load(path, files.ReadAllText(path));
        Assert.True(result.Success, string.Join("\n", result.Errors));
        return result.File!;
    }

    private static bool Same(object? a, object? b) => RowComparison.ValuesEqual(a, b, new SqlType("nvarchar", Length: 100));

    /// <summary>Dim.LoadCustomer as its comments describe it, for the first three cases (no error path).</summary>
    internal static ExecutionResult? LoadCustomer(FakeDatabase db, ExecutionRequest request, bool closeOldVersion)
    {
        var now = request.Clock!.Value;
        var mark = db.Rows(Watermark).FirstOrDefault(w => Same(w["Table Name"], "Dim.Customer"));
        var last = mark is null ? new DateTime(2013, 1, 1) : (DateTime)mark["Cutoff Time"]!;
        db.Insert(Lineage, new SandboxRow { ["Table Name"] = "Dim.Customer", ["Data Load Started"] = now, ["Cutoff Time"] = now, ["Was Successful"] = false });
        int lineageKey = db.Rows(Lineage).Count;

        string Clean(object? v, string fallback) => v is string s && s.Trim().Length > 0 ? s.Trim() : fallback;
        var changes = db.Rows(Staging)
            .Where(s => s["Customer Code"] is not null && s["Last Modified"] is DateTime m && m > last && m <= now)
            .GroupBy(s => ((string)s["Customer Code"]!).ToUpperInvariant())
            .Select(g => g.OrderByDescending(s => (DateTime)s["Last Modified"]!).ThenByDescending(s => (int)s["Load Batch ID"]!).First())
            .Select(s => new SandboxRow
            {
                ["Customer Code"] = s["Customer Code"],
                ["Customer Name"] = Clean(s["Customer Name"], "Unknown"),
                ["Bill To Customer Code"] = s["Bill To Customer Code"] ?? s["Customer Code"],
                ["Category"] = s["Category"] ?? "N/A",
                ["Buying Group"] = s["Buying Group"] ?? "N/A",
                ["Primary Contact"] = s["Primary Contact"] ?? "N/A",
                ["Postal Code"] = s["Postal Code"] ?? "N/A",
                ["Valid From"] = s["Last Modified"],
            })
            .Where(c => !db.Rows(Customer).Any(d => Same(d["Customer Code"], c["Customer Code"]) && Equals(d["Valid To"], EndOfTime)
                                                   && Tracked.All(t => Same(d[t], c[t]))))
            .ToList();
        int nextKey = 1;
        foreach (var c in changes)
        {
            var current = db.Rows(Customer).FirstOrDefault(d => Same(d["Customer Code"], c["Customer Code"]) && Equals(d["Valid To"], EndOfTime));
            if (current is not null && (DateTime)current["Valid From"]! >= (DateTime)c["Valid From"]!) continue;
            if (current is not null && closeOldVersion) current["Valid To"] = c["Valid From"];
            var row = new SandboxRow(c) { ["Customer Key"] = nextKey++, ["Valid To"] = EndOfTime, ["Lineage Key"] = lineageKey };
            db.Insert(Customer, row);
        }
        var lineage = db.Rows(Lineage)[lineageKey - 1];
        lineage["Data Load Completed"] = now;
        lineage["Was Successful"] = true;
        if (mark is null) db.Insert(Watermark, new SandboxRow { ["Table Name"] = "Dim.Customer", ["Cutoff Time"] = now, ["Updated At"] = now });
        else { mark["Cutoff Time"] = now; mark["Updated At"] = now; }
        return null;
    }

    private static TestRunResult Run(bool closeOldVersion)
    {
        var runner = new TestRunner(WarehouseFixture.Analysis, setup => new FakeSandboxFactory(setup, (db, r) => LoadCustomer(db, r, closeOldVersion)));
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
