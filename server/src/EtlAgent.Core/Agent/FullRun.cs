using EtlAgent.Core.WorkspaceModel;
using System.Diagnostics;
using EtlAgent.Core.Analysis;
using EtlAgent.Core.Generation;
using EtlAgent.Core.Governance;
using EtlAgent.Core.Impact;
using EtlAgent.Core.Model;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Reporting;
using EtlAgent.Core.Rules;
using EtlAgent.Core.Sandbox;
using EtlAgent.Core.Sandbox.Runner;
using EtlAgent.Core.Sandbox.TestFiles;

namespace EtlAgent.Core.Agent;

public sealed record FullRunOptions
{
    /// <summary>Generate tests for the procedures that write tables and have no test file.</summary>
    public bool Generate { get; init; } = true;

    /// <summary>
    /// Time for generation over the whole run: a transformation is started only while some is
    /// left, its mutant search gets at most <see cref="MutationBudgetPerTransformation"/> of it, and
    /// one still running when the budget ends is abandoned (nothing written). Those abandoned or not
    /// started are listed in <see cref="FullRunResult.NotGenerated"/>.
    /// </summary>
    public TimeSpan GenerationBudget { get; init; } = Engine.DefaultGenerationBudget;

    public TimeSpan MutationBudgetPerTransformation { get; init; } = TimeSpan.FromSeconds(45);

    /// <summary>Wall time for each transformation's generation (<see cref="GenerationOptions.Cap"/>, `--cap`); zero: none.</summary>
    public TimeSpan GenerationCap { get; init; } = GenerationOptions.DefaultCap;

    /// <summary>Where generated files go (workspace-relative), as for `etl-agent generate`.</summary>
    public string TestDirectory { get; init; } = GeneratedTestFiles.DefaultDirectory;

    public TimeSpan CaseTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>The time written into the reports (the core reads no clock).</summary>
    public DateTime Timestamp { get; init; } = DateTime.UnixEpoch;

    /// <summary>The workspace folder, for the SARIF report's base URI; null: paths stay relative.</summary>
    public string? WorkspaceRoot { get; init; }

    /// <summary>Earlier runs, oldest first, for the HTML report's trends (the memory store gives them); empty: no trends.</summary>
    public IReadOnlyList<RunTrendPoint> History { get; init; } = Array.Empty<RunTrendPoint>();

    /// <summary>A git revision: only the tests of transformations a change since it reaches run, and only those are generated for (<see cref="ChangeImpact"/>).</summary>
    public string? ChangedSince { get; init; }

    /// <summary>The memory of past runs this run learns from and is recorded in; null: a run that remembers nothing.</summary>
    public RunMemory? Memory { get; init; }

    /// <summary>Root-cause analysis of the failing cases (null: none); its findings (ETL0110) join the test findings.</summary>
    public RootCauseOptions? RootCause { get; init; } = new();

    /// <summary>Time for re-running cases under other row orders, clocks and NEWID seeds (<see cref="NondeterminismProbe"/>); zero: none.</summary>
    public TimeSpan NondeterminismBudget { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>The steps of a full run; <see cref="GenerateStep"/> is progress within one transformation's generation.</summary>
public enum FullRunStage { Discover, Generate, GenerateStep, Test, Check, Report, Done }

/// <summary>Where a full run is: the step, one line for people, and the share done (0..100).</summary>
public sealed record FullRunProgress(FullRunStage Stage, string Message, int Percentage);

public sealed record FullRunResult(
    WorkspaceAnalysis Analysis,
    IReadOnlyList<GeneratedTestFile> Generated,
    /// <summary>Transformations without tests left without generated tests because the generation budget was spent.</summary>
    IReadOnlyList<string> NotGenerated,
    TestRunResult Tests,
    /// <summary>Test files that did not load (their cases did not run); each fails the run.</summary>
    IReadOnlyList<TestFileError> TestFileErrors,
    IReadOnlyList<Finding> Findings,
    /// <summary>Report files written, workspace-relative.</summary>
    IReadOnlyList<string> Reports,
    TimeSpan Elapsed)
{
    /// <summary>The failing cases and the test files that did not load, as findings (ETL0100-ETL0102), and the root causes of the failures (ETL0110): what the SARIF report adds to <see cref="Findings"/>.</summary>
    public IReadOnlyList<Finding> TestFindings { get; init; } = Array.Empty<Finding>();

    /// <summary>With --changed-since: what the change reaches and the tests it selected, with the reasons; null: every test ran.</summary>
    public TestSelection? Selection { get; init; }

    /// <summary>The root causes of the failing cases (empty when every case passed or analysis is off).</summary>
    public RootCauseReport RootCauses { get; init; } = RootCauseReport.Empty;

    /// <summary>Transformations without tests that generation leaves out, each with the reason ("Etl.RunNightlyLoad: orchestrator: …").</summary>
    public IReadOnlyList<string> LeftOut { get; init; } = Array.Empty<string>();

    /// <summary>
    /// Every procedure that has no test file after the run, with the reason: not testable yet (and
    /// where), generation failed, budget spent, an orchestrator, writes no table and returns no rows, generation off.
    /// </summary>
    public IReadOnlyList<(string Transformation, string Reason)> Untested { get; init; } = Array.Empty<(string, string)>();

    /// <summary>Seconds of generation per transformation generated for in this run (files written or not), in run order.</summary>
    public IReadOnlyList<GenerationTime> GenerationTimes { get; init; } = Array.Empty<GenerationTime>();

    /// <summary>Findings left out of <see cref="Findings"/> because someone dismissed them.</summary>
    public int Dismissed { get; init; }

    /// <summary>The run's id in the memory; null when the run had no memory.</summary>
    public string? RunId { get; init; }

    /// <summary>Why the memory could not be used in this run (the run went on without it); null when it could.</summary>
    public string? MemoryProblem { get; init; }

    public const string ReportDirectory = ".etl-agent/reports";
    public const string SarifFile = ReportDirectory + "/etl-agent.sarif";
    public const string JUnitFile = ReportDirectory + "/junit.xml";
    public const string HtmlFile = HtmlRunReport.File;

    /// <summary>The defects of the tool met by generation and the cases, for the log (stderr, the server's log).</summary>
    public IEnumerable<InternalErrorException> Defects =>
        Generated.Select(g => g.Error).OfType<InternalErrorException>().Concat(Tests.Defects);

    /// <summary>Every case passed and every test file loaded.</summary>
    public bool TestsPassed => Tests.Success && TestFileErrors.Count == 0;

    /// <summary>Cases that did not pass, plus test files that did not load.</summary>
    public int Failed => Tests.Failed + TestFileErrors.Select(e => e.File).Distinct(StringComparer.Ordinal).Count();

    /// <summary>`N passed, M failed · K findings (E errors, W warnings, I information)`.</summary>
    public string SummaryLine
    {
        get
        {
            int errors = Findings.Count(f => f.Severity == Severity.Error);
            int warnings = Findings.Count(f => f.Severity == Severity.Warning);
            return $"{Tests.Passed} passed, {Failed} failed · {LineageReport.Count(Findings.Count, "finding")} " +
                   $"({errors} errors, {warnings} warnings, {Findings.Count - errors - warnings} information)";
        }
    }

    /// <summary>True when the run should fail a build: a test failed, or a finding is at or above <paramref name="failOn"/> (null: never).</summary>
    public bool Fails(Severity? failOn) => !TestsPassed || (failOn is { } t && Findings.Any(f => f.Severity >= t));
}

/// <summary>
/// The first full run of the loop over a workspace: discover (parse, catalog, lineage, rules),
/// generate tests for the procedures that write tables and have none, run every test in the
/// sandbox, and write the reports (SARIF of the findings, JUnit of the tests) under
/// `.etl-agent/reports/`. The CLI (`etl-agent run`) and the editor (`etlAgent.fullRun`) call this
/// same step; it reports progress and stops on cancellation between cases and candidates.
/// </summary>
public sealed class FullRun(IFileSource files, IFileWriter writer, WorkspaceAnalyzer analyzer,
    SandboxFactoryProvider sandboxes, FullRunOptions? options = null)
{
    private readonly FullRunOptions _options = options ?? new FullRunOptions();

    /// <summary>The analyzer must keep syntax trees: the sandbox and the generator translate from them.</summary>
    private readonly WorkspaceAnalyzer _analyzer = analyzer.RetainSyntax ? analyzer
        : throw new ArgumentException("a full run needs an analyzer that retains syntax (RetainSyntax = true)", nameof(analyzer));

    /// <summary>The policy and audit trail the run obeys (generation, the wall-time budget); null: none.</summary>
    public Governor? Governance { get; init; }

    /// <summary>The workspace's version control, for <see cref="FullRunOptions.ChangedSince"/>.</summary>
    public IVersionControl? VersionControl { get; init; }

    /// <exception cref="Workspace.ConfigurationException">No sandbox can be used (nothing has run yet).</exception>
    /// <exception cref="BudgetExhaustedException">The policy's wall-time budget ended the run (recorded in the audit trail).</exception>
    public async Task<FullRunResult> RunAsync(IProgress<FullRunProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        if (Governance is null) return await RunWithinAsync(progress, cancellationToken).ConfigureAwait(false);
        using var deadline = Governance.Deadline("full run", cancellationToken);
        var stage = FullRunStage.Discover;
        var tracked = new SynchronousProgress<FullRunProgress>(p => { stage = p.Stage; progress?.Report(p); });
        try { return await RunWithinAsync(tracked, deadline.Token).ConfigureAwait(false); }
        catch (OperationCanceledException) when (deadline.Expired)
        {
            throw deadline.Exhausted(stage switch
            {
                FullRunStage.Discover => "while discovering the workspace",
                FullRunStage.Generate or FullRunStage.GenerateStep => "while generating tests",
                FullRunStage.Test => "while running the tests",
                _ => "while writing the reports",
            });
        }
    }

    private async Task<FullRunResult> RunWithinAsync(IProgress<FullRunProgress>? progress, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        // one report at a time, never going back: discovery's workers report their counts out of order
        var progressLock = new object();
        int shown = 0;
        void Report(FullRunStage stage, string message, double percentage)
        {
            if (progress is null) return;
            lock (progressLock)
            {
                shown = Math.Max(shown, (int)Math.Clamp(Math.Round(percentage), 0, 100));
                progress.Report(new FullRunProgress(stage, message, shown));
            }
        }

        // 1. Discover: parse, catalog, lineage and the static rules, with the trees the sandbox translates from.
        Report(FullRunStage.Discover, "discovering the workspace", 0);
        var analysis = _analyzer.Analyze(files, new SynchronousProgress<(int Done, int Total)>(p =>
            Report(FullRunStage.Discover, $"discovering: {p.Done} of {p.Total} files", p.Total == 0 ? 0 : 10.0 * p.Done / p.Total)), cancellationToken);
        var provider = sandboxes;
        var sandbox = provider.Describe(); // a configuration problem stops the run before anything is written
        Report(FullRunStage.Discover, $"{LineageReport.Count(analysis.Transformations.Count, "transformation")} in {LineageReport.Count(analysis.Documents.Count, "file")}", 10);

        // 2. Generate where a procedure that writes tables or returns rows has no test file.
        var generated = new List<GeneratedTestFile>();
        var generationTimes = new List<GenerationTime>();
        var notGenerated = new List<string>();
        var leftOut = new List<string>();
        var untested = new List<(string Transformation, string Reason)>();
        double testsFrom = 10;
        var tested = WorkspaceTests.IndexByTransformation(files, _analyzer.Settings);
        // --changed-since: only what the change reaches is generated for and tested
        TestSelection? selection = null;
        if (_options.ChangedSince is { } reference)
        {
            selection = new ChangeImpact(analysis, files, _analyzer.Settings, VersionControl
                ?? throw new Workspace.ConfigurationException("--changed-since needs the workspace's git repository.")).Select(reference);
            Report(FullRunStage.Discover, $"changed since {reference}: {LineageReport.Count(selection.Tests.Count, "test file")} selected", 10);
        }
        bool InScope(string transformation) => selection is null || selection.Affects(transformation);
        // the policy may forbid writing generated tests: then nothing is generated, and the reason is given
        var refused = _options.Generate ? Governance?.RefuseGeneratedTests(_options.TestDirectory) : null;
        // procedures no generation is tried for, and why
        foreach (var p in analysis.Transformations.Select(t => t.Transformation)
                     .Where(t => t.Kind == TransformationKind.Procedure && t.Tsqlt == TsqltRole.None && t.SupersededBy is null && !tested.ContainsKey(t.Name) && InScope(t.Name)).OrderBy(t => t.Name, StringComparer.OrdinalIgnoreCase))
        {
            if (!_options.Generate) untested.Add((p.Name, "no test file, and generation is off (--no-generate)"));
            else if (refused is not null) untested.Add((p.Name, $"no test file: {refused}"));
            else if (p.Writes.Count == 0 && !p.ReturnsRows) untested.Add((p.Name, DefaultTargets.NothingToRecord));
        }
        if (_options.Generate && refused is null)
        {
            Transformation? Find(string n) => analysis.FindTransformation(n)?.Transformation;
            var candidates = analysis.Transformations
                .Where(t => t.Transformation.Kind == TransformationKind.Procedure && t.Transformation.Tsqlt == TsqltRole.None && t.Transformation.SupersededBy is null && (t.Transformation.Writes.Count > 0 || t.Transformation.ReturnsRows) && !tested.ContainsKey(t.Transformation.Name) && InScope(t.Transformation.Name))
                .Select(t => t.Transformation).OrderBy(t => t.Name, StringComparer.OrdinalIgnoreCase).ToList();
            // orchestrators are tested through the loads they run (see Orchestrator)
            foreach (var o in candidates.Where(t => Orchestrator.Is(t, Find)))
            {
                leftOut.Add($"{o.Name}: {Orchestrator.Reason(o, Find)}");
                untested.Add((o.Name, Orchestrator.Reason(o, Find)));
            }
            var targets = candidates.Where(t => DefaultTargets.Includes(t, Find)).Select(t => t.Name).ToList();
            var budget = Stopwatch.StartNew();
            for (int i = 0; i < targets.Count; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                // generation that finished without tests on this very code is not done again
                var key = _options.Memory is null ? null : RunMemory.GenerationKey(analysis, targets[i], _analyzer.Settings.CompatibilityLevel);
                if (key is not null && _options.Memory!.FinishedWithoutTests(key) is { } remembered)
                {
                    untested.Add((targets[i], $"{remembered.Reason} (remembered from run {remembered.RunId}: the code, the catalog and the generator are unchanged)"));
                    continue;
                }
                var left = _options.GenerationBudget - budget.Elapsed;
                if (left <= TimeSpan.Zero) { notGenerated.AddRange(targets.Skip(i)); break; }
                Report(FullRunStage.Generate, $"generating tests for {targets[i]} ({i + 1} of {targets.Count})", 10 + 50.0 * i / targets.Count);
                int index = i;
                var generator = new TestGenerator(analysis, _analyzer, provider.Create, new GenerationOptions
                {
                    MutationBudget = left < _options.MutationBudgetPerTransformation ? left : _options.MutationBudgetPerTransformation,
                    TryFirst = _options.Memory?.LastSurvivors(),
                    Cap = _options.GenerationCap,
                })
                {
                    Progress = g => Report(FullRunStage.GenerateStep, $"generating tests for {targets[index]} ({index + 1} of {targets.Count}): {g.Message}",
                        10 + 50.0 * (index + g.Fraction) / targets.Count),
                };
                // The budget bounds the whole generation, candidate runs included: an orchestrator
                // that calls every load (each run a whole night) would otherwise hold the run for hours.
                using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                deadline.CancelAfter(left);
                var took = Stopwatch.StartNew();
                try
                {
                    generated.Add(await GeneratedTestFiles.GenerateAsync(generator, targets[i], files, writer, _options.TestDirectory, force: false, deadline.Token).ConfigureAwait(false));
                    generationTimes.Add(new GenerationTime(targets[i], took.Elapsed, generated[^1].Written) { CapReached = generated[^1].Result?.CapReached == true });
                    if (key is not null) _options.Memory!.RememberGeneration(key, generated[^1], Started);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    notGenerated.AddRange(targets.Skip(i));
                    break;
                }
            }
            if (targets.Count > 0) testsFrom = 60;
            foreach (var g in generated.Where(g => !g.Written)) untested.Add((g.Transformation, g.Skipped ?? "no case could be generated"));
            foreach (var n in notGenerated) untested.Add((n, "not generated: the generation budget was spent (a larger --budget generates it)"));
        }
        untested.Sort((a, b) => StringComparer.OrdinalIgnoreCase.Compare(a.Transformation, b.Transformation));

        // 3. Run every test file that loads; one that does not is reported and fails the run.
        cancellationToken.ThrowIfCancellationRequested();
        var testPaths = TestFileLoader.FindTestFiles(files, _analyzer.Settings)
            .Where(p => selection is null || selection.Selects(p) || generated.Any(g => g.Written && g.Path == p)).ToList();
        var loaded = new TestFileLoader(analysis).LoadAll(files, testPaths);
        var fileErrors = loaded.SelectMany(l => l.Errors).ToList();
        var testFiles = loaded.Where(l => l.Success).Select(l => l.File!).ToList();
        int total = testFiles.Sum(f => f.Cases.Count), done = 0;
        Report(FullRunStage.Test, $"running {LineageReport.Count(total, "test case")}", testsFrom);
        TestRunResult tests = new(Array.Empty<TestCaseResult>(), sandbox, TimeSpan.Zero);
        if (total > 0)
        {
            var runner = new TestRunner(analysis, provider.Create) { CaseTimeout = _options.CaseTimeout };
            tests = await runner.RunAsync(testFiles, progress: new SynchronousProgress<TestCaseResult>(r =>
            {
                done++;
                Report(FullRunStage.Test, $"{done} of {total}: {r.Outcome.ToString().ToLowerInvariant()} {r.FullName}", testsFrom + (95 - testsFrom) * done / total);
            }), cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        // 3b. Why the failing cases fail: the root-cause statement of each, shown with the run's results.
        var rootCauses = RootCauseReport.Empty;
        if (_options.RootCause is { } rootCauseOptions && tests.Failed > 0)
        {
            Report(FullRunStage.Test, $"analysing {LineageReport.Count(tests.Failed, "failing case")}", 95);
            rootCauses = await new RootCauseAnalyzer(analysis, _analyzer, provider.Create, rootCauseOptions).AnalyseAsync(tests, cancellationToken).ConfigureAwait(false);
        }

        // 3c. Nondeterminism instead of "flaky": cases re-run with the rows in another order, another
        // clock and NEWID seed; a changed outcome names the statement (ETL0132). Cases whose outcome
        // differed from an earlier run of the same code and data (ETL0131) get every perturbation.
        var learned = _options.Memory?.Learn(analysis, tests) ?? new List<Finding>();
        var probed = new List<Finding>();
        if (_options.NondeterminismBudget > TimeSpan.Zero && tests.Cases.Count > 0)
        {
            var flagged = learned.Where(f => f.RuleId == NondeterministicCase.Rule.Id && f.Anchor is not null).Select(f => f.Anchor!).ToHashSet(StringComparer.Ordinal);
            Report(FullRunStage.Test, "re-running cases with the rows in another order, another clock and NEWID seed", 95);
            probed = await new NondeterminismProbe(analysis, provider.Create, ReadText) { CaseTimeout = _options.CaseTimeout }
                .ProbeAsync(tests, flagged, _options.NondeterminismBudget, cancellationToken).ConfigureAwait(false);
        }

        // 4. The static rules ran with discovery; their findings are part of the result.
        Report(FullRunStage.Check, LineageReport.Count(analysis.Findings.Count, "finding"), 95);

        // 5. Reports.
        cancellationToken.ThrowIfCancellationRequested();
        Report(FullRunStage.Report, $"writing {FullRunResult.ReportDirectory}", 97);
        // failing cases and test files that do not load are findings too (ETL0100-ETL0102), at their line in the test file
        var testFindings = TestFindings(tests, fileErrors, rootCauses);
        // suspected bugs seen while generating (ETL0104) are findings like the static rules'
        // what the memory adds (slower cases, outcomes that changed on the same code) and the re-runs name
        var findings = analysis.Findings.Concat(generated.SelectMany(g => g.Result?.Findings ?? Array.Empty<Finding>())).Concat(learned).Concat(probed).ToList();
        findings.Sort(FindingOrder.Instance);
        var seen = findings.Concat(testFindings).ToList();
        int dismissed = 0;
        // and what it leaves out (dismissed findings)
        if (_options.Memory is { } memory) (findings, dismissed) = memory.WithoutDismissed(findings, Started);
        var sarif = SarifReport.ToJson(findings.Concat(testFindings).ToList(), RuleRegistry.Kinds, _options.WorkspaceRoot);
        writer.WriteAllText(FullRunResult.SarifFile, DiscoveryReport.Serialize(sarif) + "\n");
        writer.WriteAllText(FullRunResult.JUnitFile, JUnitReport.Write(tests, _options.Timestamp));
        // the page people open: the pipelines as a picture, statuses, failures, findings (and trends when a history is given)
        writer.WriteAllText(FullRunResult.HtmlFile, HtmlRunReport.Write(new RunReportData(_analyzer.Settings.Name ?? "ETL Agent run", _options.Timestamp,
            analysis.Transformations.Select(t => t.Transformation).ToList(), tests, fileErrors, findings, untested)
        {
            Generated = generated.Where(g => g.Written).Select(g => g.Path!).ToList(),
            Selection = selection,
            History = _options.History,
            RootCauses = rootCauses,
            GenerationTimes = generationTimes,
        }));

        var result = new FullRunResult(analysis, generated, notGenerated, tests, fileErrors, findings,
            new[] { FullRunResult.SarifFile, FullRunResult.JUnitFile, FullRunResult.HtmlFile }, watch.Elapsed) { LeftOut = leftOut, TestFindings = testFindings, Untested = untested, Selection = selection, Dismissed = dismissed, RootCauses = rootCauses, GenerationTimes = generationTimes };
        if (_options.Memory is { } m)
        {
            m.Record(result, Started, dismissed, seen, testFiles);
            result = result with { RunId = m.RunId, MemoryProblem = m.Problem };
        }
        Report(FullRunStage.Done, result.SummaryLine, 100);
        return result;
    }

    private DateTimeOffset Started => new(DateTime.SpecifyKind(_options.Timestamp, DateTimeKind.Utc));

    private string? ReadText(string path)
    {
        try { return files.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    private List<Finding> TestFindings(TestRunResult tests, IReadOnlyList<TestFileError> fileErrors, RootCauseReport rootCauses)
    {
        var texts = new Dictionary<string, string?>(StringComparer.Ordinal);
        string? Text(string path)
        {
            if (texts.TryGetValue(path, out var known)) return known;
            try { return texts[path] = files.ReadAllText(path); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return texts[path] = null; }
        }
        var findings = tests.Cases.SelectMany(c => FailingTestCase.For(c, Text(c.File.Path)))
            .Concat(fileErrors.Select(e => UnloadableTestFile.For(e, Text(e.File))))
            .Concat(rootCauses.Failures.Select(f => f.RootCause is { } r ? RootCauseFinding.For(f, Text(r.File)) : null).OfType<Finding>())
            .ToList();
        findings.Sort(FindingOrder.Instance);
        return findings;
    }

    /// <summary>Reports on the caller's thread, in order (Progress&lt;T&gt; posts to a context and may reorder).</summary>
    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
