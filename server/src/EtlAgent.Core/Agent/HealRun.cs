using EtlAgent.Core.Analysis;
using EtlAgent.Core.Healing;
using EtlAgent.Core.Lineage;
using EtlAgent.Core.Memory;
using EtlAgent.Core.Model;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Sandbox.Runner;
using EtlAgent.Core.Sandbox.TestFiles;
using EtlAgent.Core.Workspace;
using SuspectStatement = EtlAgent.Core.Healing.SuspectStatement;

namespace EtlAgent.Core.Agent;

/// <summary>What a heal run found: the test run it started from, the test files that did not load, and the verified heals, best first.</summary>
public sealed record HealRunResult(TestRunResult? Run, IReadOnlyList<TestFileError> FileErrors, IReadOnlyList<HealSuggestion> Suggestions, TimeSpan Elapsed)
{
    /// <summary>The root causes the search ranked its suspects by (given, computed, or the differential against the last green versions); null: none.</summary>
    public RootCauseReport? RootCauses { get; init; }

    /// <summary>The last green version each searched transformation's heals started from (a git ref, the memory's version with its run and time, or none with the reason), by transformation.</summary>
    public IReadOnlyDictionary<string, AnalysisBase> Bases { get; init; } = new Dictionary<string, AnalysisBase>();

    /// <summary>What went wrong on the way without stopping the run (an LLM call that failed), one sentence each.</summary>
    public IReadOnlyList<string> Notes { get; init; } = Array.Empty<string>();
}

/// <summary>
/// `etl-agent heal` and the editor's heals over an engine: runs the workspace's tests, then for the
/// failing cases of each transformation searches verified heals (<see cref="HealSearch"/>) around
/// the suspect statements, and a test file that fell behind the schema gets the schema-drift
/// update as a test heal. Applying goes through the policy gate and the audit log (<see cref="HealApplier"/>).
/// </summary>
public sealed class HealRun(Engine engine)
{
    public HealBudget Budget { get; init; } = HealBudget.Default;

    /// <summary>An extra source of candidates; null: the configured LLM when the policy allows calling one (<see cref="LlmClients.Source"/>), else none.</summary>
    public IRepairSource? Extra { get; init; }

    /// <summary>Whether <see cref="Extra"/> left null means the configured LLM (false: no extra source at all).</summary>
    public bool UseConfiguredLlm { get; init; } = true;

    /// <summary>
    /// The suspect statements of a transformation for its failing cases, best first. Default: the
    /// statements that write the tables whose rows differ first, then the rest.
    /// </summary>
    public Func<TransformationAnalysis, IReadOnlyList<TestCaseResult>, IReadOnlyList<SuspectStatement>> Suspects { get; init; } = DefaultSuspects;

    /// <summary>
    /// The root causes of the failing cases (from `analyze` or the full run): their statements, root
    /// cause first, are the first suspects, then <see cref="Suspects"/>'s. Null: computed before the
    /// search when <see cref="AnalyseRootCauses"/> is set, else the default ranking alone.
    /// </summary>
    public RootCauseReport? RootCauses { get; init; }

    /// <summary>Run root-cause analysis (a short mutation search, no input minimising) when <see cref="RootCauses"/> is not given.</summary>
    public bool AnalyseRootCauses { get; init; }

    /// <summary>The last green versions root-cause analysis compares with; null: the memory's (<see cref="Engine.LastGreenBases"/>).</summary>
    public BaseVersions? Bases { get; init; }

    /// <summary>Limits the search to the failures of these transformations (all when null).</summary>
    public Func<string, bool>? Transformations { get; init; }

    public static IReadOnlyList<SuspectStatement> DefaultSuspects(TransformationAnalysis t, IReadOnlyList<TestCaseResult> failing)
    {
        var differing = failing.SelectMany(f => f.Failures).Select(f => f switch
        {
            RowsMismatch { Table: { } table } => table,
            RowCountMismatch c => c.Table,
            _ => (QualifiedName?)null,
        }).OfType<QualifiedName>().Distinct().ToList();
        return ProcedureStatements.DefaultSuspects(t, differing);
    }

    /// <summary>How long the root-cause search of one failure may take when the heal run computes it.</summary>
    private static readonly TimeSpan RootCauseBudget = TimeSpan.FromSeconds(8);

    /// <summary>
    /// The suspects of <paramref name="failing"/> in <paramref name="file"/>: the statements root-cause
    /// analysis names for them (each failure's root cause, then its candidates in their order), then
    /// the rest of <paramref name="fallback"/>.
    /// </summary>
    internal static IReadOnlyList<Healing.SuspectStatement> RankSuspects(IReadOnlyList<Healing.SuspectStatement> fallback, RootCauseReport? causes,
        string file, IEnumerable<(string TestFile, string Case)> failing)
    {
        if (causes is null || causes.Failures.Count == 0) return fallback;
        var cases = failing.ToHashSet();
        var named = causes.Failures.Where(a => cases.Contains((a.Failure.TestFile, a.Failure.Case)))
            .SelectMany(a => (a.RootCause is { } r ? new[] { r } : Array.Empty<Analysis.SuspectStatement>()).Concat(a.Candidates).Select((s, rank) => (s, rank)))
            .Where(x => string.Equals(x.s.File, file, StringComparison.OrdinalIgnoreCase))
            .OrderBy(x => x.rank).ThenByDescending(x => x.s.Confidence)
            .Select(x => new Healing.SuspectStatement(file, x.s.Start, x.s.Start + x.s.Length));
        var ranked = new List<Healing.SuspectStatement>();
        foreach (var s in named.Concat(fallback))
            if (!ranked.Contains(s)) ranked.Add(s);
        return ranked;
    }

    /// <summary>
    /// Without a root-cause analysis asked for (the editor's heals after each test run): the failures of
    /// transformations whose file changed since their last green version still get its differential
    /// (no mutation search, no minimising: the reverts of the changed statements only), so the
    /// statements changed since the last green run are the first suspects. Null when none has a base.
    /// </summary>
    private async Task<RootCauseReport?> ChangedSinceGreenAsync(WorkspaceModel.WorkspaceAnalysis analysis, TestRunResult run, BaseVersions bases, CancellationToken cancellationToken)
    {
        var based = run.Cases.Where(c => c.Outcome != TestOutcome.Passed && (Transformations is null || Transformations(c.File.Transformation)))
            .Select(c => c.File.Transformation).Distinct(StringComparer.OrdinalIgnoreCase)
            .Where(n => analysis.FindTransformation(n) is { HasSyntax: true } t && bases.For(t).Text is not null)
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
        if (based.Count == 0) return null;
        var subset = run with { Cases = run.Cases.Where(c => based.Contains(c.File.Transformation)).ToList() };
        return await DistinctFailures.AnalyseAsync(new RootCauseAnalyzer(analysis, engine.Analyzer(retainSyntax: true), engine.Sandboxes.Create,
            new RootCauseOptions { MutationBudget = TimeSpan.Zero, MinimiseBudget = TimeSpan.Zero, Bases = bases }), subset, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The class root-cause analysis named for the first of <paramref name="failing"/> it analysed (null: none).</summary>
    public static string? RootCauseClass(RootCauseReport? causes, IEnumerable<TestCaseResult> failing)
    {
        if (causes is null) return null;
        var cases = failing.Select(f => (f.File.Path, f.Case.Name)).ToHashSet();
        return causes.Failures.FirstOrDefault(a => a.RootCause is not null && cases.Contains((a.Failure.TestFile, a.Failure.Case)))?.RootCause!.Class;
    }

    /// <summary>Offer the "Update test to the new schema" rewrite of a drifted test file as a heal (the editor has its own quick fix for it).</summary>
    public bool IncludeSchemaDriftUpdate { get; init; } = true;

    /// <param name="previous">A run of the workspace's tests just made on the same text (the editor's): not run again, and no test file is re-read.</param>
    public Task<HealRunResult> SuggestAsync(TestRunResult? previous = null, CancellationToken cancellationToken = default) =>
        SuggestAsync(previous, null, cancellationToken);

    /// <param name="previous">A run of the workspace's tests just made on the same text (the editor's).</param>
    /// <param name="fileErrors">
    /// The load problems of the test files that went with <paramref name="previous"/> (null: unknown).
    /// When given, nothing is run or re-read even if <paramref name="previous"/> is null (no file loaded).
    /// </param>
    public async Task<HealRunResult> SuggestAsync(TestRunResult? previous, IReadOnlyList<TestFileError>? fileErrors, CancellationToken cancellationToken = default)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var analysis = engine.CurrentAnalysis(cancellationToken);
        engine.Sandboxes.Describe(); // a configuration problem surfaces before anything runs
        var errors = fileErrors?.ToList() ?? new List<TestFileError>();
        var run = previous;
        if (run is null && fileErrors is null)
        {
            var paths = TestFileLoader.FindTestFiles(engine.Files, engine.Settings);
            var loaded = new TestFileLoader(analysis).LoadAll(engine.Files, paths);
            errors = loaded.SelectMany(l => l.Errors).ToList();
            var files = loaded.Where(l => l.Success).Select(l => l.File!)
                .Where(f => Transformations is null || Transformations(f.Transformation)).ToList();
            run = files.Count == 0 ? null : await engine.TestRunner(analysis).RunAsync(files, cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        string? ReadText(string path)
        {
            if (analysis.Documents.FirstOrDefault(d => d.Document.Path == path) is { } doc) return doc.Document.Text;
            try { return engine.Files.ReadAllText(path); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
        }

        var bases = Bases ?? engine.LastGreenBases();
        // the search reverts the suspects' changes since the same last green version the analysis compared with
        string? BaseText(string file) => analysis.Transformations
            .Where(t => t.HasSyntax && string.Equals(t.Transformation.File, file, StringComparison.OrdinalIgnoreCase))
            .Select(t => bases.For(t).Text).FirstOrDefault(text => text is not null);

        var causes = RootCauses;
        if (causes is null && AnalyseRootCauses && run is { Success: false })
            // one analysis per distinct failure: twenty cases of one bug cost one
            causes = await DistinctFailures.AnalyseAsync(new RootCauseAnalyzer(analysis, engine.Analyzer(retainSyntax: true), engine.Sandboxes.Create,
                new RootCauseOptions { MutationBudget = RootCauseBudget, MinimiseBudget = TimeSpan.Zero, Bases = bases }), run, cancellationToken).ConfigureAwait(false);
        else if (causes is null && run is { Success: false })
            causes = await ChangedSinceGreenAsync(analysis, run, bases, cancellationToken).ConfigureAwait(false);

        var notes = new List<string>();
        var extra = Extra;
        // the LLM is never required: a key missing from the environment costs only its candidates
        if (extra is null && UseConfiguredLlm && run is { Success: false })
            try { extra = LlmClients.Source(engine); }
            catch (ConfigurationException e) { notes.Add($"{e.Message} The heal search went on without the LLM."); }
        var search = new HealSearch(analysis, engine.Analyzer(retainSyntax: true), engine.Sandboxes.Create, ReadText) { Budget = Budget, Extra = extra, BaseText = BaseText };
        var code = new List<HealSuggestion>();
        var tests = new List<HealSuggestion>();
        var cases = (run?.Cases ?? Array.Empty<TestCaseResult>()).Where(c => Transformations is null || Transformations(c.File.Transformation));
        var fixes = new TestFileHeals(engine, analysis, ReadText);
        var usedBases = new Dictionary<string, AnalysisBase>(StringComparer.OrdinalIgnoreCase);
        foreach (var group in cases.GroupBy(c => c.File.Transformation, StringComparer.OrdinalIgnoreCase))
        {
            // test data a constraint refuses and a file that no longer fits its procedure are the tests' to change: no code edit answers them
            var failing = group.Where(c => c.Outcome != TestOutcome.Passed).ToList();
            if (failing.Count > 0 && analysis.FindTransformation(group.Key) is { HasSyntax: true } failed) usedBases[failed.Transformation.Name] = bases.For(failed).Info;
            tests.AddRange(await fixes.ForRunAsync(group.ToList(), cancellationToken).ConfigureAwait(false));
            failing = failing.Where(c => !GivenRowsAdjuster.Rejected(c) && TestRegenerator.Misfit(new[] { c }) is null).ToList();
            if (failing.Count == 0) continue;
            var t = analysis.FindTransformation(group.Key);
            var suspects = t is { HasSyntax: true } ? RankSuspects(Suspects(t, failing), causes, t.Transformation.File, failing.Select(f => (f.File.Path, f.Case.Name))) : Array.Empty<Healing.SuspectStatement>();
            var found = await search.SearchAsync(new HealFailure(group.Key, group.ToList(), failing, suspects) { RootCauseClass = RootCauseClass(causes, failing) }, cancellationToken).ConfigureAwait(false);
            code.AddRange(found.Where(s => s.Kind == HealKinds.Code));
            tests.AddRange(found.Where(s => s.Kind != HealKinds.Code));
        }
        var broken = errors.GroupBy(e => e.File).Where(g => Transformations is null || TestFileOutline.Read(ReadText(g.Key) ?? "")?.DisplayName is not { } name || Transformations(name))
            .ToDictionary(g => g.Key, g => (IReadOnlyList<TestFileError>)g.ToList());
        tests.AddRange(await fixes.ForDriftAsync(broken, cancellationToken).ConfigureAwait(false));
        if (IncludeSchemaDriftUpdate) tests.AddRange(await SchemaDriftHealsAsync(analysis, errors, ReadText, cancellationToken).ConfigureAwait(false));
        tests.AddRange(await fixes.RegenerateAsync(broken, cancellationToken).ConfigureAwait(false));
        var history = History();
        var suggestions = RankByAcceptance(code, history).Concat(tests).ToList();
        // one offer per heal: the editor searches again after every test run and offers the same heals
        var offered = history.Where(h => h.Status == HealStatus.Offered && h.HealId is not null).Select(h => h.HealId!).ToHashSet(StringComparer.Ordinal);
        Remember(suggestions.Where(h => !offered.Contains(h.Id)).Select(h => new HealRecord(Now, h.File, h.BugClass, HealStatus.Offered, HealId: h.Id)));
        return new HealRunResult(run, errors, suggestions, watch.Elapsed)
        {
            RootCauses = causes, Bases = usedBases, Notes = notes.Concat((extra as LlmRepairSource)?.Problems ?? Array.Empty<string>()).ToList(),
        };
    }

    /// <summary>Test files that fell behind the schema: the "Update test to the new schema" rewrite, verified by loading and running the updated file.</summary>
    private async Task<IReadOnlyList<HealSuggestion>> SchemaDriftHealsAsync(WorkspaceModel.WorkspaceAnalysis analysis, IReadOnlyList<TestFileError> errors,
        Func<string, string?> readText, CancellationToken cancellationToken)
    {
        var result = new List<HealSuggestion>();
        foreach (var path in errors.Where(e => e.Drift is not null).Select(e => e.File).Distinct())
        {
            if (Transformations is not null && TestFileOutline.Read(readText(path) ?? "")?.Transformation is { } name && !Transformations(name)) continue;
            if (readText(path) is not { } text) continue;
            var update = await new SchemaDriftRewriter(analysis, engine.Sandboxes.Create) { Today = engine.Clock.Today }.RewriteAsync(path, text, cancellationToken).ConfigureAwait(false);
            if (update.Text is null) continue;
            var loaded = new TestFileLoader(analysis).Load(path, update.Text);
            if (!loaded.Success) continue;
            var run = await engine.TestRunner(analysis).RunAsync(new[] { loaded.File! }, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (!run.Success) continue;
            var candidate = new RepairCandidate(HealKinds.Test, HealClasses.SchemaDrift, "update the test file to the new schema (rows rewritten, expectations re-recorded)",
                new[] { SpanEdits.Replace(path, text, 0, text.Length, update.Text) }, "test");
            result.Add(new HealSuggestion(HealId.For(path, null, candidate), path, null, candidate, new HealVerification(run.Passed, run.Cases.Count, 0)));
        }
        return result;
    }

    /// <summary>
    /// "Explain failure" as Markdown: the failure, the suspect statement (the one a code heal edits,
    /// else the first suspect) and the heals.
    /// </summary>
    public string Explain(TestCaseResult failure, IReadOnlyList<HealSuggestion> heals)
    {
        var analysis = engine.CurrentAnalysis();
        (string, int, string)? suspect = null;
        AnalysisBase? usedBase = null;
        if (analysis.FindTransformation(failure.File.Transformation) is { HasSyntax: true } t)
        {
            usedBase = (Bases ?? engine.LastGreenBases()).For(t).Info;
            var text = t.Document.Text;
            var statements = Suspects(t, new[] { failure });
            var edited = heals.Where(h => h.Kind == HealKinds.Code).SelectMany(h => h.Edits).Where(e => e.File == t.Transformation.File)
                .Select(e => statements.FirstOrDefault(s => s.Contains(e.Range.StartOffset, e.Range.Length))).FirstOrDefault(s => s is not null);
            if ((edited ?? statements.FirstOrDefault()) is { } s && s.EndOffset <= text.Length)
                suspect = (s.File, 1 + text.AsSpan(0, s.StartOffset).Count('\n'), text[s.StartOffset..s.EndOffset]);
        }
        return FailureExplanation.Markdown(failure, heals, suspect, usedBase?.Describe());
    }

    /// <summary>Writes <paramref name="heal"/> where the policy allows it; the audit log records the change or the refusal.</summary>
    public HealApplyResult Apply(HealSuggestion heal, IFileWriter writer, bool automatic)
    {
        var result = new HealApplier(engine.Files, writer, engine.Settings.Policy, engine.Host.Audit, engine.Clock, engine.Host.Actor).Apply(heal, automatic);
        if (result.Applied) Remember(new[] { new HealRecord(Now, heal.File, heal.BugClass, HealStatus.Applied, HealId: heal.Id) });
        return result;
    }

    /// <summary>
    /// A heal someone applied themselves (the editor's quick fix: the client wrote the edit, then
    /// ran its command): recorded as applied in the memory, as <see cref="Apply"/> records it, and
    /// in the audit trail with the engine's actor.
    /// </summary>
    public void AppliedElsewhere(HealSuggestion heal, string how)
    {
        Remember(new[] { new HealRecord(Now, heal.File, heal.BugClass, HealStatus.Applied, HealId: heal.Id) });
        var action = heal.BugClass == HealClasses.IntendedChange ? AuditActions.ExpectationsRerecorded : AuditActions.HealApplied;
        engine.Governance.Record(action, heal.File, $"{heal.Title}, for the failing case \"{heal.Case}\" of {heal.Test} ({heal.Verified}); {how}",
            new Dictionary<string, string> { ["id"] = heal.Id, ["kind"] = heal.Kind, ["class"] = heal.BugClass, ["test"] = heal.Test, ["case"] = heal.Case ?? "" });
    }

    private DateTimeOffset Now => new(DateTime.SpecifyKind(engine.Clock.UtcNow, DateTimeKind.Utc));

    /// <summary>
    /// Each failure's code heals, those of the classes people accepted more often first (applied /
    /// offered, smoothed so a class never seen ranks in the middle); the search's order otherwise.
    /// </summary>
    internal static IReadOnlyList<HealSuggestion> RankByAcceptance(IReadOnlyList<HealSuggestion> heals, IReadOnlyList<HealRecord> history)
    {
        if (history.Count == 0) return heals;
        // a heal offered (or applied) again counts once: records without a heal id each count
        static int Distinct(IEnumerable<HealRecord> records) => records.Select((h, i) => h.HealId ?? $"#{i}").Distinct(StringComparer.Ordinal).Count();
        var rate = history.GroupBy(h => h.BugClass, StringComparer.OrdinalIgnoreCase).ToDictionary(g => g.Key,
            g => (Distinct(g.Where(h => h.Status == HealStatus.Applied)) + 1.0) / (Distinct(g.Where(h => h.Status == HealStatus.Offered)) + 2.0), StringComparer.OrdinalIgnoreCase);
        double Rate(HealSuggestion h) => rate.TryGetValue(h.BugClass, out var r) ? r : 0.5;
        return heals.GroupBy(h => (h.Test, h.Case)).SelectMany(g => g.OrderByDescending(Rate)).ToList();
    }

    private IReadOnlyList<HealRecord> History()
    {
        try { return engine.Memory.Heals(); }
        catch (MemoryStoreException) { return Array.Empty<HealRecord>(); }
    }

    /// <summary>What became of the heals, for the next ranking; a memory that cannot be written costs only that.</summary>
    private void Remember(IEnumerable<HealRecord> heals)
    {
        try { foreach (var h in heals) engine.Memory.RecordHeal(h); }
        catch (MemoryStoreException) { }
    }
}
