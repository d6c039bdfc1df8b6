using EtlAgent.Core.MutationAnalysis;
using EtlAgent.Core.WorkspaceModel;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Sandbox.DuckDb;
using EtlAgent.Core.Sandbox.TestFiles;
using EtlAgent.Core.Workspace;

namespace EtlAgent.Sandbox.Tests;

/// <summary>
/// An honest score (tests/fixtures/mutation-coverage): a mutant no passing case runs is "not
/// covered" and counts against the score, never "probably equivalent"; killed / all is reported too.
/// </summary>
public sealed class MutationCoverageTests
{
    [Fact]
    public async Task Mutants_in_a_branch_no_case_runs_are_not_covered_and_count_against_the_score()
    {
        var files = new PhysicalFileSource(Harness.Fixture("mutation-coverage"));
        var analyzer = new WorkspaceAnalyzer(WorkspaceSettings.Load(files)) { RetainSyntax = true, MaxDegreeOfParallelism = 1 };
        var analysis = analyzer.Analyze(files);
        const string testPath = "tests/etl/Sales.ApplyDiscount.etltest.yaml";
        var loaded = new TestFileLoader(analysis).Load(testPath, files.ReadAllText(testPath));
        Assert.True(loaded.Success, string.Join("; ", loaded.Errors));
        var runner = new MutationRunner(analysis, analyzer, s => new DuckDbSandboxFactory(s)) { Parallelism = 1 };

        var report = await runner.RunAsync("Sales.ApplyDiscount", new[] { loaded.File! });

        // the clearance branch (lines 9-10) runs for no case: every mutant there is not covered,
        // though the generated inputs of the equivalence check (@Percent above 50) do reach it
        var branch = report.Results.Where(r => r.Mutant.Line is 9 or 10 && r.Status != MutantStatus.Unviable).ToList();
        Assert.NotEmpty(branch);
        Assert.All(branch, r => Assert.Equal(MutantStatus.NotCovered, r.Status));
        // a mutant the case runs is never not covered
        Assert.All(report.Results.Where(r => r.Mutant.Line == 12), r => Assert.NotEqual(MutantStatus.NotCovered, r.Status));
        Assert.Contains(report.Results, r => r.Mutant.Line == 12 && r.Status == MutantStatus.Killed);

        Assert.Equal(branch.Count, report.NotCovered);
        Assert.Equal(report.Mutants - report.NotCovered, report.Reached);
        Assert.Equal((double)report.Killed / report.Mutants, report.KilledOfAll, 6);
        // not covered mutants stay in the score's denominator
        Assert.Equal((double)report.Killed / (report.Mutants - report.Equivalent), report.Score, 6);
        Assert.True(report.Score < 1, $"score {report.Score:P1} with {report.NotCovered} mutants no case runs");
    }
}
