using System.Diagnostics;
using EtlAgent.AnalysisBench;
using EtlAgent.Core.Agent;
using EtlAgent.Core.Analysis;
using EtlAgent.Core.Healing;
using EtlAgent.Core.Sandbox.Runner;
using EtlAgent.Core.Sandbox.TestFiles;
using EtlAgent.Core.WorkspaceModel;

namespace EtlAgent.HealBench;

/// <summary>
/// One mode's heal outcome for a fault. The search ran bounded by candidates (<see cref="FaultHealBench.CountBudget"/>,
/// the clock only as a safety cap), so its figures do not depend on the machine's load; "Wall…" is what the product's wall-time budget keeps of the same search:
/// the first verified code heal counts only if it was verified within the time the product's 20 s
/// leaves the code candidates.
/// </summary>
public sealed record HealModeResult(
    bool Verified, bool Any, bool Restored, bool ClassOk, string? TopClass, string? TopTitle, string? TopSource,
    double AnalyseSeconds, double SearchSeconds, double CodeSearchSeconds, double? FirstCodeHealSeconds, double WallLimitSeconds,
    bool WallVerified, bool WallRestored, bool WallClassOk, bool HitCap, int Made, int Tried, string? RootCauseClass, string? RestoreNote);

/// <summary>A fault's heal outcome without a base and with the original as the last green base, and the load average around it.</summary>
public sealed record HealFaultResult(Fault Fault, bool Detected, string? Failure, HealModeResult? WithoutBase, HealModeResult? WithBase, double LoadBefore, double LoadAfter);

/// <summary>
/// The heal benchmark over the analysis benchmark's faults (issue 14, item 6): tests generated on the
/// original code (<see cref="BenchRunner.TestsAsync"/>, cached with --tests), the fault applied, the
/// tests run; for a detected fault, root-cause analysis as `heal` runs it (a short mutation search,
/// no input minimising; with the base, the differential against the original) feeds the heal
/// search's suspects, and the search runs with the base (the revert candidate) or without. Behaviour
/// restored: the top code heal's procedure against the original on inputs the generator makes from
/// the original's code — not the cases the heal was verified on.
/// </summary>
public sealed class FaultHealBench(Engine engine, WorkspaceAnalysis analysis, BenchRunner tests)
{
    /// <summary>
    /// Candidates, not the clock, bound the search (the clock only as a safety cap); it stops at the
    /// first verified code heal, the top heal the figures are about (the product goes on for alternatives).
    /// </summary>
    public HealBudget CountBudget { get; init; } = new(TimeSpan.FromSeconds(180), 30, 1);

    public HealBudget ProductBudget { get; init; } = HealBudget.Default;

    /// <summary>The analysis budget `heal` gives root-cause analysis (HealRun).</summary>
    public TimeSpan AnalysisBudget { get; init; } = TimeSpan.FromSeconds(8);

    public int Inputs { get; init; } = 40;

    /// <summary>Whether the search also tries the test-side heal (a re-recorded expectation: one run of the whole generated file, the slow part).</summary>
    public bool TestSideHeals { get; init; } = true;

    public DateTime Clock { get; init; } = new(2016, 6, 2, 8, 0, 0);

    public async Task<HealFaultResult> RunAsync(Fault fault)
    {
        double loadBefore = LoadAverage();
        var file = await tests.TestsAsync(fault.Transformation);
        if (file is null) return new HealFaultResult(fault, false, "no generated tests", null, null, loadBefore, LoadAverage());
        var t = analysis.FindTransformation(fault.Transformation)!;
        var original = t.Document.Text;
        var analyzer = engine.Analyzer(retainSyntax: true);
        // the rules run on the faulty text too: the verifier counts a heal's new findings against it
        var faulty = analyzer.Patch(analysis, new Dictionary<string, string?> { [fault.File] = fault.Apply(original) }, runRules: true, rebuildCatalog: false);
        if (faulty.Documents.FirstOrDefault(d => d.Document.Path == fault.File) is not { Document: { Errors.Count: 0, Tree: not null } })
            return new HealFaultResult(fault, false, "the faulty text does not parse", null, null, loadBefore, LoadAverage());
        var run = await new TestRunner(faulty, engine.Sandboxes.Create).RunAsync(new[] { file });
        var failing = run.Cases.Where(c => c.Outcome != TestOutcome.Passed).ToList();
        if (failing.Count == 0) return new HealFaultResult(fault, false, null, null, null, loadBefore, LoadAverage());
        var testText = TestFileWriter.Write(file, analysis.Catalog);
        string? ReadText(string path) => path == file.Path ? testText : faulty.Documents.FirstOrDefault(d => d.Document.Path == path)?.Document.Text;
        var restoredByText = new Dictionary<string, (bool, string?)>(StringComparer.Ordinal);

        async Task<HealModeResult> Mode(bool withBase)
        {
            Func<string, string?>? baseText = withBase ? path => path == fault.File ? original : null : null;
            var watch = Stopwatch.StartNew();
            // the first failing case analysed as `heal` analyses one (a short mutation search, no input minimising), as the analysis benchmark does
            var passing = run.Cases.Where(c => c.Outcome == TestOutcome.Passed).ToList();
            var first = await new RootCauseAnalyzer(faulty, analyzer, engine.Sandboxes.Create,
                new RootCauseOptions { MutationBudget = AnalysisBudget, MinimiseBudget = TimeSpan.Zero, Bases = withBase ? BaseVersions.Git("original", baseText!) : null }).AnalyseAsync(failing[0], passing, deep: true, CancellationToken.None);
            var causes = new RootCauseReport(new[] { first }, watch.Elapsed);
            double analyse = watch.Elapsed.TotalSeconds;
            // as HealRun: cases the sandbox refuses or that no longer fit their procedure are the tests' to change
            var code = failing.Where(c => !GivenRowsAdjuster.Rejected(c) && TestRegenerator.Misfit(new[] { c }) is null).ToList();
            var ft = faulty.FindTransformation(fault.Transformation)!;
            var suspects = HealRun.RankSuspects(HealRun.DefaultSuspects(ft, code.Count > 0 ? code : failing), causes, ft.Transformation.File, code.Select(f => (f.File.Path, f.Case.Name)));
            var failure = new HealFailure(fault.Transformation, run.Cases, code.Count > 0 ? code : failing, suspects) { RootCauseClass = HealRun.RootCauseClass(causes, failing) };
            var search = new HealSearch(faulty, analyzer, engine.Sandboxes.Create, ReadText) { Budget = CountBudget, BaseText = baseText, TestSideHeals = TestSideHeals };
            watch.Restart();
            var found = code.Count > 0 ? await search.SearchAsync(failure) : Array.Empty<HealSuggestion>();
            double seconds = watch.Elapsed.TotalSeconds;
            var top = found.FirstOrDefault(s => s.Kind == HealKinds.Code);
            double? firstAt = top is not null && search.FoundAfter.TryGetValue(top.Id, out var at) ? at.TotalSeconds : null;
            double wallLimit = (ProductBudget.TimePerFailure - search.TestHealReserve(ProductBudget, failure)).TotalSeconds;
            bool restored = false;
            string? note = null;
            if (top is not null)
            {
                var healedText = SpanEdits.Apply(faulty.FindTransformation(fault.Transformation)!.Document.Text, top.Edits, fault.File)!;
                if (!restoredByText.TryGetValue(healedText, out var known))
                    restoredByText[healedText] = known = await RestoredAsync(analyzer, fault, original, healedText);
                (restored, note) = known;
            }
            bool classOk = top is not null && SameClass(top.BugClass, fault.Class);
            bool wall = firstAt is { } f && f <= wallLimit;
            return new HealModeResult(top is not null, found.Count > 0, restored, classOk, top?.BugClass, top?.Title, top?.Candidate.Source,
                analyse, seconds, search.CodeSearchTime.TotalSeconds, firstAt, wallLimit, wall, wall && restored, wall && classOk,
                seconds >= CountBudget.TimePerFailure.TotalSeconds - 0.5, search.Stats.Made, search.Stats.Tried, failure.RootCauseClass, note);
        }

        var without = await Mode(false);
        var with = await Mode(true);
        return new HealFaultResult(fault, true, failing[0].Failures.FirstOrDefault()?.Summary, without, with, loadBefore, LoadAverage());
    }

    private async Task<(bool, string?)> RestoredAsync(WorkspaceAnalyzer analyzer, Fault fault, string original, string healedText)
    {
        // the original text itself behaves as the original: no run needed
        if (healedText == original) return (true, "the original text");
        var healed = analyzer.Patch(analysis, new Dictionary<string, string?> { [fault.File] = healedText }, runRules: false, rebuildCatalog: false);
        try
        {
            var agreement = await BehaviourComparison.CompareAsync(analysis, healed, fault.Transformation, engine.Sandboxes.Create, Inputs, Clock, TimeSpan.FromSeconds(10));
            return (agreement.Restored, $"{agreement.Agreed}/{agreement.Compared} inputs agree");
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return (false, "comparison failed: " + e.Message);
        }
    }

    /// <summary>
    /// A heal's class against the seeded fault's (an analysis class, <see cref="BugClass"/>): the same
    /// name, or the heal class that answers it (a revert carries the analysed class itself).
    /// </summary>
    public static bool SameClass(string healClass, string faultClass) => healClass == faultClass || healClass switch
    {
        HealClasses.Boundary => faultClass == BugClass.BoundaryOffByOne,
        HealClasses.JoinType or HealClasses.Filter => faultClass is BugClass.RowsLostOrAdded or BugClass.FanOutJoin,
        HealClasses.WrongKey => faultClass is BugClass.WrongJoinKey or BugClass.WrongColumn,
        HealClasses.Truncation => faultClass == BugClass.TruncationOverflowConversion,
        HealClasses.MissingCurrentRowFilter => faultClass is BugClass.Scd2Window or BugClass.FanOutJoin,
        HealClasses.NullPropagation => faultClass is BugClass.NullPropagation or BugClass.MissingUnknownMember,
        HealClasses.Expression => faultClass == BugClass.WrongValue,
        _ => false,
    };

    /// <summary>The one-minute load average (Linux; 0 where /proc is absent).</summary>
    public static double LoadAverage()
    {
        try
        {
            var first = File.ReadAllText("/proc/loadavg").Split(' ')[0];
            return double.Parse(first, System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException) { return 0; }
    }
}
