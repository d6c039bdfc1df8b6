using EtlAgent.Core.WorkspaceModel;
using System.Diagnostics;
using EtlAgent.Core.Catalog;
using EtlAgent.Core.Model;
using EtlAgent.Core.Mutation;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Workspace;
using EtlAgent.Core.Sandbox;
using EtlAgent.Core.Sandbox.Runner;
using EtlAgent.Core.Sandbox.TestFiles;

namespace EtlAgent.Core.Generation;

public sealed record GenerationOptions
{
    /// <summary>The frozen clock every generated case sets.</summary>
    public DateTime Clock { get; init; } = new(2016, 6, 2, 8, 0, 0);
    public TimeSpan CaseTimeout { get; init; } = TimeSpan.FromSeconds(20);
    /// <summary>Time for choosing cases by the mutants they kill; past it the cases chosen so far are kept.</summary>
    public TimeSpan MutationBudget { get; init; } = TimeSpan.FromSeconds(45);
    /// <summary>
    /// Candidates tried on one mutant, most likely first, before it is called probably equivalent
    /// (Fact.LoadSale: 120 of the 128 mutants a candidate kills are killed by one of the first 9 tried).
    /// </summary>
    public int CandidatesPerMutant { get; init; } = 24;
    public bool UseMutants { get; init; } = true;
    /// <summary>Sandboxes run at once (candidates, mutants, the self-check); results never depend on it.</summary>
    public int Parallelism { get; init; } = BoundedParallel.DefaultDegree;
    /// <summary>Mutants to try first, before the budget can run out: the ones the last run's tests let survive (from the memory). Null: none.</summary>
    public Func<Mutant, bool>? TryFirst { get; init; }

    /// <summary>The cap that keeps a transformation's generation within 30 s on two cores (`--cap`).</summary>
    public static readonly TimeSpan DefaultCap = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Wall time for one transformation's generation: the candidate and mutant searches stop where
    /// what is left (checking the cases kept) still fits, and the cases found so far are kept.
    /// Zero: no cap.
    /// </summary>
    public TimeSpan Cap { get; init; } = DefaultCap;

    /// <summary>
    /// Candidates in a row (in <see cref="CandidateOrder"/>) that show no new outcome shape and reach
    /// no new statement, after which the rest are not run (<see cref="CandidateSearch"/>). 0: all run.
    /// Only without mutants: with them, a candidate that shows nothing new may be the one that tells
    /// a mutant apart (Dim.LoadCustomer of the fixture killed fewer of its mutants with the stop, docs/realworld.md).
    /// </summary>
    public int StopAfterUninformative { get; init; } = 40;

    /// <summary>Also run base inputs again on what their runs wrote (<see cref="CandidateBuilder.Again"/>).</summary>
    public bool LoadAgain { get; init; } = true;

    /// <summary>Starts the stopwatch the cap and the mutation budget are measured with (the host's; tests inject one).</summary>
    public Func<IStopwatch> Stopwatch { get; init; } = SystemStopwatch.StartNew;
}

/// <summary>Where a generation is: what it is doing, for people, and the share done (0..1).</summary>
public sealed record GenerationProgress(string Message, double Fraction);

/// <summary>
/// What generation produced for one transformation. Of the <see cref="Mutants"/> tried,
/// <see cref="MutantsKilled"/> are told apart by a case of the file, <see cref="NotCovered"/> are
/// reached by no candidate input (nothing can tell them apart), and <see cref="NotKilled"/> are
/// reached but told apart by none (probably equivalent); <see cref="KilledOnlyByLeftOut"/> were told
/// apart only by cases left out because they repeat an error another case expects.
/// </summary>
public sealed record GenerationResult(
    string Transformation,
    TestFile? File,
    string? Text,
    int Candidates,
    int CandidatesRun,
    int Mutants,
    int MutantsKilled,
    IReadOnlyList<Mutant> NotKilled,
    IReadOnlyList<string> Notes,
    TimeSpan Elapsed)
{
    /// <summary>Mutants whose statement no candidate input runs.</summary>
    public IReadOnlyList<Mutant> NotCovered { get; init; } = Array.Empty<Mutant>();

    /// <summary>
    /// Mutants that some candidate input told apart, but only inputs whose case was left out (it repeats
    /// an error another case expects): not killed by the file, and not "probably equivalent" either.
    /// </summary>
    public IReadOnlyList<Mutant> KilledOnlyByLeftOut { get; init; } = Array.Empty<Mutant>();

    /// <summary>Why no file was made ("not testable yet: Load.sql:12: …"); null when there is one.</summary>
    public string? NoTestsReason { get; init; }

    /// <summary>Suspected bugs seen while generating: invariants the code breaks (<see cref="BrokenInvariant"/>, ETL0104).</summary>
    public IReadOnlyList<Finding> Findings { get; init; } = Array.Empty<Finding>();

    /// <summary>Mutants no input can tell apart by construction (<see cref="EquivalentMutants"/>): never tried, not in <see cref="Mutants"/>.</summary>
    public IReadOnlyList<EquivalentMutant> EquivalentByConstruction { get; init; } = Array.Empty<EquivalentMutant>();

    /// <summary>
    /// "N of M mutants killed, K not covered, E probably equivalent[, L told apart only by error cases left out][, X equivalent by construction (not counted)]";
    /// empty when no mutant was tried.
    /// </summary>
    public string MutantSummary => Mutants == 0 ? ""
        : $"{MutantsKilled} of {Mutants} mutants killed, {NotCovered.Count} not covered, {NotKilled.Count} probably equivalent"
          + (KilledOnlyByLeftOut.Count == 0 ? "" : $", {KilledOnlyByLeftOut.Count} told apart only by error cases left out")
          + (EquivalentByConstruction.Count == 0 ? "" : $", {EquivalentByConstruction.Count} equivalent by construction (not counted)");

    /// <summary>
    /// Every mutant was tried: the cases are all this generation can find. False when mutants were
    /// off or the budget ran out; such a file may cover less than one generated before.
    /// </summary>
    public bool Complete { get; init; }

    /// <summary>The cap (<see cref="GenerationOptions.Cap"/>) stopped a search: the cases are the best found before it.</summary>
    public bool CapReached { get; init; }
}

/// <summary>
/// Generates a test file for a transformation: candidate inputs from the schema and the code
/// (<see cref="CandidateBuilder"/>), each run on the original code in the sandbox; the cases kept
/// are one per distinct outcome shape (rows inserted/updated/deleted per written table, error)
/// plus, for every mutant of the code, the first candidate whose outcome tells the mutant from
/// the original, with at most one case per distinct error (<see cref="ErrorCases"/>). Expectations
/// are the original's resulting rows (golden master) of the tables the transformation writes,
/// without identity/sequence/NEWID columns; every case sets the clock. No file when every input
/// stops at one statement with one error, or raises some error ("not testable yet"), and an
/// inferred invariant the code breaks is reported as a suspected bug (<see cref="BrokenInvariant"/>).
/// </summary>
public sealed partial class TestGenerator(WorkspaceAnalysis workspace, WorkspaceAnalyzer analyzer, Func<SandboxSetup, ISandboxFactory> createFactory, GenerationOptions? options = null)
{
    private readonly GenerationOptions _options = options ?? new GenerationOptions();

    /// <summary>
    /// Called as generation goes (from worker threads): candidate inputs run (up to 30 %), mutants
    /// tried (up to 90 %, or the share of the mutant budget spent if that is more), the self-check.
    /// </summary>
    public Action<GenerationProgress>? Progress { get; init; }

    private readonly object _progressLock = new();
    private double _progressDone;

    /// <summary>One report at a time, never going back (workers finish out of order).</summary>
    private void Report(string message, double fraction)
    {
        if (Progress is null) return;
        lock (_progressLock)
        {
            if (fraction < _progressDone) return;
            _progressDone = fraction;
            Progress(new GenerationProgress(message, fraction));
        }
    }

    public const string Header =
        "# Generated by etl-agent generate: RECORDED BEHAVIOUR of the current code, not a specification.\n" +
        "# Review every expectation before relying on it; a wrong expectation here hides a bug.\n";

    /// <summary>Comment lines naming the stand-in tables a generated file relies on, and where their shape came from.</summary>
    public static string StandInHeader(IReadOnlyList<TableDef> standIns) =>
        standIns.Count == 0 ? "" : "# Stand-in tables (defined nowhere; columns inferred from the code, declare them in etl-agent.json externalObjects):\n" +
            string.Concat(standIns.Select(t => "#   " + StandInTables.Describe(t).Replace("\n", " ") + "\n"));

    public async Task<GenerationResult> GenerateAsync(string transformation, string path, CancellationToken cancellationToken = default)
    {
        // inputs, runs and the file as the transformation's own database project defines its tables
        if (workspace.For(transformation) is var scoped && !ReferenceEquals(scoped, workspace))
            return await new TestGenerator(scoped, analyzer, createFactory, _options) { Progress = Progress }.GenerateAsync(transformation, path, cancellationToken);
        var watch = _options.Stopwatch();
        var notes = new List<string>();
        var t = workspace.FindTransformation(transformation) ?? throw new ArgumentException($"no transformation named {transformation}");
        // the preparation's parts, for the reason given when it takes the whole cap (the cap's own stopwatch is read only to decide)
        var phase = System.Diagnostics.Stopwatch.StartNew();
        var facts = CodeFacts.Collect(workspace, t);
        var factsTook = phase.Elapsed;
        var written = facts.Writes.Where(w => workspace.Catalog.Find(w) is { Kind: TableKind.Table }).OrderBy(w => w).ToList();
        var builder = new CandidateBuilder(workspace.Catalog, facts, t.Transformation.Parameters, _options.Clock);
        // the inputs are prepared within a share of the cap, the rest of it is for running them (the base inputs are always prepared)
        var preparation = _options.Cap / PreparationShare;
        var candidates = builder.Build(_options.Cap > TimeSpan.Zero ? () => watch.Elapsed >= preparation : null);
        var buildTook = phase.Elapsed - factsTook;
        if (builder.NotPrepared > 0)
            notes.Add($"{builder.NotPrepared} candidate inputs not prepared: preparing them took more than a third of the cap (the base inputs and the variations that run first were)");
        // tables defined nowhere are stand-ins shaped by the code: the output and the file say so
        var standIns = facts.Reads.Concat(facts.Writes).Distinct().Select(workspace.Catalog.Find).OfType<TableDef>().Where(d => d.StandIn is not null).OrderBy(d => d.Name).ToList();
        foreach (var standIn in standIns)
            notes.Add($"stand-in {StandInTables.Summary(standIn)}: defined nowhere, so its columns are inferred from the code (the file's header says from where; finding ETL0150 gives the externalObjects entry that declares it)");
        var header = Header + StandInHeader(standIns);
        bool orchestrator = Orchestrator.Is(t.Transformation, n => workspace.FindTransformation(n)?.Transformation);
        if (orchestrator)
        {
            var inputs = Orchestrator.Inputs(candidates);
            notes.Add($"orchestrator: {inputs.Count} base inputs and parameter variations of {candidates.Count} candidates are run (the loads it runs have their own tests)");
            candidates = inputs;
        }
        // views, functions, scripts and procedures that write nothing are also checked by what they return
        bool returns = OutcomeRecorder.ResultMatters(t.Transformation, written.Count);
        var recorder = new OutcomeRecorder(workspace.Catalog, written, _options.Clock, returns) { RecordsReturn = facts.ReturnsStatus, Droppable = OutcomeRecorder.DroppableOf(facts, workspace.Catalog) };
        var name = t.Transformation.Kind == TransformationKind.Script ? t.Transformation.File : t.Transformation.Name;

        // candidates on the original, on all cores, the most informative first (CandidateOrder); the
        // search stops after a run of candidates that add no behaviour, or at the cap; results in candidate order
        var runs = new List<(Scenario Scenario, Outcome Outcome)>();
        var runTook = new List<TimeSpan>();
        var failures = new HashSet<string>();
        var cap = new GenerationCap(_options.Cap, watch, _options.Parallelism);
        var order = CandidateOrder.Informative(candidates);
        int considered = 0;
        // what each candidate's run took on the cap's stopwatch (a kept case's check takes as long again)
        var took = new TimeSpan[candidates.Count];
        // one sandbox set-up for the searches on the original and the self-check of the file: the
        // self-check's cases run the same transformation on the same catalog (fresh state per case as ever)
        var setup = new SandboxSetup(workspace, Serves: name);
        var beforeFactory = phase.Elapsed;
        await using var factory = createFactory(setup);
        var factoryTook = phase.Elapsed - beforeFactory;
        {
            lock (_progressLock) _progressDone = 0;
            Report($"candidate inputs: 0 of {candidates.Count}", 0);
            int done = 0, step = Math.Max(1, candidates.Count / 20);
            int stopAfter = _options.UseMutants && t.HasSyntax ? 0 : _options.StopAfterUninformative;
            var search = new CandidateSearch(stopAfter);
            var found = new List<(int Index, Outcome Outcome)>();
            // a chunk at a time, so a search that stops early runs few candidates past its stop
            int chunk = Math.Max(1, _options.Parallelism) * 4;
            for (int next = 0; next < order.Count && !search.Exhausted && !cap.Reached; next += chunk)
            {
                var batch = order.Skip(next).Take(chunk).ToList();
                var outcomes = await BoundedParallel.MapAsync(batch, _options.Parallelism, async (c, _, ct) =>
                {
                    // past the cap, with the cases kept so far still to be checked: not run
                    if (cap.Spent()) return null;
                    var started = cap.Elapsed;
                    var o = await recorder.RunAsync(factory, candidates[c], _options.CaseTimeout, name, ct);
                    took[c] = cap.Elapsed - started;
                    // a run that failed (timed out) is no case to keep, and says how long the case timeout is, not how long the next run takes
                    if (o.Failure is null)
                    {
                        cap.Ran(took[c]);
                        cap.MayKeep(took[c]);
                    }
                    int d = Interlocked.Increment(ref done);
                    if (d % step == 0 || d == candidates.Count) Report($"candidate inputs: {d} of {candidates.Count}", 0.3 * d / candidates.Count);
                    return o;
                }, cancellationToken);
                cap.Settle();
                for (int j = 0; j < batch.Count && !search.Exhausted; j++)
                {
                    if (outcomes[j] is not { } o) break;
                    considered++;
                    var c = candidates[batch[j]];
                    if (o.Failure is not null)
                    {
                        search.Add(null, null);
                        if (failures.Add(o.Failure) && failures.Count <= 3) notes.Add($"candidate \"{c.Description}\" cannot run: {o.Failure}");
                        continue;
                    }
                    if (search.Add(Shape(c, o, recorder), o.Covered, c.Structural) || c.Structural) cap.Keep(took[batch[j]]);
                    found.Add((batch[j], o));
                }
            }
            runs.AddRange(found.OrderBy(f => f.Index).Select(f => (candidates[f.Index], f.Outcome)));
            runTook.AddRange(found.OrderBy(f => f.Index).Select(f => took[f.Index]));
            if (cap.Reached) notes.Add($"cap of {cap.Describe()} reached after {considered} of {candidates.Count} candidate inputs: the cases are those found so far");
            else if (considered < candidates.Count)
                notes.Add($"{considered} of {candidates.Count} candidate inputs run: the last {stopAfter} showed no new outcome and reached no new statement");
        }
        if (_options.LoadAgain && !orchestrator && written.Count > 0 && !cap.Reached)
            await LoadAgainAsync(builder, runs, runTook, recorder, factory, name, cap, notes, cancellationToken);
        if (!orchestrator && !cap.Reached && candidates.FirstOrDefault(c => c.Base == BaseInput.Empty) is { } emptyInput)
            await CatchUnreachedAsync(facts.CatchStarts, emptyInput.Arguments, runs, runTook, recorder, factory, name, cap, notes, cancellationToken);
        if (facts.AsksForTransaction && !orchestrator && !cap.Reached)
            await ErrorsInTransactionAsync(runs, runTook, recorder, factory, name, cap, notes, cancellationToken);
        if (runs.Count == 0)
        {
            // one reason for all of them is something the sandbox cannot do yet; several, inputs it refuses
            var why = considered == 0 && cap.Reached
                    ? $"not testable within the cap: the cap of {cap.Describe()} was reached before any of the {candidates.Count} candidate inputs ran (preparing them and the sandbox took {Seconds(watch.Elapsed)} s: code facts {Seconds(factsTook)} s, candidate inputs {Seconds(buildTook)} s, sandbox {Seconds(factoryTook)} s; a larger --cap gives it room)"
                : failures.Count == 1 ? $"not testable yet: {failures.First()}"
                : $"none of the {considered} candidate inputs could be run in the sandbox ({failures.FirstOrDefault() ?? "no candidate input"})";
            notes.Add(why);
            return new GenerationResult(name, null, null, candidates.Count, 0, 0, 0, Array.Empty<Mutant>(), notes, watch.Elapsed) { NoTestsReason = why };
        }
        // every input stops at the same statement with the same error: recording that would record the gap as behaviour
        if (ErrorCases.Blocking(runs.Select(r => r.Outcome).ToList()) is { } blocking)
        {
            // inputs the sandbox refused come first: the others often only reach an error path (a NULL run id's CATCH block)
            var why = failures.Count > 0 ? ErrorCases.NotTestableBehindRefusal(failures.First(), considered - runs.Count, blocking, runs.Count)
                : ErrorCases.NotTestable(blocking, runs.Count, ErrorCases.Swallowed(runs.Select(r => r.Outcome).ToList(), blocking));
            notes.Add(why);
            return new GenerationResult(name, null, null, candidates.Count, runs.Count, 0, 0, Array.Empty<Mutant>(), notes, watch.Elapsed) { NoTestsReason = why };
        }
        // errors only, though not all the same: no case runs past them, so there is nothing to keep them beside
        if (runs.All(r => r.Outcome.Failed is not null))
        {
            var why = ErrorCases.OnlyErrors(runs.Select(r => r.Outcome).ToList());
            notes.Add(why);
            return new GenerationResult(name, null, null, candidates.Count, runs.Count, 0, 0, Array.Empty<Mutant>(), notes, watch.Elapsed) { NoTestsReason = why };
        }

        // one case per outcome shape
        var selected = new List<int>();
        var shapes = new HashSet<string>();
        for (int i = 0; i < runs.Count; i++)
            if (shapes.Add(Shape(runs[i].Scenario, runs[i].Outcome, recorder)) || runs[i].Scenario.Structural) selected.Add(i);

        int mutantCount = 0, killed = 0;
        var notKilled = new List<Mutant>();
        var notCovered = new List<Mutant>();
        var leftOut = new List<Mutant>();
        var killedBy = new List<(Mutant Mutant, int Killer)>();
        var kills = new int[runs.Count];
        MutantReach? reach = null;
        IReadOnlyList<EquivalentMutant> equivalentByConstruction = Array.Empty<EquivalentMutant>();
        bool complete = _options.UseMutants && t.HasSyntax;
        if (complete)
        {
            // round-robin over operators, so a budget that runs out still covers every kind of change
            var set = MutantGenerator.GenerateSet(t, workspace.Catalog);
            equivalentByConstruction = set.Equivalent;
            var mutants = set.Candidates
                .GroupBy(m => m.Operator.Split(' ')[0])
                .SelectMany(g => g.Select((m, i) => (m, i)))
                .OrderBy(x => x.i).Select(x => x.m)
                .OrderBy(m => _options.TryFirst?.Invoke(m) == true ? 0 : 1) // stable: the round-robin holds within each group
                .ToList();
            reach = new MutantReach(t);
            // kills per candidate on each line: a candidate that killed a mutant tends to kill its neighbours
            var lineKills = new Dictionary<int, int[]>();
            var budget = _options.Stopwatch();
            // Mutants run in parallel, a chunk at a time: each chunk orders its candidates by the
            // cases chosen and the kills counted before it, so the file does not depend on timing
            // (eight per core: a mutant no candidate kills tries many, and a core should not wait for it).
            int chunk = Math.Max(1, _options.Parallelism) * 8;
            for (int next = 0; next < mutants.Count; next += chunk)
            {
                if (budget.Elapsed > _options.MutationBudget) { notes.Add($"mutation budget spent after {next} of {mutants.Count} mutants"); complete = false; break; }
                if (cap.Spent()) { notes.Add($"cap of {cap.Describe()} reached after {next} of {mutants.Count} mutants"); complete = false; break; }
                cancellationToken.ThrowIfCancellationRequested();
                double share = Math.Max((double)next / mutants.Count, budget.Elapsed / _options.MutationBudget);
                Report($"mutants: {next} of {mutants.Count} tried, {killed} told apart", 0.3 + 0.6 * Math.Min(1, share));
                var batch = mutants.Skip(next).Take(chunk).ToList();
                var selectedNow = selected.ToList();
                var killsNow = kills.ToArray();
                var lineKillsNow = lineKills.ToDictionary(x => x.Key, x => x.Value.ToArray());
                var tried = await BoundedParallel.MapAsync(batch, _options.Parallelism,
                    (m, _, ct) => TryKillAsync(m, t.Document.Text, reach, runs, selectedNow, killsNow, lineKillsNow.GetValueOrDefault(m.Line), recorder, name, null, cap, ct, runTook), cancellationToken);
                cap.Settle();
                for (int j = 0; j < batch.Count; j++)
                {
                    var (ran, killer, reached) = tried[j];
                    if (!ran) continue; // the mutant cannot run in the sandbox: not counted
                    mutantCount++;
                    if (killer is { } k)
                    {
                        killed++;
                        killedBy.Add((batch[j], k));
                        kills[k]++;
                        if (!lineKills.TryGetValue(batch[j].Line, out var perLine)) lineKills[batch[j].Line] = perLine = new int[runs.Count];
                        perLine[k]++;
                        if (!selected.Contains(k)) { selected.Add(k); cap.Keep(runTook[k]); }
                    }
                    else if (reached) notKilled.Add(batch[j]);
                    else notCovered.Add(batch[j]);
                }
            }
            if (cap.Reached && complete) { notes.Add($"cap of {cap.Describe()} reached while the last mutants were tried"); complete = false; }
        }

        // error cases only beside cases that run without an error, one per distinct error
        var keep = ErrorCases.Keep(selected, runs.Select(r => r.Outcome).ToList(), kills, runs.Select(r => r.Scenario.InTransaction).ToList());
        if (keep.Count < selected.Count)
        {
            notes.Add($"{selected.Count - keep.Count} cases that repeat an error another case expects (same number, same statement) left out");
            // a mutant told apart only by a case left out: try it on the cases kept
            var kept = keep.ToHashSet();
            var orphans = killedBy.Where(x => !kept.Contains(x.Killer)).Select(x => x.Mutant).ToList();
            if (orphans.Count > 0 && reach is not null)
            {
                var retried = await BoundedParallel.MapAsync(orphans, _options.Parallelism,
                    (m, _, ct) => TryKillAsync(m, t.Document.Text, reach, runs, keep, kills, null, recorder, name, kept, null, ct), cancellationToken);
                for (int j = 0; j < orphans.Count; j++)
                {
                    if (retried[j].Killer is not null) continue;
                    killed--;
                    leftOut.Add(orphans[j]);
                }
            }
            selected = keep;
        }

        var cases = new List<TestCase>();
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var runOfCase = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        foreach (var i in selected.OrderBy(i => i))
        {
            var (s, o) = runs[i];
            var caseName = s.Description + " → " + Summary(s, o, recorder);
            var unique = caseName;
            for (int n = 2; !names.Add(unique); n++) unique = $"{caseName} ({n})";
            runOfCase[unique] = i;
            cases.Add(ToCase(unique, s, o, recorder));
        }

        var file = new TestFile(path, name, EnforceForeignKeys: true, cases) { Invariants = InvariantInference.Candidates(workspace.Catalog, facts, written) };
        file = TestFileWriter.Canonicalize(file, workspace.Catalog);
        var text = header + TestFileWriter.Write(file, workspace.Catalog);

        // the file must pass as written: reload it and drop any case that does not
        var loaded = new TestFileLoader(workspace).Load(path, text);
        if (!loaded.Success)
        {
            notes.AddRange(loaded.Errors.Select(e => e.ToString()));
            return new GenerationResult(name, null, text, candidates.Count, runs.Count, mutantCount, killed, notKilled, notes, watch.Elapsed)
                { NotCovered = notCovered, KilledOnlyByLeftOut = leftOut, EquivalentByConstruction = equivalentByConstruction, NoTestsReason = $"the generated file does not load: {loaded.Errors.FirstOrDefault()}" };
        }
        Report($"checking the {cases.Count} cases as written", 0.92);
        var runner = new TestRunner(workspace, createFactory) { CaseTimeout = _options.CaseTimeout };
        TestCaseResult[] checkedCases;
        if (loaded.File!.EnforceForeignKeys == setup.EnforceForeignKeys)
            checkedCases = await BoundedParallel.MapAsync(loaded.File!.Cases, _options.Parallelism,
                (c, _, ct) => runner.RunCaseAsync(factory, loaded.File!, c, ct), cancellationToken);
        else
            await using (var own = createFactory(setup with { EnforceForeignKeys = loaded.File!.EnforceForeignKeys }))
                checkedCases = await BoundedParallel.MapAsync(loaded.File!.Cases, _options.Parallelism,
                    (c, _, ct) => runner.RunCaseAsync(own, loaded.File!, c, ct), cancellationToken);
        // inferred invariants that some case breaks do not hold on this code: they leave the file (its
        // cases record behaviour), and each is reported as a suspected bug with the input and rows that break it
        var broken = checkedCases.SelectMany(c => c.Failures.OfType<InvariantViolation>()).Select(v => v.Invariant.ToString()).ToHashSet(StringComparer.Ordinal);
        var findings = new List<Finding>();
        foreach (var (c, v) in checkedCases.SelectMany(c => c.Failures.OfType<InvariantViolation>().Select(v => (c, v)))
                     .DistinctBy(x => x.v.Invariant.ToString()))
        {
            var rows = runOfCase.TryGetValue(c.Case.Name, out var ri) ? BrokenInvariant.Breaking(v.Invariant, RowsAfter(runs[ri].Scenario, runs[ri].Outcome), workspace.Catalog) : Array.Empty<SandboxRow>();
            findings.Add(BrokenInvariant.For(t.Transformation, v.Invariant, c.Case.Name, v.Detail, rows, workspace.Catalog));
            notes.Add($"suspected bug ({BrokenInvariant.Rule.Id}): \"{v.Invariant}\" does not hold for \"{c.Case.Name}\": {v.Detail}");
        }
        if (broken.Count > 0)
        {
            file = file with { Invariants = file.Invariants.Where(i => !broken.Contains(i.ToString())).ToList() };
            text = header + TestFileWriter.Write(file, workspace.Catalog);
        }
        var failing = checkedCases.Where(c => c.Failures.Any(f => f is not InvariantViolation)).Select(c => c.Case.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        if (failing.Count > 0)
        {
            foreach (var c in checkedCases.Where(c => failing.Contains(c.Case.Name)))
                notes.Add($"dropped \"{c.Case.Name}\": it does not reproduce when reloaded ({c.Failures.FirstOrDefault()?.Summary})");
            file = file with { Cases = file.Cases.Where(c => !failing.Contains(c.Name)).ToList() };
            text = header + TestFileWriter.Write(file, workspace.Catalog);
        }
        return new GenerationResult(name, file, text, candidates.Count, runs.Count, mutantCount, killed, notKilled, notes, watch.Elapsed)
        {
            Complete = complete, NotCovered = notCovered, KilledOnlyByLeftOut = leftOut, EquivalentByConstruction = equivalentByConstruction, Findings = findings, CapReached = cap.Reached,
            NoTestsReason = file.Cases.Count == 0 ? "no generated case reproduces when reloaded" : null,
        };
    }

    /// <summary>The cap's share for preparing the candidate inputs: a third (the rest runs them and checks the cases kept).</summary>
    private const int PreparationShare = 3;

    private static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The rows after a run: those of the tables it writes, the given rows of the others.</summary>
    private static Func<QualifiedName, IReadOnlyList<SandboxRow>> RowsAfter(Scenario s, Outcome o) => table =>
        o.Tables.FirstOrDefault(x => x.Table == table) is { Rows: { } rows } ? rows
            : s.Tables.Where(g => g.Table == table).SelectMany(g => g.Rows).Select(r => new SandboxRow(r)).ToList();

    /// <summary>
    /// Runs a mutant on the candidates most likely to tell it apart (<see cref="KillLikelihood"/>;
    /// only those that reach the mutated statement, at most <see cref="GenerationOptions.CandidatesPerMutant"/>) until one does.
    /// </summary>
    /// <param name="allowed">Only these candidates (null: all).</param>
    /// <param name="cap">Stop before a run past it (the mutant then counts as not tried); null: no cap.</param>
    /// <param name="took">What each candidate's run on the original took (a killer's check, for the cap).</param>
    /// <returns>Whether the mutant ran at all, the first candidate whose outcome differs, and whether any candidate reaches it.</returns>
    private async Task<(bool Ran, int? Killer, bool Reached)> TryKillAsync(Mutant m, string text, MutantReach reach, List<(Scenario Scenario, Outcome Outcome)> runs,
        List<int> selected, int[] kills, int[]? lineKills, OutcomeRecorder recorder, string name, ISet<int>? allowed, GenerationCap? cap, CancellationToken cancellationToken,
        IReadOnlyList<TimeSpan>? took = null)
    {
        var relevance = KillLikelihood.For(text, m);
        int SameLine(int i) => lineKills?[i] ?? 0;
        var reaching = Enumerable.Range(0, runs.Count).Where(i => (allowed is null || allowed.Contains(i)) && reach.Reaches(m, runs[i].Outcome.Covered)).ToHashSet();
        // no candidate runs the mutated statement: none can tell it apart (and it need not be built)
        if (reaching.Count == 0) return (true, null, false);
        // the candidates most relevant to this mutant first; among equals the cases already chosen
        // (a file as small as possible), then those that killed mutants on this line, then most kills
        var chosen = selected.ToHashSet();
        var order = reaching.OrderByDescending(i => relevance(runs[i].Scenario.Description)).ThenByDescending(chosen.Contains)
            .ThenByDescending(SameLine).ThenByDescending(i => kills[i]).ThenBy(i => i)
            .Take(_options.CandidatesPerMutant).ToList();
        // past the cap the mutant is not even built (building it re-reads its file)
        if (cap?.SpentBeforeBuilding() == true) return (false, null, true);
        var building = cap?.Elapsed;
        var mutated = MutantWorkspace.Create(workspace, analyzer, m.File, m.Apply(text));
        if (mutated is null) return (false, null, true);
        await using var factory = createFactory(new SandboxSetup(mutated, Serves: name));
        if (cap is not null && building is { } b) cap.Built(cap.Elapsed - b);
        bool anyRan = false;
        foreach (var i in order)
        {
            if (cap?.Spent() == true) return (false, null, true);
            var started = cap?.Elapsed;
            var o = await recorder.RunAsync(factory, runs[i].Scenario, MutantTimeout.For(runs[i].Outcome.Elapsed, _options.CaseTimeout), name, cancellationToken);
            if (cap is not null && started is { } s && o.Failure is null) cap.Ran(cap.Elapsed - s);
            if (o.Failure == "timeout" || o.Failure is null && o.Signature != runs[i].Outcome.Signature)
            {
                // a killer not chosen yet becomes a case: its check counts from now on (the chunk is judged after)
                if (!chosen.Contains(i) && took is not null) cap?.MayKeep(took[i]);
                return (true, i, true);
            }
            if (o.Failure is not null) continue;
            anyRan = true;
        }
        return (anyRan, null, true);
    }

    private TestCase ToCase(string name, Scenario s, Outcome o, OutcomeRecorder recorder)
    {
        var given = s.Tables.Where(g => g.Rows.Count > 0)
            .Select(g => new GivenTable(g.Table, g.Rows.Select(r => new TestRow(r.ToList())).ToList())).ToList();
        var tables = new List<RowsExpectation>();
        foreach (var (table, rows) in o.Tables)
        {
            if (o.Dropped.Contains(table)) continue; // expected dropped, not empty
            var columns = recorder.ComparedColumns(table);
            var def = workspace.Catalog.Find(table)!;
            bool all = columns.Count == def.Columns.Count;
            var expected = rows.Select(r => new TestRow(columns.Select(c => new KeyValuePair<string, object?>(c, r.GetValueOrDefault(c))).ToList())).ToList();
            tables.Add(new RowsExpectation(table, all || expected.Count == 0 ? null : columns, MatchMode.Exact, expected));
        }
        ErrorExpectation? error = null;
        if (o.Error is { } e)
            error = e.Number >= OutcomeRecorder.UserErrors
                ? new ErrorExpectation(e.Number, FirstSentence(e.Message)) { Severity = e.Severity, State = e.State }
                : new ErrorExpectation(e.Number, null);
        RowsExpectation? result = null;
        if (o.Result is { } set && o.Error is null)
            result = new RowsExpectation(null, set.Rows.Count == 0 ? set.Columns : null, MatchMode.Exact,
                set.Rows.Select(r => new TestRow(set.Columns.Select(c => new KeyValuePair<string, object?>(c, r.GetValueOrDefault(c))).ToList())).ToList());
        var messages = o.Messages.Count == 0 ? null : new MessagesExpectation(o.Messages.ToList());
        var outputs = o.Outputs.Count == 0 || o.Error is not null ? null : new OutputsExpectation(o.Outputs.ToList());
        var returned = o.ReturnValue is { } rv ? new ReturnExpectation(rv) : null;
        return new TestCase(name, _options.Clock, given, s.Arguments.ToList(), new TestExpectations(tables, Array.Empty<RowCountExpectation>(), error, result, messages, outputs, returned)
            { Dropped = o.Dropped.Select(d => new DroppedExpectation(d)).ToList() }) { InTransaction = s.InTransaction };
    }

    private static string FirstSentence(string message)
    {
        var i = message.IndexOfAny(new[] { '.', ':' });
        var s = i > 10 ? message[..i] : message;
        return s.Length > 80 ? s[..80] : s;
    }

    private static (int Added, int Changed, int Removed) Delta(Scenario s, QualifiedName table, IReadOnlyList<SandboxRow> after, OutcomeRecorder recorder)
    {
        var columns = recorder.ComparedColumns(table);
        var given = s.Tables.Where(x => x.Table == table).SelectMany(x => x.Rows).ToList();
        // compare on the columns the given rows set (defaults and generated keys are not known before the call)
        if (given.Count > 0) columns = columns.Where(c => given.All(r => r.ContainsKey(c))).ToList();
        string Key(IReadOnlyDictionary<string, object?> r) => string.Join("\u0001", columns.Select(c => Scenario.Fmt(r.GetValueOrDefault(c)) is var v ? v.TrimEnd().ToUpperInvariant() : ""));
        var before = given.Select(r => Key(r)).ToList();
        var remaining = before.ToList();
        int added = 0;
        foreach (var r in after)
        {
            var k = Key(r);
            if (!remaining.Remove(k)) added++;
        }
        int removed = remaining.Count;
        int changed = Math.Min(added, removed);
        return (added - changed, changed, removed - changed);
    }

    private static string Shape(Scenario s, Outcome o, OutcomeRecorder recorder) =>
        (o.Error is null ? "ok" : $"e{o.Error.Number}") + "|" + string.Join("|", o.Tables.Select(t => Delta(s, t.Table, t.Rows, recorder)))
        + (o.Result is { } r ? $"|rows={Math.Min(r.Rows.Count, 2)}" : "");

    private static string Summary(Scenario s, Outcome o, OutcomeRecorder recorder)
    {
        var parts = new List<string>();
        if (o.Error is { } e) parts.Add($"raises error {e.Number}");
        foreach (var (table, rows) in o.Tables)
        {
            if (o.Dropped.Contains(table)) continue;
            var (a, c, r) = Delta(s, table, rows, recorder);
            var what = new List<string>();
            if (a > 0) what.Add($"{a} inserted");
            if (c > 0) what.Add($"{c} updated");
            if (r > 0) what.Add($"{r} deleted");
            if (what.Count > 0) parts.Add($"{table}: {string.Join(", ", what)}");
        }
        parts.AddRange(o.Dropped.Select(d => $"{d} dropped"));
        if (o.Result is { } set && o.Error is null) parts.Add(set.Rows.Count == 1 ? "returns 1 row" : $"returns {set.Rows.Count} rows");
        return parts.Count == 0 ? "nothing changes" : string.Join("; ", parts);
    }
}
