using EtlAgent.Core.Model;
using EtlAgent.Core.Sandbox;
using EtlAgent.Core.Sandbox.Runner;

namespace EtlAgent.Core.Tests.Sandbox;

/// <summary>
/// Dim.LoadCustomer of the fixture warehouse written in C# over a <see cref="FakeDatabase"/>, for
/// tests of the runner and of `etl-agent test` that need a transformation to run without a sandbox
/// engine. With closeOldVersion false it forgets to close the current version (a regression).
/// </summary>
public static class FakeLoadCustomer
{
    public static readonly DateTime EndOfTime = new DateTime(9999, 12, 31, 23, 59, 59).AddTicks(9_999_999);
    public static readonly QualifiedName Customer = QualifiedName.Parse("Dim.Customer");
    private static readonly QualifiedName Staging = QualifiedName.Parse("Staging.Customer");
    private static readonly QualifiedName Lineage = QualifiedName.Parse("Integration.Lineage");
    private static readonly QualifiedName Watermark = QualifiedName.Parse("Integration.Load Watermark");
    private static readonly string[] Tracked = { "Customer Name", "Bill To Customer Code", "Category", "Buying Group", "Primary Contact", "Postal Code" };

    private static bool Same(object? a, object? b) => RowComparison.ValuesEqual(a, b, new SqlType("nvarchar", Length: 100));

    /// <summary>Dim.LoadCustomer as its comments describe it, for the first three cases (no error path).</summary>
    public static ExecutionResult? Run(FakeDatabase db, ExecutionRequest request, bool closeOldVersion)
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
}
