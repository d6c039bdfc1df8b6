using EtlAgent.Core.WorkspaceModel;
using EtlAgent.Core.Agent;
using EtlAgent.Core.Mutation;
using EtlAgent.Core.Sandbox;
using EtlAgent.Core.Sandbox.DuckDb;
using EtlAgent.Core.Sandbox.Runner;
using EtlAgent.Core.Sandbox.TestFiles;
using EtlAgent.Core.Workspace;
using Xunit.Abstractions;

namespace EtlAgent.Sandbox.Tests;

/// <summary>
/// Evidence for test generation: the files `etl-agent generate` wrote for fixture procedures
/// (Generated/, regenerate with `etl-agent generate tests/fixtures/warehouse --out ...`) pass on
/// the original code and fail on realistic bugs seeded by hand into the procedures.
/// </summary>
public sealed class GenerationEvidenceTests(ITestOutputHelper output)
{
    private static string GeneratedDir => Path.Combine(Harness.RepoRoot, "tests", "EtlAgent.Sandbox.Tests", "Generated");

    /// <summary>(procedure file, bug, text to find, replacement): realistic mistakes, one at a time.</summary>
    public static readonly (string File, string Bug, string Find, string Replace)[] SeededBugs =
    {
        ("Procedures/Dim/Dim.LoadCustomer.sql", "window start off by one (>= instead of >)", "WHERE s.[Last Modified] > @LastCutoff", "WHERE s.[Last Modified] >= @LastCutoff"),
        ("Procedures/Dim/Dim.LoadCustomer.sql", "window end off by one (< instead of <=)", "AND s.[Last Modified] <= @NewCutoff", "AND s.[Last Modified] < @NewCutoff"),
        ("Procedures/Dim/Dim.LoadCustomer.sql", "previous version not closed off", "SET d.[Valid To] = s.[Last Modified]", "SET d.[Valid To] = d.[Valid To]"),
        ("Procedures/Dim/Dim.LoadCustomer.sql", "oldest staged version wins", "ORDER BY s.[Last Modified] DESC, s.[Load Batch ID] DESC", "ORDER BY s.[Last Modified] ASC, s.[Load Batch ID] DESC"),
        ("Procedures/Dim/Dim.LoadCustomer.sql", "category and buying group swapped on insert", "c.[Category],\n            c.[Buying Group],", "c.[Buying Group],\n            c.[Category],"),
        ("Procedures/Dim/Dim.LoadCustomer.sql", "change in category not detected", "AND d.[Category] = sc.[Category]", "AND 1 = 1"),
        ("Procedures/Dim/Dim.LoadCustomer.sql", "bill-to does not fall back to the customer", "ISNULL(s.[Bill To Customer Code], s.[Customer Code])", "ISNULL(s.[Bill To Customer Code], 'N/A')"),
        ("Procedures/Dim/Dim.LoadCustomer.sql", "rows without a business key not filtered", "AND s.[Customer Code] IS NOT NULL", "AND 1 = 1"),
        ("Procedures/Dim/Dim.LoadCustomer.sql", "lineage key not recorded", "            @LineageKey\n        FROM #CustomerChanges", "            0\n        FROM #CustomerChanges"),
        ("Procedures/Dim/Dim.LoadSupplier.sql", "unknown member check looks for the wrong key", "WHERE [Supplier Key] = 0)", "WHERE [Supplier Key] = 1)"),
        ("Procedures/Dim/Dim.LoadSupplier.sql", "unknown member deactivated", "WHEN NOT MATCHED BY SOURCE AND tgt.[Supplier Key] <> 0 AND", "WHEN NOT MATCHED BY SOURCE AND"),
        ("Procedures/Dim/Dim.LoadSupplier.sql", "inactive supplier back in the snapshot not reactivated", "OR tgt.[Is Active] = 0) THEN", ") THEN"),
        ("Procedures/Dim/Dim.LoadSupplier.sql", "wrong default payment terms", "TRY_CONVERT(int, s.[Payment Days]), 30)", "TRY_CONVERT(int, s.[Payment Days]), 0)"),
        ("Procedures/Dim/Dim.LoadSupplier.sql", "oldest snapshot loaded", "SELECT @BatchID = MAX(s.[Load Batch ID])", "SELECT @BatchID = MIN(s.[Load Batch ID])"),
        ("Procedures/Dim/Dim.LoadSupplier.sql", "category and primary contact swapped on update", "[Category]        = src.[Category],\n            [Primary Contact] = src.[Primary Contact],", "[Category]        = src.[Primary Contact],\n            [Primary Contact] = src.[Category],"),
        ("Procedures/Dim/Dim.LoadSupplier.sql", "missing suppliers not deactivated", "            [Is Active]    = 0,", "            [Is Active]    = 1,"),
        ("Procedures/Fact/Fact.LoadSale.sql", "missing DELETE before reload", "    DELETE FROM Fact.Sale\n    WHERE EXISTS", "    DELETE FROM Fact.Sale\n    WHERE 1 = 0 AND EXISTS"),
        ("Procedures/Fact/Fact.LoadSale.sql", "wrong join key for the bill-to customer", "ON dbc.[Customer Code] = w.[Bill To Customer Code]", "ON dbc.[Customer Code] = w.[Customer Code]"),
        ("Procedures/Fact/Fact.LoadSale.sql", "validity window end inclusive", "AND w.[Last Modified] < dc.[Valid To]", "AND w.[Last Modified] <= dc.[Valid To]"),
        ("Procedures/Fact/Fact.LoadSale.sql", "unknown customer not mapped to member 0", "ISNULL(dc.[Customer Key], 0)", "ISNULL(dc.[Customer Key], -1)"),
        ("Procedures/Fact/Fact.LoadSale.sql", "zero-quantity lines not filtered", "AND TRY_CONVERT(int, sol.[Quantity]) <> 0", "AND 1 = 1"),
        ("Procedures/Fact/Fact.LoadSale.sql", "tax amount and profit swapped", "w.[Tax Amount],\n        w.[Profit],", "w.[Profit],\n        w.[Tax Amount],"),
        ("Procedures/Fact/Fact.LoadSale.sql", "window start off by one (>= instead of >)", "WHERE sol.[Last Modified] > @LastCutoff", "WHERE sol.[Last Modified] >= @LastCutoff"),
    };

    private static (WorkspaceAnalysis Analysis, WorkspaceAnalyzer Analyzer, PhysicalFileSource Files) Load()
    {
        var files = new PhysicalFileSource(Harness.Fixture("warehouse"));
        var analyzer = new WorkspaceAnalyzer(WorkspaceSettings.Load(files)) { RetainSyntax = true, MaxDegreeOfParallelism = 1 };
        return (analyzer.Analyze(files), analyzer, files);
    }

    private static List<TestFile> GeneratedFiles(WorkspaceAnalysis analysis)
    {
        var result = new List<TestFile>();
        foreach (var path in Directory.GetFiles(GeneratedDir, "*" + TestFile.Extension).OrderBy(p => p, StringComparer.Ordinal))
        {
            var loaded = new TestFileLoader(analysis).Load(Path.GetFileName(path), File.ReadAllText(path));
            Assert.True(loaded.Success, string.Join("\n", loaded.Errors));
            result.Add(loaded.File!);
        }
        return result;
    }

    [Fact]
    public async Task Generated_files_pass_on_the_original_procedures()
    {
        var (analysis, _, _) = Load();
        var files = GeneratedFiles(analysis);
        Assert.NotEmpty(files);
        var run = await new TestRunner(analysis, s => new DuckDbSandboxFactory(s)).RunAsync(files);
        foreach (var c in run.Cases.Where(c => c.Outcome != TestOutcome.Passed))
            output.WriteLine($"{c.FullName}: {string.Join("; ", c.Failures.Select(f => f.Summary))}");
        output.WriteLine($"{run.Cases.Count} generated cases in {files.Count} files: {run.Passed} passed in {run.Elapsed.TotalSeconds:0.0} s");
        Assert.True(run.Success);
    }

    [Fact]
    public async Task Generated_tests_fail_on_seeded_bugs()
    {
        var (analysis, analyzer, source) = Load();
        var files = GeneratedFiles(analysis);
        int caught = 0, total = 0;
        foreach (var (file, bug, find, replace) in SeededBugs)
        {
            var text = source.ReadAllText(file).Replace("\r\n", "\n");
            Assert.True(text.Contains(find, StringComparison.Ordinal), $"{file}: seeded bug '{bug}' does not apply: '{find}' not found");
            var i = text.IndexOf(find, StringComparison.Ordinal);
            var mutated = MutantWorkspace.Create(analysis, analyzer, file, text[..i] + replace + text[(i + find.Length)..]);
            Assert.NotNull(mutated);
            var transformation = mutated!.Transformations.First(t => t.Transformation.File == file).Transformation.Name;
            var tests = files.Where(f => string.Equals(f.Transformation, transformation, StringComparison.OrdinalIgnoreCase)).ToList();
            total++;
            if (tests.Count == 0) { output.WriteLine($"NO TESTS {transformation}: {bug}"); continue; }
            var run = await new TestRunner(mutated, s => new DuckDbSandboxFactory(s)).RunAsync(tests);
            var failing = run.Cases.Where(c => c.Outcome != TestOutcome.Passed).ToList();
            if (failing.Count > 0) caught++;
            output.WriteLine($"{(failing.Count > 0 ? "CAUGHT" : "MISSED")} {transformation}: {bug}{(failing.Count > 0 ? $" — by \"{failing[0].Case.Name}\"" : "")}");
        }
        output.WriteLine($"{caught} of {total} seeded bugs caught");
        Assert.True(total >= 20);
        Assert.True(caught >= total - 1, $"only {caught} of {total} seeded bugs caught");
    }
}
