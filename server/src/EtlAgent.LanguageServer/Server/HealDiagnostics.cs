using EtlAgent.Core.Agent;
using EtlAgent.Core.Healing;
using EtlAgent.Core.Sandbox.Runner;
using EtlAgent.Core.Sandbox.TestFiles;
using EtlAgent.LanguageServer.Conversions;
using EtlAgent.LanguageServer.Protocol;

namespace EtlAgent.LanguageServer.Server;

/// <summary>
/// Verified heals in the editor: after a test run with failing cases, the engine's heal search runs
/// in the background (<see cref="HealRun"/>, on the run's results) and its heals are published as
/// ETL0120 diagnostics on the failing case and on the edited statement, the heals kept for the
/// quick fixes (<see cref="Handlers.CodeAction.HealActions"/>) and "Explain failure". A newer run
/// cancels the search of the one before.
/// </summary>
public sealed class HealDiagnostics(ServerContext server)
{
    /// <summary>Sorts after the test results' layer, so a test file's first diagnostic stays the failing case's.</summary>
    public const string Layer = TestDiagnostics.Layer + ".heals";

    private readonly object _gate = new();
    private CancellationTokenSource? _running;
    private IReadOnlyList<(string Path, int Line, HealSuggestion Heal)> _at = Array.Empty<(string, int, HealSuggestion)>();
    private readonly Dictionary<(string Path, string Case), TestCaseResult> _failures = new();
    private readonly HashSet<string> _published = new(StringComparer.Ordinal);
    /// <summary>Per test file that did not load, the line of its first problem: where a heal of the whole file is shown.</summary>
    private Dictionary<string, int> _fileLines = new(StringComparer.Ordinal);

    /// <summary>The search started by the last run (completed when none is running), for callers and tests that wait for it.</summary>
    public Task Pending { get; private set; } = Task.CompletedTask;

    /// <summary>
    /// Starts the heal search for the failing cases of <paramref name="run"/> and the test files that
    /// did not load (<paramref name="fileErrors"/>: a generated file is generated again, given rows
    /// adjusted); clears the heals when there is none.
    /// </summary>
    public void Refresh(TestRunResult? run, IReadOnlyList<TestFileError>? fileErrors = null)
    {
        var errors = fileErrors ?? Array.Empty<TestFileError>();
        CancellationTokenSource cancel;
        lock (_gate)
        {
            _running?.Cancel();
            _running = cancel = new CancellationTokenSource();
            _fileLines = errors.GroupBy(e => e.File).ToDictionary(g => g.Key, g => g.Min(e => e.Line), StringComparer.Ordinal);
            foreach (var c in run?.Cases ?? Array.Empty<TestCaseResult>())
            {
                if (c.Outcome == TestOutcome.Passed) _failures.Remove((c.File.Path, c.Case.Name));
                else _failures[(c.File.Path, c.Case.Name)] = c;
            }
        }
        var failing = run?.Cases.Where(c => c.Outcome != TestOutcome.Passed).ToList() ?? new List<TestCaseResult>();
        var transformations = run?.Cases.Select(c => c.File.Transformation).ToHashSet(StringComparer.OrdinalIgnoreCase) ?? new HashSet<string>();
        Pending = Task.Run(async () =>
        {
            IReadOnlyList<HealSuggestion> heals = Array.Empty<HealSuggestion>();
            if (failing.Count > 0 || errors.Count > 0)
            {
                // the schema update of a drifted file has its own quick fix (SchemaDriftActions)
                var result = await new HealRun(server.Engine) { IncludeSchemaDriftUpdate = false }.SuggestAsync(run, errors, cancel.Token).ConfigureAwait(false);
                heals = result.Suggestions;
                foreach (var h in heals) server.Log.Info($"heal {h.Id} for {h.Test} › {h.Case}: {h.Title} ({h.Verified})");
            }
            Publish(heals, transformations, cancel.Token);
        }, cancel.Token).ContinueWith(t =>
        {
            if (t.Exception is { } e) server.Log.Warn($"heal search failed: {e.InnerException?.Message ?? e.Message}");
        }, TaskScheduler.Default);
    }

    /// <summary>The verified heals whose diagnostic is at <paramref name="line"/> (0-based) of <paramref name="path"/>.</summary>
    public IReadOnlyList<HealSuggestion> At(string path, int line)
    {
        lock (_gate) return _at.Where(x => x.Path == path && x.Line == line).Select(x => x.Heal).ToList();
    }

    /// <summary>The heal with this id among those the last searches found, or null.</summary>
    public HealSuggestion? ById(string id)
    {
        lock (_gate) return _at.Select(x => x.Heal).FirstOrDefault(h => h.Id == id);
    }

    /// <summary>The heals of one failing case.</summary>
    public IReadOnlyList<HealSuggestion> For(string test, string caseName)
    {
        lock (_gate) return _at.Select(x => x.Heal).Where(h => h.Test == test && h.Case == caseName).DistinctBy(h => h.Id).ToList();
    }

    /// <summary>The heals of a whole test file (one that did not load or no longer fits its procedure).</summary>
    public IReadOnlyList<HealSuggestion> ForFile(string test)
    {
        lock (_gate) return _at.Select(x => x.Heal).Where(h => h.Test == test && h.Case is null).DistinctBy(h => h.Id).ToList();
    }

    /// <summary>The last result of a case that failed (null once it passes).</summary>
    public TestCaseResult? Failure(string test, string caseName)
    {
        lock (_gate) return _failures.GetValueOrDefault((test, caseName));
    }

    /// <summary>The failing cases of a test file, for the "Explain failure" lenses.</summary>
    public IReadOnlyList<TestCaseResult> FailuresIn(string test)
    {
        lock (_gate) return _failures.Values.Where(f => f.File.Path == test).OrderBy(f => f.Case.Line).ToList();
    }

    private void Publish(IReadOnlyList<HealSuggestion> heals, HashSet<string> transformations, CancellationToken cancellationToken)
    {
        var at = new List<(string, int, HealSuggestion)>();
        var diagnostics = new Dictionary<string, List<Diagnostic>>(StringComparer.Ordinal);
        foreach (var heal in heals)
        {
            var failure = Failure(heal.Test, heal.Case ?? "");
            int line;
            lock (_gate) line = failure?.Case.Line ?? _fileLines.GetValueOrDefault(heal.Test, 1);
            foreach (var finding in VerifiedHealAvailable.For(heal, line, server.Drift.Text(heal.Test), server.Drift.Text(heal.File)))
            {
                at.Add((finding.Location.File, finding.Location.Range.Start.Line, heal));
                // the quick fix comes from HealActions (it re-runs the tests after the edit), not from the diagnostic's data
                var d = LspConvert.Diagnostic(finding with { Fixes = Core.Model.Finding.NoFixes }, server.Paths, null);
                if (!diagnostics.TryGetValue(finding.Location.File, out var list)) diagnostics[finding.Location.File] = list = new List<Diagnostic>();
                if (!list.Any(x => x.Range == d.Range && x.Message == d.Message)) list.Add(d);
            }
        }
        List<string> files;
        lock (_gate)
        {
            if (cancellationToken.IsCancellationRequested) return;
            // heals of transformations this run did not cover stay
            var kept = _at.Where(x => _failures.TryGetValue((x.Heal.Test, x.Heal.Case ?? ""), out var f) && !transformations.Contains(f.File.Transformation)).ToList();
            _at = kept.Concat(at).ToList();
            foreach (var (path, _, heal) in kept)
            {
                foreach (var finding in VerifiedHealAvailable.For(heal, Failure(heal.Test, heal.Case ?? "")?.Case.Line ?? 1, server.Drift.Text(heal.Test), server.Drift.Text(heal.File)).Where(f => f.Location.File == path))
                {
                    if (!diagnostics.TryGetValue(path, out var list)) diagnostics[path] = list = new List<Diagnostic>();
                    var d = LspConvert.Diagnostic(finding with { Fixes = Core.Model.Finding.NoFixes }, server.Paths, null);
                    if (!list.Any(x => x.Range == d.Range && x.Message == d.Message)) list.Add(d);
                }
            }
            files = _published.Concat(diagnostics.Keys).Distinct(StringComparer.Ordinal).ToList();
            _published.Clear();
            foreach (var f in diagnostics.Keys) _published.Add(f);
            // under the lock: a newer run's Refresh cancels this one either before it publishes or after
            foreach (var file in files)
            {
                server.Layers.Set(Layer, file, diagnostics.GetValueOrDefault(file) ?? new List<Diagnostic>());
                server.PublishLayers(file);
            }
        }
    }
}
