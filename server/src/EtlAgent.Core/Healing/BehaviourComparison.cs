using EtlAgent.Core.Generation;
using EtlAgent.Core.Model;
using EtlAgent.Core.Sandbox;
using EtlAgent.Core.WorkspaceModel;

namespace EtlAgent.Core.Healing;

/// <summary>How two versions of a transformation compared on generated inputs: inputs both ran, and those on which they agreed.</summary>
public sealed record BehaviourAgreement(int Compared, int Agreed)
{
    /// <summary>The healed version behaves like the reference on every input both could run (and there was one).</summary>
    public bool Restored => Compared > 0 && Agreed == Compared;
}

/// <summary>
/// "Behaviour restored", measured apart from "verified": the healed transformation against a
/// reference version (the code before the fault) on inputs generated from the reference's code and
/// schema — the generator's candidates, not the test cases the heal was verified on — comparing
/// what each writes (and returns, where that matters). A heal can pass the tests and still differ
/// here; that is what this tells apart.
/// </summary>
public static class BehaviourComparison
{
    public static async Task<BehaviourAgreement> CompareAsync(WorkspaceAnalysis reference, WorkspaceAnalysis healed, string transformation,
        Func<SandboxSetup, ISandboxFactory> createFactory, int inputs, DateTime clock, TimeSpan caseTimeout, CancellationToken cancellationToken = default)
    {
        var t = reference.FindTransformation(transformation) ?? throw new ArgumentException($"no transformation named {transformation}");
        var facts = CodeFacts.Collect(reference, t);
        var written = facts.Writes.Where(w => reference.Catalog.Find(w) is { Kind: TableKind.Table }).OrderBy(w => w).ToList();
        var recorder = new OutcomeRecorder(reference.Catalog, written, clock, OutcomeRecorder.ResultMatters(t.Transformation, written.Count));
        var pool = new CandidateBuilder(reference.Catalog, facts, t.Transformation.Parameters, clock).Build().Take(inputs).ToList();
        int compared = 0, agreed = 0;
        await using var before = createFactory(new SandboxSetup(reference, Serves: t.Transformation.Name));
        await using var after = createFactory(new SandboxSetup(healed, Serves: t.Transformation.Name));
        foreach (var input in pool)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var a = await recorder.RunAsync(before, input, caseTimeout, t.Transformation.Name, cancellationToken).ConfigureAwait(false);
            if (a.Failure is not null) continue;
            var b = await recorder.RunAsync(after, input, caseTimeout, t.Transformation.Name, cancellationToken).ConfigureAwait(false);
            compared++;
            if (b.Failure is null && a.Signature == b.Signature) agreed++;
        }
        return new BehaviourAgreement(compared, agreed);
    }
}
