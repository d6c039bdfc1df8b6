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

    /// <summary>Suspects whose templates and mutations are all tried before the rest's.</summary>
    public int TopSuspects { get; init; } = 3;

    /// <summary>Candidates verified last time: made, verified, rejected (for the evaluation and the log).</summary>
    public (int Made, int Tried, int Verified) Stats { get; private set; }

    public async Task<IReadOnlyList<HealSuggestion>> SearchAsync(HealFailure failure, CancellationToken cancellationToken = default)
    {
        var watch = Stopwatch.StartNew();
        var first = failure.Failing[0];
        var slowest = failure.Baseline.Count == 0 ? TimeSpan.Zero : failure.Baseline.Max(r => r.Elapsed);
        var verifier = new HealVerifier(workspace, analyzer, createFactory, readText)
        {
            CaseTimeout = TimeSpan.FromSeconds(Math.Clamp(slowest.TotalSeconds * 4 + 1, 2, 10)),
        };

        var code = new List<RepairCandidate>();
        var t = workspace.FindTransformation(failure.Transformation);
        if (t is { HasSyntax: true })
        {
            var suspects = RunFirst(failure);
            var top = suspects.Take(TopSuspects).ToList();
            var rest = suspects.Skip(TopSuspects).ToList();
            foreach (var s in top) code.AddRange(RepairTemplates.For(t, workspace.Catalog, s));
            code.AddRange(InverseMutations.For(t, workspace.Catalog, top));
            foreach (var s in rest) code.AddRange(RepairTemplates.For(t, workspace.Catalog, s));
            code.AddRange(InverseMutations.For(t, workspace.Catalog, rest));
            if (Extra is not null)
            {
                try { code.InsertRange(0, await Extra.CandidatesAsync(t, failure, cancellationToken).ConfigureAwait(false)); }
                catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested) { /* optional: the search goes on without it */ }
            }
        }
        code = code.DistinctBy(EditKey).ToList();
        var tests = failure.Failing
            .Select(f => (Target: f, Candidate: readText(f.File.Path) is { } text ? ExpectationRerecorder.For(f, text, workspace.Catalog) : null))
            .Where(x => x.Candidate is not null).ToList();

        var found = new List<HealSuggestion>();
        int tried = 0;
        // leave room for the test-side heal: one run of the affected files
        var reserve = tests.Count > 0 ? TimeSpan.FromTicks(Math.Min(Budget.TimePerFailure.Ticks / 4, failure.Baseline.Sum(r => r.Elapsed.Ticks) * 2 + TimeSpan.TicksPerSecond)) : TimeSpan.Zero;
        foreach (var c in code)
        {
            if (tried >= Budget.CandidatesPerFailure || watch.Elapsed >= Budget.TimePerFailure - reserve || found.Count >= Budget.VerifiedPerFailure) break;
            cancellationToken.ThrowIfCancellationRequested();
            tried++;
            if (await verifier.VerifyAsync(c, failure.Baseline, failure.Failing, cancellationToken).ConfigureAwait(false) is { } evidence)
                found.Add(new HealSuggestion(HealId.For(first.File.Path, first.Case.Name, c), first.File.Path, first.Case.Name, c, evidence));
        }
        foreach (var (target, c) in tests)
        {
            cancellationToken.ThrowIfCancellationRequested();
            tried++;
            // a re-recorded case answers its own failure; the others of its file must stay as they were
            var others = failure.Baseline.Where(b => b.File.Path == target.File.Path).ToList();
            if (await verifier.VerifyAsync(c!, others, new[] { target }, cancellationToken).ConfigureAwait(false) is { } evidence)
                found.Add(new HealSuggestion(HealId.For(target.File.Path, target.Case.Name, c!), target.File.Path, target.Case.Name, c!, evidence));
        }
        Stats = (code.Count + tests.Count, tried, found.Count);
        return found;
    }

    /// <summary>The suspects the failing cases ran first (a statement no failing case reached cannot have caused the failure), in the caller's order.</summary>
    private static IReadOnlyList<SuspectStatement> RunFirst(HealFailure failure)
    {
        var covered = failure.Failing.Select(f => f.Covered).ToList();
        if (covered.Any(c => c is null)) return failure.Suspects;
        bool Ran(SuspectStatement s) => covered.Any(c => c!.Any(x => x.File == s.File && x.Offset >= s.StartOffset && x.Offset < s.EndOffset));
        return failure.Suspects.Where(Ran).Concat(failure.Suspects.Where(s => !Ran(s))).ToList();
    }

    private static string EditKey(RepairCandidate c) =>
        string.Join("\n", c.Edits.OrderBy(e => e.File, StringComparer.Ordinal).ThenBy(e => e.Range.StartOffset).Select(e => $"{e.File}@{e.Range.StartOffset}-{e.Range.EndOffset}:{e.NewText}"));
}
