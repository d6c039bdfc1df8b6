using EtlAgent.Core.Sandbox.Runner;

namespace EtlAgent.Core.Analysis;

/// <summary>
/// Failing cases grouped by how they fail: the same transformation, the same expectations failed on
/// the same tables, the same differing columns and direction (rows lost, added, duplicated), the
/// same error number raised at the same place. Twenty cases of one bug are one group, so the heal
/// run analyses it once instead of spending the analysis budget twenty times.
/// </summary>
public static class DistinctFailures
{
    public static string Key(TestCaseResult failing)
    {
        var shape = FailureShape.Of(failing);
        var columns = string.Join(",", shape.DifferingColumns.Select(c => c.ToUpperInvariant()).Order(StringComparer.Ordinal));
        var error = shape.Error is { } e ? $"{e.Number}@{e.Location?.File}:{e.Location?.Range.StartOffset}" : "";
        return string.Join("|", failing.File.Transformation.ToUpperInvariant(), failing.Outcome, shape.Signature, columns,
            shape.RowsLost, shape.RowsAdded, shape.Duplicated, error);
    }

    /// <summary>
    /// One analysis per distinct failure (its first case in the run's order), given to every case of
    /// its group; <see cref="RootCauseReport.Analysed"/> says how many ran.
    /// </summary>
    public static async Task<RootCauseReport> AnalyseAsync(RootCauseAnalyzer analyzer, TestRunResult run, CancellationToken cancellationToken)
    {
        var groups = run.Cases.Where(c => c.Outcome != TestOutcome.Passed).GroupBy(Key, StringComparer.Ordinal).ToList();
        var representatives = groups.Select(g => g.First()).ToHashSet();
        var report = await analyzer.AnalyseAsync(run with { Cases = run.Cases.Where(c => c.Outcome == TestOutcome.Passed || representatives.Contains(c)).ToList() },
            cancellationToken).ConfigureAwait(false);
        var analysed = report.Failures.ToDictionary(a => (a.Failure.TestFile, a.Failure.Case));
        var byCase = new Dictionary<TestCaseResult, FailureAnalysis>();
        foreach (var g in groups)
        {
            var first = g.First();
            if (!analysed.TryGetValue((first.File.Path, first.Case.Name), out var answer)) continue;
            foreach (var c in g) byCase[c] = c == first ? answer : answer with { Failure = new FailureId(c.File.Path, c.Case.Name, c.File.Transformation) };
        }
        var all = run.Cases.Where(byCase.ContainsKey).Select(c => byCase[c]).ToList();
        return report with { Failures = all, Analysed = representatives.Count };
    }
}
