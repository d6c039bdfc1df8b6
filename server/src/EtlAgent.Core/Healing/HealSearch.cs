using System.Diagnostics;
using EtlAgent.Core.Sandbox;
using EtlAgent.Core.Sandbox.Runner;
using EtlAgent.Core.WorkspaceModel;

namespace EtlAgent.Core.Healing;

/// <summary>
/// The heal search for one failure: candidates from the bug-class templates and the inverse
/// mutations of the suspect statements (the best suspects first, statements the failing cases did
/// not run last), then any extra source (an LLM), then the test-side heal; each verified in the
/// sandbox (<see cref="HealVerifier"/>) within <see cref="Budget"/>. Only verified heals are
/// returned, code heals first in the order found, then test heals.
/// </summary>
public sealed class HealSearch(WorkspaceAnalysis workspace, WorkspaceAnalyzer analyzer, Func<SandboxSetup, ISandboxFactory> createFactory, Func<string, string?> readText)
{
    public HealBudget Budget { get; init; } = HealBudget.Default;

    /// <summary>An optional extra source of candidates (never required).</summary>
    public IRepairSource? Extra { get; init; }

    /// <summary>
    /// A file's text in the last version the tests passed on (null: none known): the changes since
    /// then inside the suspect statements are reverted as the first candidates (<see cref="RevertToBase"/>).
    /// </summary>
    public Func<string, string?>? BaseText { get; init; }

    /// <summary>Whether the test-side heal (a re-recorded expectation) is searched after the code candidates.</summary>
    public bool TestSideHeals { get; init; } = true;

    /// <summary>Suspects whose templates and mutations are all tried before the rest's.</summary>
    public int TopSuspects { get; init; } = 3;

    /// <summary>Candidates verified at once; the suggestions never depend on it.</summary>
    public int Parallelism { get; init; } = Math.Min(2, BoundedParallel.DefaultDegree);

    /// <summary>Candidates verified last time: made, verified, rejected (for the evaluation and the log).</summary>
    public (int Made, int Tried, int Verified) Stats { get; private set; }

    /// <summary>When each heal of the last search was verified, by heal id, from the search's start (the evaluation reads what a shorter budget would have found).</summary>
    public IReadOnlyDictionary<string, TimeSpan> FoundAfter { get; private set; } = new Dictionary<string, TimeSpan>();

    /// <summary>
    /// How long one case may run while a candidate is verified: four times the slowest passing case of
    /// the baseline, within 2 to 10 s. A failing case's time says nothing of the healed run (it often
    /// stopped at the fault: a guard that now throws at once), so when no case passes the bound is the
    /// upper one: a heal that restores a long load must not time out for being slower than the fault.
    /// </summary>
    internal static TimeSpan CaseTimeoutFor(IReadOnlyList<TestCaseResult> baseline)
    {
        var passing = baseline.Where(r => r.Outcome == TestOutcome.Passed).ToList();
        if (passing.Count == 0) return TimeSpan.FromSeconds(10);
        return TimeSpan.FromSeconds(Math.Clamp(passing.Max(r => r.Elapsed).TotalSeconds * 4 + 1, 2, 10));
    }

    public async Task<IReadOnlyList<HealSuggestion>> SearchAsync(HealFailure failure, CancellationToken cancellationToken = default)
    {
        var watch = Stopwatch.StartNew();
        var first = failure.Failing[0];
        var verifier = new HealVerifier(workspace, analyzer, createFactory, readText)
        {
            CaseTimeout = CaseTimeoutFor(failure.Baseline),
        };

        var code = new List<RepairCandidate>();
        var t = workspace.FindTransformation(failure.Transformation);
        if (t is { HasSyntax: true })
        {
            var suspects = RunFirst(failure);
            // the templates of the first suspects (few, aimed at a bug class), the mutations of the first few, then the rest;
            // after the first templates, edits on a line that names a column whose values differ go first
            // a fallback read from the failure itself (a value expected where NULL was found) is the most specific candidate: first
            code.AddRange(NullFallbackTemplate.For(t, workspace.Catalog, failure, suspects.Take(TopSuspects * 2).ToList()));
            // a table the case expects rows in that no statement writes any more: the statement is gone, so no suspect holds it
            code.AddRange(MissingWriteTemplate.For(t, workspace.Catalog, failure));
            // a lost condition or a column read in place of the same-named one: few candidates, each aimed at one spot
            foreach (var s in suspects.Take(TopSuspects * 2))
            {
                code.AddRange(ConditionTemplates.LostCondition(t, workspace.Catalog, s));
                code.AddRange(ReplacedColumnTemplate.For(t, workspace.Catalog, s));
            }
            // the class templates; a comparison turned around is tried early only in the first suspects (elsewhere it is an inverse mutation)
            foreach (var (s, rank) in suspects.Take(TopSuspects * 2).Select((s, i) => (s, i)))
            {
                code.AddRange(RepairTemplates.For(t, workspace.Catalog, s));
                if (rank < TopSuspects) code.AddRange(ConditionTemplates.TurnedAround(t, s));
            }
            var later = new List<RepairCandidate>();
            later.AddRange(InverseMutations.For(t, workspace.Catalog, suspects.Take(TopSuspects).ToList()));
            foreach (var s in suspects.Skip(TopSuspects * 2)) later.AddRange(RepairTemplates.For(t, workspace.Catalog, s));
            later.AddRange(InverseMutations.For(t, workspace.Catalog, suspects.Skip(TopSuspects).ToList()));
            var hot = DifferingColumns(failure);
            code.AddRange(hot.Count == 0 ? later : later.OrderBy(c => Names(t.Document.Text, c, hot) ? 0 : 1));
            if (Extra is not null)
            {
                try { code.InsertRange(0, await Extra.CandidatesAsync(t, failure, cancellationToken).ConfigureAwait(false)); }
                catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested) { /* optional: the search goes on without it */ }
            }
            // the changes since the last green version inside the suspects: the likeliest fault, one candidate per statement
            if (BaseText?.Invoke(t.Transformation.File) is { } baseText)
                code.InsertRange(0, RevertToBase.For(t, baseText, suspects, failure.RootCauseClass ?? HealClasses.RevertToLastGreen));
        }
        code = code.DistinctBy(EditKey).ToList();
        var tests = failure.Failing.Where(_ => TestSideHeals)
            .Select(f => (Target: f, Candidate: readText(f.File.Path) is { } text ? ExpectationRerecorder.For(f, text, workspace.Catalog) : null))
            .Where(x => x.Candidate is not null).ToList();

        var found = new List<HealSuggestion>();
        var foundAfter = new Dictionary<string, TimeSpan>(StringComparer.Ordinal);
        int tried = 0;
        // leave room for the test-side heal: one run of the affected files
        _testCandidates = tests.Count;
        var reserve = TestHealReserve(Budget, failure);
        // the budget also stops a verification under way (a loop-heavy procedure runs long per case)
        using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            var left = Budget.TimePerFailure - reserve - watch.Elapsed;
            deadline.CancelAfter(left > TimeSpan.Zero ? left : TimeSpan.Zero);
            // a few candidates at a time on all cores, kept in the order they were made
            for (int next = 0; next < code.Count; next += Parallelism)
            {
                if (tried >= Budget.CandidatesPerFailure || deadline.IsCancellationRequested || found.Count >= Budget.VerifiedPerFailure) break;
                var batch = code.Skip(next).Take(Math.Min(Parallelism, Budget.CandidatesPerFailure - tried)).ToList();
                tried += batch.Count;
                HealVerification?[] results;
                try
                {
                    results = await BoundedParallel.MapAsync(batch, Parallelism,
                        (c, _, ct) => verifier.VerifyAsync(c, failure.Baseline, failure.Failing, ct), deadline.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested) { break; }
                for (int i = 0; i < batch.Count; i++)
                    if (results[i] is { } evidence)
                    {
                        found.Add(new HealSuggestion(HealId.For(first.File.Path, first.Case.Name, batch[i]), first.File.Path, first.Case.Name, batch[i], evidence));
                        foundAfter.TryAdd(found[^1].Id, watch.Elapsed);
                    }
            }
        }
        CodeSearchTime = watch.Elapsed;
        using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            var left = Budget.TimePerFailure - watch.Elapsed;
            deadline.CancelAfter(left > TimeSpan.Zero ? left : TimeSpan.Zero);
            foreach (var (target, c) in tests)
            {
                tried++;
                // a re-recorded case answers its own failure; the others of its file must stay as they were
                var others = failure.Baseline.Where(b => b.File.Path == target.File.Path).ToList();
                try
                {
                    if (await verifier.VerifyAsync(c!, others, new[] { target }, deadline.Token).ConfigureAwait(false) is { } evidence)
                    {
                        found.Add(new HealSuggestion(HealId.For(target.File.Path, target.Case.Name, c!), target.File.Path, target.Case.Name, c!, evidence));
                        foundAfter.TryAdd(found[^1].Id, watch.Elapsed);
                    }
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested) { break; }
            }
        }
        Stats = (code.Count + tests.Count, tried, found.Count);
        FoundAfter = foundAfter;
        return found;
    }

    private int _testCandidates;

    /// <summary>How long the last search spent on code candidates, before the test-side heal.</summary>
    public TimeSpan CodeSearchTime { get; private set; }

    /// <summary>The time a search under <paramref name="budget"/> leaves the test-side heal (one run of the affected files) when the last search had one.</summary>
    public TimeSpan TestHealReserve(HealBudget budget, HealFailure failure) => _testCandidates > 0
        ? TimeSpan.FromTicks(Math.Min(budget.TimePerFailure.Ticks / 4, failure.Baseline.Sum(r => r.Elapsed.Ticks) * 2 + TimeSpan.TicksPerSecond))
        : TimeSpan.Zero;

    /// <summary>The suspects the failing cases ran first (a statement no failing case reached cannot have caused the failure), in the caller's order.</summary>
    private static IReadOnlyList<SuspectStatement> RunFirst(HealFailure failure)
    {
        var covered = failure.Failing.Select(f => f.Covered).ToList();
        if (covered.Any(c => c is null)) return failure.Suspects;
        bool Ran(SuspectStatement s) => covered.Any(c => c!.Any(x => x.File == s.File && x.Offset >= s.StartOffset && x.Offset < s.EndOffset));
        return failure.Suspects.Where(Ran).Concat(failure.Suspects.Where(s => !Ran(s))).ToList();
    }

    /// <summary>
    /// Columns whose values differ between the rows expected and those found (a row changed, not
    /// lost or added): the statement computing them is where the fault most likely is.
    /// </summary>
    private static IReadOnlySet<string> DifferingColumns(HealFailure failure)
    {
        var result = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var m in failure.Failing.SelectMany(f => f.Failures).OfType<RowsMismatch>())
        {
            if (m.Diff.Missing.Count == 0 || m.Diff.Unexpected.Count == 0) continue;
            for (int k = 0; k < m.Diff.Columns.Count; k++)
            {
                var expected = m.Diff.Missing.Select(r => Convert.ToString(r[k], System.Globalization.CultureInfo.InvariantCulture)).ToHashSet();
                var found = m.Diff.Unexpected.Select(r => Convert.ToString(r[k], System.Globalization.CultureInfo.InvariantCulture)).ToHashSet();
                if (!expected.SetEquals(found)) result.Add(m.Diff.Columns[k]);
            }
        }
        return result;
    }

    /// <summary>Whether the line of the candidate's first edit names one of <paramref name="columns"/>.</summary>
    private static bool Names(string text, RepairCandidate c, IReadOnlySet<string> columns)
    {
        if (c.Edits.Count == 0 || c.Edits[0].Range.StartOffset > text.Length) return false;
        int at = c.Edits[0].Range.StartOffset;
        int start = text.LastIndexOf('\n', Math.Max(0, at - 1)) + 1, end = text.IndexOf('\n', at);
        var line = text[start..(end < 0 ? text.Length : end)];
        return columns.Any(col => line.Contains(col, StringComparison.OrdinalIgnoreCase));
    }

    private static string EditKey(RepairCandidate c) =>
        string.Join("\n", c.Edits.OrderBy(e => e.File, StringComparer.Ordinal).ThenBy(e => e.Range.StartOffset).Select(e => $"{e.File}@{e.Range.StartOffset}-{e.Range.EndOffset}:{e.NewText}"));
}
