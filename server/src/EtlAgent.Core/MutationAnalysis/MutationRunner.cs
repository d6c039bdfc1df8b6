using EtlAgent.Core.Mutation;
using EtlAgent.Core.WorkspaceModel;
using System.Diagnostics;
using EtlAgent.Core.Generation;
using EtlAgent.Core.Model;
using EtlAgent.Core.Sandbox;
using EtlAgent.Core.Sandbox.Runner;
using EtlAgent.Core.Sandbox.TestFiles;

namespace EtlAgent.Core.MutationAnalysis;

/// <summary>
/// What became of a mutant. <see cref="NotCovered"/>: no passing case runs the mutated statement, so
/// the tests cannot notice it (a gap in the tests, counted against the score);
/// <see cref="Equivalent"/>: cases run it and pass, and no generated input tells it apart either.
/// </summary>
public enum MutantStatus { Killed, Survived, TimedOut, Equivalent, Unviable, NotCovered }

public sealed record MutantResult(Mutant Mutant, MutantStatus Status, string? KilledBy);

public sealed record MutationReport(IReadOnlyList<MutantResult> Results, TimeSpan Elapsed)
{
    /// <summary>Mutants no input can tell apart by construction: never run, and in no count below.</summary>
    public IReadOnlyList<EquivalentMutant> EquivalentByConstruction { get; init; } = Array.Empty<EquivalentMutant>();

    /// <summary>Every mutant the sandbox can run (unviable ones are not counted, nor those equivalent by construction).</summary>
    public int Mutants => Results.Count(r => r.Status != MutantStatus.Unviable);
    public int Killed => Results.Count(r => r.Status is MutantStatus.Killed or MutantStatus.TimedOut);
    public int Survived => Results.Count(r => r.Status == MutantStatus.Survived);
    public int Equivalent => Results.Count(r => r.Status == MutantStatus.Equivalent);
    public int NotCovered => Results.Count(r => r.Status == MutantStatus.NotCovered);
    /// <summary>Mutants some passing case runs: all but the not covered.</summary>
    public int Reached => Mutants - NotCovered;
    /// <summary>Killed / (all − probably equivalent): not covered mutants count against it.</summary>
    public double Score => Mutants - Equivalent == 0 ? 1 : (double)Killed / (Mutants - Equivalent);
    /// <summary>Killed / all, the headline: nothing is excused.</summary>
    public double KilledOfAll => Mutants == 0 ? 1 : (double)Killed / Mutants;
}

/// <summary>
/// Runs a transformation's tests against each of its mutants (the mutant's text replaces the file
/// in a re-analysed workspace). A mutant is killed when a case fails, timed out when a case times
/// out, unviable when the sandbox cannot run it at all, not covered when no case that passes on the
/// original runs the mutated statement; a survivor that cases reach is probably equivalent when the
/// original and the mutant also agree on <see cref="EquivalenceInputs"/> generated inputs.
/// </summary>
public sealed class MutationRunner(WorkspaceAnalysis workspace, WorkspaceAnalyzer analyzer, Func<SandboxSetup, ISandboxFactory> createFactory)
{
    public int EquivalenceInputs { get; init; } = 30;
    public TimeSpan CaseTimeout { get; init; } = TimeSpan.FromSeconds(10);
    public DateTime Clock { get; init; } = new(2016, 6, 2, 8, 0, 0);
    /// <summary>Called before each chunk of mutants runs: (mutants done, mutants in all, the next one).</summary>
    public Action<int, int, Mutant>? Progress { get; init; }

    /// <summary>Mutants run at once; the report never depends on it.</summary>
    public int Parallelism { get; init; } = BoundedParallel.DefaultDegree;

    public Task<MutationReport> RunAsync(string transformation, IReadOnlyList<TestFile> tests, CancellationToken cancellationToken = default) =>
        RunAsync(workspace.For(transformation), transformation, tests, cancellationToken);

    /// <param name="workspace">The workspace as the transformation's database project sees it (<see cref="WorkspaceAnalysis.For"/>).</param>
    private async Task<MutationReport> RunAsync(WorkspaceAnalysis workspace, string transformation, IReadOnlyList<TestFile> tests, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        var t = workspace.FindTransformation(transformation) ?? throw new ArgumentException($"no transformation named {transformation}");
        var facts = CodeFacts.Collect(workspace, t);
        var written = facts.Writes.Where(w => workspace.Catalog.Find(w) is { Kind: TableKind.Table }).OrderBy(w => w).ToList();
        // the equivalence check compares what the tests compare: results too where they matter
        var recorder = new OutcomeRecorder(workspace.Catalog, written, Clock, OutcomeRecorder.ResultMatters(t.Transformation, written.Count)) { Droppable = OutcomeRecorder.DroppableOf(facts, workspace.Catalog) };
        var pool = new CandidateBuilder(workspace.Catalog, facts, t.Transformation.Parameters, Clock).Build().Take(EquivalenceInputs).ToList();
        var reach = new MutantReach(t);
        bool foreignKeys = tests.All(f => f.EnforceForeignKeys);

        // every case once on the original: what it reaches (a case that does not run a mutated
        // statement cannot kill the mutant) and whether it passes at all (one that fails on the
        // original would "kill" every mutant)
        var cases = tests.SelectMany(f => f.Cases.Select(c => (File: f, Case: c))).ToList();
        TestCaseResult[] baseline;
        var originalRunner = new TestRunner(workspace, createFactory) { CaseTimeout = CaseTimeout };
        await using (var f0 = createFactory(new SandboxSetup(workspace, foreignKeys, transformation)))
            baseline = await BoundedParallel.MapAsync(cases, Parallelism, (x, _, ct) => originalRunner.RunCaseAsync(f0, x.File, x.Case, ct), cancellationToken);
        var usable = Enumerable.Range(0, cases.Count).Where(i => baseline[i].Outcome == TestOutcome.Passed).ToList();
        // a pool input that is one of the cases needs no second run: the case already agreed with the original
        var caseInputs = usable.Select(i => Scenario.InputKey(
                cases[i].Case.Given.Select(g => (g.Table, g.Rows.Select(r => (IEnumerable<KeyValuePair<string, object?>>)r.Cells))), cases[i].Case.Call, cases[i].Case.InTransaction))
            .ToHashSet(StringComparer.Ordinal);
        pool = pool.Where(p => !caseInputs.Contains(p.InputKey())).ToList();

        // the pool's outcomes on the original, for the equivalence check (computed on first need)
        Outcome?[]? originals = null;
        var originalsLock = new SemaphoreSlim(1, 1);
        async Task<Outcome?[]> Originals(CancellationToken ct)
        {
            await originalsLock.WaitAsync(ct);
            try
            {
                if (originals is not null) return originals;
                await using var f0 = createFactory(new SandboxSetup(workspace, Serves: transformation));
                var outcomes = await BoundedParallel.MapAsync(pool, Parallelism, (c, _, ct2) => recorder.RunAsync(f0, c, CaseTimeout, t.Transformation.Name, ct2), ct);
                return originals = outcomes.Select(o => o.Failure is null ? o : null).ToArray();
            }
            finally { originalsLock.Release(); }
        }

        var set = MutantGenerator.GenerateSet(t, workspace.Catalog);
        var mutants = set.Candidates;
        var results = new List<MutantResult>();
        // kills per case, overall and per line: cases that killed a mutant tend to kill its neighbours
        var killers = new int[cases.Count];
        var lineKillers = new Dictionary<int, int[]>();
        // a chunk of mutants at a time on all cores; each chunk orders the cases by the kills counted before it
        // (chunks of a few mutants per core: a survivor runs every case, and a core should not wait for it)
        int chunk = Math.Max(1, Parallelism) * 8;
        for (int next = 0; next < mutants.Count; next += chunk)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var batch = mutants.Skip(next).Take(chunk).ToList();
            Progress?.Invoke(results.Count, mutants.Count, batch[0]);
            var killersNow = killers.ToArray();
            var lineKillersNow = lineKillers.ToDictionary(x => x.Key, x => x.Value.ToArray());
            var batchResults = await BoundedParallel.MapAsync(batch, Parallelism, (m, _, ct) =>
            {
                // the cases most likely to tell this mutant apart first (KillLikelihood), then those that
                // killed mutants on its line, then those that killed most
                var relevance = KillLikelihood.For(t.Document.Text, m);
                var sameLine = lineKillersNow.GetValueOrDefault(m.Line);
                var order = usable.OrderByDescending(i => relevance(cases[i].Case.Name)).ThenByDescending(i => sameLine?[i] ?? 0)
                    .ThenByDescending(i => killersNow[i]).ThenBy(i => i).ToList();
                return RunMutantAsync(m, t, reach, cases, baseline, order, pool, Originals, recorder, foreignKeys, ct);
            }, cancellationToken);
            for (int j = 0; j < batch.Count; j++)
            {
                var (r, killer) = batchResults[j];
                results.Add(r);
                if (killer is not { } k) continue;
                killers[k]++;
                if (!lineKillers.TryGetValue(batch[j].Line, out var perLine)) lineKillers[batch[j].Line] = perLine = new int[cases.Count];
                perLine[k]++;
            }
        }
        return new MutationReport(results, watch.Elapsed) { EquivalentByConstruction = set.Equivalent };
    }

    private async Task<(MutantResult Result, int? Killer)> RunMutantAsync(Mutant m, Lineage.TransformationAnalysis t, MutantReach reach,
        List<(TestFile File, TestCase Case)> cases, TestCaseResult[] baseline, List<int> order, List<Scenario> pool,
        Func<CancellationToken, Task<Outcome?[]>> originals, OutcomeRecorder recorder, bool foreignKeys, CancellationToken cancellationToken)
    {
        var mutated = MutantWorkspace.Create(workspace, analyzer, t.Transformation.File, m.Apply(t.Document.Text));
        if (mutated is null) return (new(m, MutantStatus.Unviable, null), null);
        // in the order given, only cases that run the mutated statement; stop at the first failing case
        var reaching = order.Where(i => reach.Reaches(m, baseline[i].Covered)).ToList();
        // no test runs it: however the generated inputs fare, the tests cannot notice this change
        if (reaching.Count == 0) return (new(m, MutantStatus.NotCovered, null), null);
        var runner = new TestRunner(mutated, createFactory) { CaseTimeout = CaseTimeout };
        int errors = 0;
        await using (var factory = createFactory(new SandboxSetup(mutated, foreignKeys, t.Transformation.Name)))
        {
            foreach (var i in reaching)
            {
                var r = await runner.RunCaseAsync(factory, cases[i].File, cases[i].Case, MutantTimeout.For(baseline[i].Elapsed, CaseTimeout), cancellationToken);
                if (r.Outcome == TestOutcome.Failed) return (new(m, MutantStatus.Killed, r.Case.Name), i);
                if (r.Failures.Any(f => f is SandboxFailure s && s.Message.StartsWith("timed out", StringComparison.Ordinal))) return (new(m, MutantStatus.TimedOut, r.Case.Name), i);
                if (r.Outcome == TestOutcome.Error) errors++;
            }
        }
        if (errors == reaching.Count) return (new(m, MutantStatus.Unviable, null), null);

        // survived: is it probably equivalent? (inputs that do not run the mutated statement cannot differ)
        var before = await originals(cancellationToken);
        var inputs = Enumerable.Range(0, pool.Count).Where(i => before[i] is { } o && reach.Reaches(m, o.Covered)).ToList();
        bool differs = false;
        if (inputs.Count > 0)
        {
            await using var fm = createFactory(new SandboxSetup(mutated, Serves: t.Transformation.Name));
            foreach (var i in inputs)
            {
                var om = await recorder.RunAsync(fm, pool[i], MutantTimeout.For(before[i]!.Elapsed, CaseTimeout), t.Transformation.Name, cancellationToken);
                if (om.Failure is null && om.Signature != before[i]!.Signature) { differs = true; break; }
            }
        }
        return (new(m, differs ? MutantStatus.Survived : MutantStatus.Equivalent, null), null);
    }
}
