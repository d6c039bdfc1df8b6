using EtlAgent.Core.WorkspaceModel;
using EtlAgent.Core.Agent;
using EtlAgent.Core.Mutation;
using EtlAgent.Core.Sandbox.DuckDb;
using EtlAgent.Core.Sandbox.Runner;
using EtlAgent.Core.Sandbox.TestFiles;
using EtlAgent.Core.Workspace;

namespace EtlAgent.Sandbox.Tests;

/// <summary>The `invariants:` section of a test file: loaded, written back, checked after every case.</summary>
public sealed class InvariantTests
{
    private const string File = """
        transformation: Dim.LoadCustomer
        invariants:
        - {unique: Dim.Customer, columns: ["Customer Code"], where: {"Valid To": "9999-12-31T23:59:59.9999999"}}
        - {windows: Dim.Customer, columns: ["Customer Code"], from: "Valid From", to: "Valid To"}
        - {exists: Dim.Customer, columns: ["Lineage Key"], in: Integration.Lineage}
        cases:
        - name: a changed customer gets a new version
          clock: "2016-06-02T08:00:00"
          given:
            Dim.Customer:
            - {"Customer Key": 100, "Customer Code": "C-10", "Customer Name": "Tailspin", "Bill To Customer Code": "C-10", "Category": "Retail", "Buying Group": "None", "Primary Contact": "Pat", "Postal Code": "90210", "Valid From": "2013-01-01T00:00:00", "Lineage Key": 0}
            Staging.Customer:
            - {"Customer Code": "C-10", "Customer Name": "Tailspin Toys", "Bill To Customer Code": "C-10", "Category": "Gift", "Buying Group": "None", "Primary Contact": "Pat", "Postal Code": "90210", "Last Modified": "2016-05-01T00:00:00", "Load Batch ID": 7}
        """;

    private static (WorkspaceAnalysis Analysis, WorkspaceAnalyzer Analyzer, PhysicalFileSource Files) Load()
    {
        var files = new PhysicalFileSource(Harness.Fixture("warehouse"));
        var analyzer = new WorkspaceAnalyzer(WorkspaceSettings.Load(files)) { RetainSyntax = true, MaxDegreeOfParallelism = 1 };
        return (analyzer.Analyze(files), analyzer, files);
    }

    [Fact]
    public void Invariants_load_and_write_back_unchanged()
    {
        var (analysis, _, _) = Load();
        var loaded = new TestFileLoader(analysis).Load("t.etltest.yaml", File);
        Assert.True(loaded.Success, string.Join("\n", loaded.Errors));
        Assert.Equal(3, loaded.File!.Invariants.Count);
        var again = new TestFileLoader(analysis).Load("t.etltest.yaml", TestFileWriter.Write(loaded.File, analysis.Catalog));
        Assert.Equal(loaded.File.Invariants.Select(i => i.ToString()), again.File!.Invariants.Select(i => i.ToString()));
    }

    [Fact]
    public void A_bad_invariant_is_an_error_naming_the_line()
    {
        var (analysis, _, _) = Load();
        var loaded = new TestFileLoader(analysis).Load("t.etltest.yaml", File.Replace("from: \"Valid From\"", "from: \"Valid Form\""));
        var error = Assert.Single(loaded.Errors);
        Assert.Equal(4, error.Line);
        Assert.Contains("Valid Form", error.Message);
    }

    [Fact]
    public async Task A_load_that_leaves_two_current_versions_breaks_the_invariants()
    {
        var (analysis, analyzer, files) = Load();
        var file = new TestFileLoader(analysis).Load("t.etltest.yaml", File).File!;
        var ok = await new TestRunner(analysis, s => new DuckDbSandboxFactory(s)).RunAsync(new[] { file });
        Assert.True(ok.Success, string.Join("\n", ok.Cases.SelectMany(c => c.Failures).Select(f => f.Summary)));

        // seeded bug: the previous version is not closed off
        const string path = "Procedures/Dim/Dim.LoadCustomer.sql";
        var text = files.ReadAllText(path).Replace("\r\n", "\n").Replace("SET d.[Valid To] = s.[Last Modified]", "SET d.[Valid To] = d.[Valid To]");
        var mutated = MutantWorkspace.Create(analysis, analyzer, path, text)!;
        var run = await new TestRunner(mutated, s => new DuckDbSandboxFactory(s)).RunAsync(new[] { file });
        var broken = run.Cases.Single().Failures.OfType<InvariantViolation>().Select(v => v.Invariant.Kind).ToList();
        Assert.Contains(InvariantKind.Unique, broken);
        Assert.Contains(InvariantKind.Windows, broken);
        Assert.DoesNotContain(InvariantKind.Exists, broken);
    }
}
