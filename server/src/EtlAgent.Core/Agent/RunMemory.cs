using System.Security.Cryptography;
using System.Text;
using EtlAgent.Core.Generation;
using EtlAgent.Core.Lineage;
using EtlAgent.Core.Memory;
using EtlAgent.Core.Model;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Sandbox.Runner;
using EtlAgent.Core.Sandbox.TestFiles;
using EtlAgent.Core.WorkspaceModel;

namespace EtlAgent.Core.Agent;

/// <summary>
/// What one full run takes from the memory and gives back: generation already finished for
/// unchanged code is not done again, dismissed findings are left out, cases that got slower than
/// their baseline (ETL0130) or ended differently on the same code and data (ETL0131) are
/// reported, and the run is recorded when it completes. The memory never fails a run: its first
/// error is kept in <see cref="Problem"/> and the run goes on without it.
/// </summary>
public sealed class RunMemory(IMemoryStore store, string runId, string actor, IFileSource files)
{
    /// <summary>A case is slower only beyond this factor of its baseline …</summary>
    public const double RegressionFactor = 2.0;

    /// <summary>… and by at least this much: a few milliseconds more on a tiny case is the machine, not the code.</summary>
    public static readonly TimeSpan RegressionFloor = TimeSpan.FromMilliseconds(100);

    /// <summary>Earlier runs searched for a different outcome of the same case.</summary>
    private const int NondeterminismWindow = 20;

    /// <summary>Names the engine build: generation by another build is not "the same" (deterministic builds keep it for unchanged source).</summary>
    private static readonly string GeneratorVersion = typeof(TestGenerator).Assembly.ManifestModule.ModuleVersionId.ToString("N");

    public IMemoryStore Store => store;
    public string RunId => runId;

    /// <summary>The memory's first error in this run (the run went on without it), or null.</summary>
    public string? Problem { get; private set; }

    private T? Safely<T>(Func<T> action, T? fallback = default)
    {
        try { return action(); }
        catch (MemoryStoreException e)
        {
            Problem ??= e.Message;
            return fallback;
        }
    }

    /// <summary>
    /// The fingerprint of what generation for <paramref name="transformation"/> depends on: the
    /// procedure's file, the files that define the catalog, the files of the procedures it calls
    /// (transitively), the compatibility level and the generator's build.
    /// </summary>
    public static string GenerationKey(WorkspaceAnalysis analysis, string transformation, int compatibilityLevel)
    {
        var texts = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var d in analysis.Documents.Where(d => d.Tables.Count + d.Sequences.Count + d.Views.Count + d.Functions.Count + d.Synonyms.Count + d.AddedColumns.Count + d.GuardedTables.Count + d.GuardedSequences.Count + d.ColumnRenames.Count > 0))
            texts[d.Document.Path] = d.Document.Text;
        var pending = new Stack<string>([transformation]);
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        while (pending.Count > 0)
        {
            var name = pending.Pop();
            if (!seen.Add(name) || analysis.FindTransformation(name) is not { } t) continue;
            texts[t.Document.Path] = t.Document.Text;
            foreach (var callee in t.Transformation.Calls) pending.Push(callee.ToString());
        }
        var sb = new StringBuilder().Append(GeneratorVersion).Append('\n').Append(transformation).Append('\n').Append(compatibilityLevel).Append('\n');
        foreach (var (path, text) in texts) sb.Append(path).Append('\0').Append(text).Append('\0');
        return Hash(sb.ToString());
    }

    /// <summary>Why an earlier run's generation for unchanged code wrote nothing, or null (never tried, or it wrote a file).</summary>
    public GenerationRecord? FinishedWithoutTests(string key) =>
        Safely(() => store.Generation(key)) is { Outcome: "nothing" } g ? g : null;

    /// <summary>Remembers a generation that ran to its end (one stopped by the budget or a defect is not finished).</summary>
    public void RememberGeneration(string key, GeneratedTestFile generated, DateTimeOffset time)
    {
        // nothing found within the time cap says nothing about the code: a quieter machine or a larger cap may find cases
        if (generated.Failed || (!generated.Written && generated.Result?.CapReached == true)) return;
        Safely(() =>
        {
            store.RecordGeneration(new GenerationRecord(key, generated.Transformation, generated.Written ? "written" : "nothing",
                generated.Written ? null : generated.Skipped ?? "no case could be generated", generated.Path, runId, time));
            return true;
        });
    }

    /// <summary>
    /// The mutants the memory's latest run of their transformation let survive (or did not reach):
    /// generation tries them first, so a tight budget goes where the last tests were weakest.
    /// </summary>
    public Func<Mutation.Mutant, bool> LastSurvivors()
    {
        var known = new Dictionary<string, HashSet<string>>(StringComparer.OrdinalIgnoreCase);
        return m =>
        {
            lock (known)
            {
                if (!known.TryGetValue(m.Transformation, out var keys))
                    known[m.Transformation] = keys = (Safely(() => store.Mutants(m.Transformation)) ?? Array.Empty<MutantRecord>())
                        .Where(r => r.Status != "killed").Select(r => r.Key).ToHashSet(StringComparer.Ordinal);
                return keys.Contains(MutantKey(m));
            }
        };
    }

    /// <summary>What a mutant is, independent of where it is: operator, original and mutated code.</summary>
    public static string MutantKey(Mutation.Mutant m) =>
        $"{m.Operator}|{FindingFingerprint.Normalize(m.Original)}|{FindingFingerprint.Normalize(m.Mutated)}";

    /// <summary>Findings with the dismissed ones (dismissal not lapsed at <paramref name="now"/>) left out, and how many were.</summary>
    public (List<Finding> Kept, int Dismissed) WithoutDismissed(IReadOnlyList<Finding> findings, DateTimeOffset now) =>
        Dismissals.Apply(Safely(() => store.Findings()) ?? new Dictionary<string, FindingRecord>(), findings, now);

    /// <summary>Cases slower than twice their baseline (ETL0130) and cases that ended differently on the same code and data before (ETL0131).</summary>
    public List<Finding> Learn(WorkspaceAnalysis analysis, TestRunResult tests)
    {
        var findings = new List<Finding>();
        if (tests.Cases.Count == 0) return findings;
        var earlier = Safely(() => store.Runs()) ?? Array.Empty<RunRecord>();
        var recent = earlier.TakeLast(NondeterminismWindow).Reverse()
            .Select(r => (Run: r.Id, Cases: Safely(() => store.Cases(r.Id)) ?? Array.Empty<CaseRecord>())).ToList();
        var timings = new Dictionary<string, IReadOnlyList<TimingRecord>>(StringComparer.Ordinal);
        var compared = new List<(TestCaseResult Case, string? Text, double Milliseconds, double Baseline, int Runs)>();
        // the run's first case pays the sandbox's start-up (JIT, the first engine instance): not compared
        foreach (var (c, index) in tests.Cases.Select((c, i) => (c, i)))
        {
            var record = CaseRecordOf(analysis, c);
            var text = Text(c.File.Path);
            if (!timings.TryGetValue(record.Transformation, out var known))
                timings[record.Transformation] = known = Safely(() => store.Timings(record.Transformation)) ?? Array.Empty<TimingRecord>();
            var before = known.Where(t => t.InputKey == record.InputKey).Select(t => t.Milliseconds).Order().ToList();
            if (before.Count > 0 && c.Outcome == TestOutcome.Passed && index > 0 && before[before.Count / 2] > 0)
                compared.Add((c, text, record.Milliseconds, before[before.Count / 2], before.Count));
            foreach (var (run, cases) in recent)
            {
                var same = cases.FirstOrDefault(x => x.Name == record.Name && x.CodeKey == record.CodeKey);
                if (same is null) continue;
                if (same.Outcome != record.Outcome) findings.Add(NondeterministicCase.For(c, text, record.Outcome, same.Outcome, run));
                break; // the latest earlier run of the same code decides
            }
        }
        // A busy machine slows every case: the run's typical slowdown (the median ratio to the
        // baselines, when enough cases say so) is factored out, so only cases slower than the rest are reported.
        var ratios = compared.Select(x => x.Milliseconds / x.Baseline).Order().ToList();
        double machine = ratios.Count >= 3 ? Math.Max(1, ratios[ratios.Count / 2]) : 1;
        foreach (var x in compared)
        {
            double expected = x.Baseline * machine;
            if (x.Milliseconds > RegressionFactor * expected && x.Milliseconds - expected >= RegressionFloor.TotalMilliseconds)
                findings.Add(SandboxTimeRegression.For(x.Case, x.Text, x.Milliseconds, x.Baseline, x.Runs, machine));
        }
        return findings;
    }

    /// <summary>Records the completed run: its counts, cases, every finding it saw (dismissed ones too), mutants and invariants.</summary>
    public void Record(FullRunResult result, DateTimeOffset started, int dismissed, IReadOnlyList<Finding> seen, IReadOnlyList<TestFile> testFiles)
    {
        var fingerprints = FindingFingerprint.Of(seen);
        var sightings = seen.Select((f, i) => new FindingSighting(fingerprints[i], f.RuleId, f.Location.File, f.Message)).ToList();
        var mutants = new List<MutantRecord>();
        int killed = 0, total = 0;
        foreach (var g in result.Generated.Where(g => g.Result is { Mutants: > 0 }))
        {
            var r = g.Result!;
            killed += r.MutantsKilled;
            total += r.Mutants;
            mutants.AddRange(r.NotKilled.Concat(r.KilledOnlyByLeftOut).Select(m => Mutant(m, "survived")));
            mutants.AddRange(r.NotCovered.Select(m => Mutant(m, "not-covered")));
        }
        var invariants = testFiles.SelectMany(f => f.Invariants.Select(i => new InvariantRecord(f.Transformation,
            $"{i.Kind} {i.Table} ({string.Join(", ", i.Columns)})", f.Path))).ToList();
        var run = new RunRecord(runId, started, started + result.Elapsed, Commit(), result.TestsPassed ? "passed" : "failed",
            result.Tests.Passed, result.Failed, result.Findings.Count)
        {
            Dismissed = dismissed, Actor = actor, MutantsKilled = killed, MutantsTotal = total,
        };
        var cases = result.Tests.Cases.Select(c => CaseRecordOf(result.Analysis, c)).GroupBy(c => c.Name).Select(g => g.First()).ToList();
        var green = GreenVersions(result, testFiles, run.Finished);
        Safely(() =>
        {
            store.RecordRun(new RunWrite(run, cases, sightings) { Mutants = mutants, Invariants = invariants, GreenVersions = green });
            return true;
        });

        MutantRecord Mutant(Mutation.Mutant m, string status) => new(m.Transformation, MutantKey(m), m.Operator, status, runId);
    }

    /// <summary>
    /// The file text of every transformation that ran cases in this run and passed them all: its last
    /// green version — unless one of its test files did not load (ETL0101, ETL0102: cases that did not
    /// run) or the run reported a test finding at warning or above for it (a broken invariant, a failing
    /// case): a version some of whose tests did not pass is no base to compare with. A test file that
    /// did not load and does not say which transformation it tests keeps every version out of this run.
    /// </summary>
    private List<GreenVersion> GreenVersions(FullRunResult result, IReadOnlyList<TestFile> testFiles, DateTimeOffset time)
    {
        var byPath = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var f in testFiles) byPath.TryAdd(f.Path, f.Transformation);
        foreach (var t in result.Analysis.Transformations) byPath.TryAdd(t.Transformation.File, t.Transformation.Name);
        string? TransformationOf(string path) => byPath.TryGetValue(path, out var name) ? name : TestFileOutline.Read(Text(path) ?? "")?.Transformation;
        var spoiled = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var e in result.TestFileErrors)
        {
            if (TransformationOf(e.File) is { } name) spoiled.Add(name);
            else return new List<GreenVersion>();
        }
        foreach (var f in result.TestFindings.Where(f => f.Severity >= Severity.Warning))
            if (TransformationOf(f.Location.File) is { } name) spoiled.Add(name);
        return result.Tests.Cases.GroupBy(c => c.File.Transformation, StringComparer.OrdinalIgnoreCase)
            .Where(g => g.All(c => c.Outcome == TestOutcome.Passed) && !spoiled.Contains(g.Key))
            .Select(g => result.Analysis.FindTransformation(g.Key))
            .OfType<TransformationAnalysis>()
            .Select(t => GreenVersion.Of(t.Transformation.Name, t.Document.Path, t.Document.Text, runId, time))
            .ToList();
    }

    /// <summary>The case's name, outcome and time, with keys for its input (the case in its test file) and its code (that plus the transformation's file).</summary>
    private CaseRecord CaseRecordOf(WorkspaceAnalysis analysis, TestCaseResult c)
    {
        var input = Hash($"{c.File.Path}\0{Text(c.File.Path)}\0{c.Case.Name}");
        var code = analysis.FindTransformation(c.File.Transformation) is { } t ? t.Document.Text : "";
        return new CaseRecord(c.FullName, c.File.Transformation, c.Outcome.ToString().ToLowerInvariant(), Math.Round(c.Elapsed.TotalMilliseconds, 3),
            Hash($"{input}\0{code}"), input);
    }

    private readonly Dictionary<string, string?> _texts = new(StringComparer.Ordinal);

    private string? Text(string path)
    {
        if (_texts.TryGetValue(path, out var known)) return known;
        try { return _texts[path] = files.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return _texts[path] = null; }
    }

    /// <summary>The commit checked out in the workspace (read from .git), or null when it is not a repository.</summary>
    private string? Commit()
    {
        var head = Text(".git/HEAD")?.Trim();
        if (head is null) return null;
        if (!head.StartsWith("ref: ", StringComparison.Ordinal)) return head;
        var reference = head["ref: ".Length..];
        if (Text($".git/{reference}")?.Trim() is { Length: > 0 } loose) return loose;
        // a packed reference: "<sha> refs/heads/main"
        return Text(".git/packed-refs")?.Split('\n').Select(l => l.Trim().Split(' ')).FirstOrDefault(p => p.Length == 2 && p[1] == reference)?[0];
    }

    private static string Hash(string s) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(s)), 0, 16).ToLowerInvariant();
}
