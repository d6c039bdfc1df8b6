using EtlAgent.Core.Sandbox;
using EtlAgent.Core.Sandbox.Runner;

namespace EtlAgent.Core.Generation;

/// <summary>Inputs made from the runs of the candidates (<see cref="TestGenerator"/>): loaded again, errors inside a caller's transaction, CATCH blocks reached.</summary>
public sealed partial class TestGenerator
{
    /// <summary>
    /// Runs the first base input that wrote something ("a new entity in the source", else "empty input") and "two entities" again on what their runs
    /// wrote (<see cref="CandidateBuilder.Again"/>: a load run twice, and the first with one source column
    /// changed at a time), within the cap; the runs join the others, to be kept as cases by their outcome or
    /// the mutants they tell apart. The first "loaded again" is a base case, kept whatever it shows.
    /// </summary>
    private async Task LoadAgainAsync(CandidateBuilder builder, List<(Scenario Scenario, Outcome Outcome)> runs, List<TimeSpan> runTook, OutcomeRecorder recorder,
        ISandboxFactory factory, string name, GenerationCap cap, List<string> notes, CancellationToken cancellationToken)
    {
        var again = new List<Scenario>();
        // the first base input that wrote something: a new entity, else the empty input of a procedure driven by its parameters (a get-or-create called twice)
        foreach (var role in new[] { BaseInput.NewEntity, BaseInput.Empty })
        {
            var first = runs.FirstOrDefault(r => r.Scenario.Base == role && r.Outcome.Failed is null);
            if (first.Scenario is null) continue;
            var made = builder.Again(first.Scenario, first.Outcome.Tables, changes: true);
            if (made.Count == 0) continue;
            made[0].Structural = true;
            again.AddRange(made);
            break;
        }
        var two = runs.FirstOrDefault(r => r.Scenario.Base == BaseInput.TwoEntities && r.Outcome.Failed is null);
        if (two.Scenario is not null) again.AddRange(builder.Again(two.Scenario, two.Outcome.Tables, changes: false));
        if (again.Count == 0) return;
        var known = runs.Select(r => r.Scenario.Key()).ToHashSet(StringComparer.Ordinal);
        again.RemoveAll(a => !known.Add(a.Key()));
        Report($"inputs loaded again: {again.Count}", 0.3);
        int ran = await RunMoreAsync(again, runs, runTook, recorder, factory, name, cap, cancellationToken);
        notes.Add($"inputs loaded again on what a run wrote (a load run twice, and with one source column changed at a time): {ran} of {again.Count} run");
    }

    /// <summary>
    /// For a procedure that asks whether its caller has a transaction (<see cref="CodeFacts.AsksForTransaction"/>):
    /// each distinct error an input took the code off its path with, again inside a caller's transaction, where its
    /// CATCH block's rollback decision takes the other way (a caller's transaction is the caller's to end).
    /// </summary>
    private async Task ErrorsInTransactionAsync(List<(Scenario Scenario, Outcome Outcome)> runs, List<TimeSpan> runTook, OutcomeRecorder recorder,
        ISandboxFactory factory, string name, GenerationCap cap, List<string> notes, CancellationToken cancellationToken)
    {
        const int MostErrors = 8;
        var errors = new HashSet<string>(StringComparer.Ordinal);
        var known = runs.Select(r => r.Scenario.Key()).ToHashSet(StringComparer.Ordinal);
        var inside = new List<Scenario>();
        foreach (var (s, o) in runs)
        {
            if (s.InTransaction || o.Failed is not { } e || !errors.Add(ErrorCases.Key(e))) continue;
            var v = s.CalledInsideTransaction();
            if (known.Add(v.Key())) inside.Add(v);
            if (inside.Count == MostErrors) break;
        }
        if (inside.Count == 0) return;
        int ran = await RunMoreAsync(inside, runs, runTook, recorder, factory, name, cap, cancellationToken);
        notes.Add($"inputs that raise an error, again inside a caller's transaction: {ran} of {inside.Count} run");
    }

    /// <summary>
    /// For a procedure whose CATCH block no run reached: the parameter values the variations tried (NULL, naming no
    /// row, zero…) again on the runs that changed the tables in a way no such variation did. The variations ran on the
    /// base inputs, where the statement that fails on them (an INSERT of a NOT NULL column from @session_id) wrote no
    /// row: on an input where it writes one, the error takes the code into its CATCH block.
    /// </summary>
    private async Task CatchUnreachedAsync(IReadOnlyList<(string File, int Offset)> catchStarts, IReadOnlyList<KeyValuePair<string, object?>> baseArguments,
        List<(Scenario Scenario, Outcome Outcome)> runs, List<TimeSpan> runTook, OutcomeRecorder recorder,
        ISandboxFactory factory, string name, GenerationCap cap, List<string> notes, CancellationToken cancellationToken)
    {
        const int MostTargets = 4, MostValues = 6;
        if (catchStarts.Count == 0 || runs.Any(r => r.Outcome.Covered is { } c && catchStarts.Any(c.Contains))) return;
        static bool Same(object? a, object? b) => Scenario.Fmt(a) == Scenario.Fmt(b);
        bool IsBase(Scenario s) => s.Arguments.Count == baseArguments.Count && s.Arguments.Zip(baseArguments).All(p => p.First.Key == p.Second.Key && Same(p.First.Value, p.Second.Value));
        // the parameter values the variations tried, each with the rows it needs left out
        var values = new List<(List<KeyValuePair<string, object?>> Changed, Scenario From)>();
        var seenValues = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (s, _) in runs)
        {
            if (s.InTransaction || IsBase(s)) continue;
            var changed = s.Arguments.Where(a => baseArguments.FirstOrDefault(b => b.Key == a.Key) is var b && (b.Key is null || !Same(a.Value, b.Value))).ToList();
            if (changed.Count == 0 || !seenValues.Add(string.Join(",", changed.Select(c => c.Key + "=" + Scenario.Fmt(c.Value))))) continue;
            values.Add((changed, s));
            if (values.Count == MostValues) break;
        }
        if (values.Count == 0) return;
        // statements run whether or not they write: what a run changed tells the inputs that go further apart
        var shownByValues = runs.Where(r => !IsBase(r.Scenario)).Select(r => Shape(r.Scenario, r.Outcome, recorder)).ToHashSet(StringComparer.Ordinal);
        var targets = runs.Where(r => !r.Scenario.InTransaction && r.Outcome.Failed is null && IsBase(r.Scenario))
            .Select(r => (r.Scenario, Shape: Shape(r.Scenario, r.Outcome, recorder), Changes: r.Outcome.Tables.Sum(t => Delta(r.Scenario, t.Table, t.Rows, recorder) is var (a, c, d) ? a + c + d : 0)))
            .Where(t => !shownByValues.Contains(t.Shape)).DistinctBy(t => t.Shape).OrderByDescending(t => t.Changes).Take(MostTargets).ToList();
        var known = runs.Select(r => r.Scenario.Key()).ToHashSet(StringComparer.Ordinal);
        var more = new List<Scenario>();
        foreach (var (target, _, _) in targets)
        foreach (var (changed, from) in values)
        {
            var v = target.Clone($"{target.Description}, {string.Join(", ", changed.Select(c => $"{c.Key} {Scenario.Fmt(c.Value)}"))}");
            v.Structural = false;
            foreach (var c in changed)
            {
                int i = v.Arguments.FindIndex(a => a.Key == c.Key);
                if (i >= 0) v.Arguments[i] = c; else v.Arguments.Add(c);
            }
            v.WithoutParents.UnionWith(from.WithoutParents);
            if (known.Add(v.Key())) more.Add(v);
        }
        if (more.Count == 0) return;
        int ran = await RunMoreAsync(more, runs, runTook, recorder, factory, name, cap, cancellationToken);
        notes.Add($"the CATCH block no input reached: the parameter values of the variations again on the inputs that changed more, {ran} of {more.Count} run");
    }

    /// <summary>Runs inputs made from the runs so far, within the cap; those that ran join the runs (a structural one is kept as a case).</summary>
    private async Task<int> RunMoreAsync(List<Scenario> more, List<(Scenario Scenario, Outcome Outcome)> runs, List<TimeSpan> runTook, OutcomeRecorder recorder,
        ISandboxFactory factory, string name, GenerationCap cap, CancellationToken cancellationToken)
    {
        var outcomes = await BoundedParallel.MapAsync(more, _options.Parallelism, async (c, _, ct) =>
        {
            if (cap.Spent()) return ((Outcome?)null, TimeSpan.Zero);
            var started = cap.Elapsed;
            var o = await recorder.RunAsync(factory, c, _options.CaseTimeout, name, ct);
            var took = cap.Elapsed - started;
            if (o.Failure is null) { cap.Ran(took); cap.MayKeep(took); }
            return ((Outcome?)o, took);
        }, cancellationToken);
        cap.Settle();
        int ran = 0;
        for (int i = 0; i < more.Count; i++)
        {
            if (outcomes[i] is not ({ Failure: null } o, var took)) continue;
            runs.Add((more[i], o));
            runTook.Add(took);
            ran++;
            if (more[i].Structural) cap.Keep(took);
        }
        return ran;
    }
}
