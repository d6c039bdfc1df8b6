using EtlAgent.Core.Sandbox;
using EtlAgent.Core.Sandbox.Runner;
using EtlAgent.Core.Sandbox.TestFiles;
using EtlAgent.Core.WorkspaceModel;

namespace EtlAgent.Core.Analysis;

/// <summary>
/// Delta debugging (ddmin) over a failing case's given rows: the smallest set of rows found that
/// still shows the fault. With a fixed version known (the base, or the edit that turns the case
/// green) "shows the fault" means the current and the fixed code disagree on those rows (the
/// RATest criterion); without one, the case still fails with no wrong row it did not have before.
/// </summary>
public sealed class InputMinimizer(Func<SandboxSetup, ISandboxFactory> createFactory)
{
    public int MaxRuns { get; init; } = 48;
    public TimeSpan Budget { get; init; } = TimeSpan.FromSeconds(6);
    public TimeSpan CaseTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public async Task<TestCase> MinimiseAsync(WorkspaceAnalysis current, WorkspaceAnalysis? fixedVersion, TestCaseResult failing, CancellationToken cancellationToken)
    {
        var c = failing.Case;
        var items = c.Given.SelectMany((g, gi) => g.Rows.Select((_, ri) => (gi, ri))).ToList();
        if (items.Count <= 1) return c;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        int runs = 0;
        var original = Fingerprint.Of(failing);
        var currentRunner = new TestRunner(current, createFactory) { CaseTimeout = CaseTimeout };
        var fixedRunner = fixedVersion is null ? null : new TestRunner(fixedVersion, createFactory) { CaseTimeout = CaseTimeout };
        await using var currentFactory = createFactory(new SandboxSetup(current, failing.File.EnforceForeignKeys, failing.File.Transformation));
        await using var fixedFactory = fixedVersion is null ? null : createFactory(new SandboxSetup(fixedVersion, failing.File.EnforceForeignKeys, failing.File.Transformation));

        TestCase With(List<(int gi, int ri)> keep) => c with
        {
            Given = c.Given.Select((g, gi) => g with { Rows = g.Rows.Where((_, ri) => keep.Contains((gi, ri))).ToList() }).ToList(),
        };

        async Task<bool> StillFails(List<(int, int)> keep)
        {
            runs++;
            var candidate = With(keep);
            var now = await currentRunner.RunCaseAsync(currentFactory, failing.File, candidate, CaseTimeout, cancellationToken);
            if (now.Outcome == TestOutcome.Error) return false;
            var fp = Fingerprint.Of(now);
            if (fixedRunner is not null)
            {
                var other = await fixedRunner.RunCaseAsync(fixedFactory!, failing.File, candidate, CaseTimeout, cancellationToken);
                return other.Outcome != TestOutcome.Error && Fingerprint.Of(other).Text != fp.Text;
            }
            return now.Outcome == TestOutcome.Failed && fp.Within(original);
        }

        int n = 2;
        while (items.Count >= 2 && runs < MaxRuns && watch.Elapsed < Budget)
        {
            var chunks = Split(items, n);
            bool reduced = false;
            foreach (var chunk in chunks)
            {
                if (runs >= MaxRuns || watch.Elapsed >= Budget) break;
                var complement = items.Except(chunk).ToList();
                if (complement.Count > 0 && await StillFails(complement)) { items = complement; n = Math.Max(n - 1, 2); reduced = true; break; }
            }
            if (!reduced && n > 2)
                foreach (var chunk in chunks)
                {
                    if (runs >= MaxRuns || watch.Elapsed >= Budget) break;
                    if (await StillFails(chunk)) { items = chunk; n = 2; reduced = true; break; }
                }
            if (reduced) continue;
            if (n >= items.Count) break;
            n = Math.Min(items.Count, n * 2);
        }
        return With(items);
    }

    private static List<List<(int, int)>> Split(List<(int, int)> items, int n)
    {
        var chunks = new List<List<(int, int)>>();
        int size = (int)Math.Ceiling(items.Count / (double)n);
        for (int i = 0; i < items.Count; i += size) chunks.Add(items.Skip(i).Take(size).ToList());
        return chunks;
    }

    /// <summary>A case result reduced to what failed: the rows missing and unexpected per expectation, and the error.</summary>
    private sealed record Fingerprint(string Text, HashSet<string> Missing, HashSet<string> Unexpected, int? Error)
    {
        public static Fingerprint Of(TestCaseResult r)
        {
            var missing = new HashSet<string>(StringComparer.Ordinal);
            var unexpected = new HashSet<string>(StringComparer.Ordinal);
            foreach (var f in r.Failures)
            {
                if (f is RowsMismatch m)
                {
                    foreach (var row in m.Diff.Missing) missing.Add(m.Target + Row(row));
                    foreach (var row in m.Diff.Unexpected) unexpected.Add(m.Target + Row(row));
                }
                else if (f is RowCountMismatch c) unexpected.Add($"{c.Table}#{c.Actual}");
                else if (f is not ErrorMismatch) unexpected.Add(f.Summary);
            }
            int? error = r.Error?.Number;
            var text = string.Join("|", missing.Order(StringComparer.Ordinal)) + "||" + string.Join("|", unexpected.Order(StringComparer.Ordinal)) + "||" + error;
            return new Fingerprint(text, missing, unexpected, error);
        }

        /// <summary>Fails with nothing the original did not show (rows it expected and missed, rows it did not expect, its error) and shows something.</summary>
        public bool Within(Fingerprint original) =>
            (Missing.Count + Unexpected.Count > 0 || Error is not null)
            && Error == original.Error
            && Unexpected.IsSubsetOf(original.Unexpected)
            && (Unexpected.Count > 0 || Missing.IsSubsetOf(original.Missing) && Missing.Count > 0);

        private static string Row(IReadOnlyList<object?> row) => "(" + string.Join(",", row.Select(v => Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture))) + ")";
    }
}
