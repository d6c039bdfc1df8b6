using EtlAgent.Core.Agent;
using EtlAgent.Core.Healing;
using EtlAgent.Core.Sandbox.Runner;

namespace EtlAgent.Core.Tests.Healing;

/// <summary>
/// The heal run analyses one failing case per distinct failure: many cases of one bug (here twenty
/// copies of the window-start case with their own rows) cost one root-cause analysis, and each
/// case still gets the root cause its representative found; a second bug is a second analysis.
/// </summary>
public class DistinctFailuresTests
{
    private const string WindowCase = "  - name: a sale at the start of the window is loaded\n";

    /// <summary>The fixture's test file with <paramref name="copies"/> more copies of the window-start case, each with its own sale ids.</summary>
    private static Ports.MemoryFileSource WithCopies(Ports.MemoryFileSource files, int copies)
    {
        const string path = "tests/Fact.LoadSale.etltest.yaml";
        var text = files.ReadAllText(path);
        int start = text.IndexOf(WindowCase, StringComparison.Ordinal), end = text.IndexOf("\n  - name:", start + 1, StringComparison.Ordinal) + 1;
        var block = text[start..end];
        var added = string.Concat(Enumerable.Range(1, copies).Select(i => block
            .Replace("is loaded", $"is loaded (copy {i})")
            .Replace("\"Sale ID\": 11", $"\"Sale ID\": {100 + 2 * i}")
            .Replace("\"Sale ID\": 12", $"\"Sale ID\": {101 + 2 * i}")));
        return files.Add(path, text.TrimEnd('\n') + "\n\n" + added.TrimEnd('\n') + "\n");
    }

    [Fact]
    public async Task Twenty_cases_of_one_bug_cost_one_analysis()
    {
        var files = WithCopies(HealingFixture.Files("window start excluded"), 19);
        var result = await new HealRun(HealingFixture.Engine(files)) { AnalyseRootCauses = true }.SuggestAsync();

        Assert.Equal(20, result.Run!.Failed);
        Assert.Equal(1, result.RootCauses!.Analysed);
        Assert.Equal(20, result.RootCauses.Failures.Count);
        var statements = result.RootCauses.Failures.Select(f => f.RootCause?.Start).Distinct().ToList();
        Assert.NotNull(Assert.Single(statements));
        Assert.Contains(result.Suggestions, s => s.Kind == HealKinds.Code && s.BugClass == HealClasses.Boundary && s.Verified.CasesPassed == s.Verified.CasesTotal);
    }

    [Fact]
    public async Task Two_bugs_are_two_analyses()
    {
        // the current-row filter dropped as well: the first case now gets a row too many, a failure of another shape
        var seeds = HealingFixture.Seeds().Seeds;
        var files = WithCopies(HealingFixture.Files("window start excluded"), 4);
        var scd2 = seeds.Single(s => s.Name == "current-row filter dropped");
        files.Add(HealingFixture.Procedure, files.ReadAllText(HealingFixture.Procedure).Replace(scd2.Find, scd2.Replace, StringComparison.Ordinal));
        var result = await new HealRun(HealingFixture.Engine(files)) { AnalyseRootCauses = true }.SuggestAsync();

        var failing = result.Run!.Cases.Where(c => c.Outcome != TestOutcome.Passed).ToList();
        Assert.Equal(6, failing.Count);
        Assert.Equal(2, failing.Select(Core.Analysis.DistinctFailures.Key).Distinct().Count());
        Assert.Equal(2, result.RootCauses!.Analysed);
        Assert.Equal(6, result.RootCauses.Failures.Count);
    }
}
