using System.Diagnostics;
using EtlAgent.Core.Agent;
using EtlAgent.Core.Generation;
using EtlAgent.Core.Model;
using EtlAgent.Core.Sandbox;
using EtlAgent.Core.Sandbox.Runner;
using EtlAgent.Core.Sandbox.TestFiles;

namespace EtlAgent.Core.Mutation;

public enum MutantStatus { Killed, Survived, TimedOut, Equivalent, Unviable }

public sealed record MutantResult(Mutant Mutant, MutantStatus Status, string? KilledBy);

public sealed record MutationReport(IReadOnlyList<MutantResult> Results, TimeSpan Elapsed)
{
    public int Mutants => Results.Count(r => r.Status != MutantStatus.Unviable);
    public int Killed => Results.Count(r => r.Status is MutantStatus.Killed or MutantStatus.TimedOut);
    public int Survived => Results.Count(r => r.Status == MutantStatus.Survived);
    public int Equivalent => Results.Count(r => r.Status == MutantStatus.Equivalent);
    public double Score => Mutants - Equivalent == 0 ? 1 : (double)Killed / (Mutants - Equivalent);
}

/// <summary>
/// Runs a transformation's tests against each of its mutants (the mutant's text replaces the file
/// in a re-analysed workspace). A mutant is killed when a case fails, timed out when a case times
/// out, unviable when the sandbox cannot run it at all; a survivor is probably equivalent when the
/// original and the mutant also agree on <see cref="EquivalenceInputs"/> generated inputs.
/// </summary>
public sealed class MutationRunner(WorkspaceAnalysis workspace, WorkspaceAnalyzer analyzer, Func<SandboxSetup, ISandboxFactory> createFactory)
{
    public int EquivalenceInputs { get; init; } = 30;
    public TimeSpan CaseTimeout { get; init; } = TimeSpan.FromSeconds(10);
    public DateTime Clock { get; init; } = new(2016, 6, 2, 8, 0, 0);
    /// <summary>Called before each mutant runs: (mutants done, mutants in all, the next one).</summary>
    public Action<int, int, Mutant>? Progress { get; init; }

    public async Task<MutationReport> RunAsync(string transformation, IReadOnlyList<TestFile> tests, CancellationToken cancellationToken = default)
    {
        var watch = Stopwatch.StartNew();
        var t = workspace.FindTransformation(transformation) ?? throw new ArgumentException($"no transformation named {transformation}");
        var facts = CodeFacts.Collect(workspace, t);
        var written = facts.Writes.Where(w => workspace.Catalog.Find(w) is { Kind: TableKind.Table }).OrderBy(w => w).ToList();
        var recorder = new OutcomeRecorder(workspace.Catalog, written, Clock);
        var pool = new CandidateBuilder(workspace.Catalog, facts, t.Transformation.Parameters, Clock).Build().Take(EquivalenceInputs).ToList();
        Dictionary<int, Outcome>? originals = null;
        var results = new List<MutantResult>();
        var killers = new Dictionary<string, int>(StringComparer.Ordinal);
        var mutants = MutantGenerator.Generate(t);
        foreach (var m in mutants)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Progress?.Invoke(results.Count, mutants.Count, m);
            var mutated = MutantWorkspace.Create(workspace, analyzer, t.Transformation.File, m.Apply(t.Document.Text));
            if (mutated is null) { results.Add(new(m, MutantStatus.Unviable, null)); continue; }
            // cases that killed earlier mutants first; stop at the first failing case
            var runner = new TestRunner(mutated, createFactory) { CaseTimeout = CaseTimeout };
            var cases = tests.SelectMany(f => f.Cases.Select(c => (File: f, Case: c)))
                .OrderByDescending(x => killers.GetValueOrDefault(x.Case.Name)).ToList();
            TestCaseResult? failed = null, timedOut = null;
            int errors = 0;
            await using (var factory = createFactory(new SandboxSetup(mutated, tests.All(f => f.EnforceForeignKeys))))
            {
                foreach (var (file, c) in cases)
                {
                    var r = await runner.RunCaseAsync(factory, file, c, cancellationToken);
                    if (r.Outcome == TestOutcome.Failed) { failed = r; break; }
                    if (r.Failures.Any(f => f is SandboxFailure s && s.Message.StartsWith("timed out", StringComparison.Ordinal))) { timedOut = r; break; }
                    if (r.Outcome == TestOutcome.Error) errors++;
                }
            }
            if (failed is not null)
            {
                killers[failed.Case.Name] = killers.GetValueOrDefault(failed.Case.Name) + 1;
                results.Add(new(m, MutantStatus.Killed, failed.Case.Name));
                continue;
            }
            if (timedOut is not null) { results.Add(new(m, MutantStatus.TimedOut, timedOut.Case.Name)); continue; }
            if (cases.Count > 0 && errors == cases.Count) { results.Add(new(m, MutantStatus.Unviable, null)); continue; }

            // survived: is it probably equivalent?
            if (originals is null)
            {
                originals = new();
                await using var f0 = createFactory(new SandboxSetup(workspace));
                for (int i = 0; i < pool.Count; i++)
                {
                    var o = await recorder.RunAsync(f0, pool[i], CaseTimeout, t.Transformation.Name, cancellationToken);
                    if (o.Failure is null) originals[i] = o;
                }
            }
            bool differs = false;
            await using (var fm = createFactory(new SandboxSetup(mutated)))
            {
                foreach (var (i, o) in originals)
                {
                    var om = await recorder.RunAsync(fm, pool[i], CaseTimeout, t.Transformation.Name, cancellationToken);
                    if (om.Failure is null && om.Signature != o.Signature) { differs = true; break; }
                }
            }
            results.Add(new(m, differs ? MutantStatus.Survived : MutantStatus.Equivalent, null));
        }
        return new MutationReport(results, watch.Elapsed);
    }
}
