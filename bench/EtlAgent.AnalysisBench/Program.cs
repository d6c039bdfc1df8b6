using System.Globalization;
using System.Text;
using System.Text.Json;
using EtlAgent.AnalysisBench;
using EtlAgent.Core.Agent;
using EtlAgent.Core.Analysis;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Workspace;

// The root-cause analysis benchmark (issue 14, item 6). Faults are data in bench/analysis/faults.
// Usage:
//   dotnet run -c Release --project bench/EtlAgent.AnalysisBench -- make
//       writes bench/analysis/faults/warehouse-mutants.json (the project's mutation operators) and
//       bench/analysis/faults/warehouse-hand.json (bench/analysis/hand-written.json completed with offsets and lines)
//   dotnet run -c Release --project bench/EtlAgent.AnalysisBench -- run [--limit N] [--only ID-PREFIX] [--out FILE] [--shard I/N] [--tests DIR] [--memory-base]
//       generates tests on the original code, applies each fault, runs the tests, analyses the first failure
//       without and with the original as the last green version; prints the figures, appends every result to FILE
//       as it is known (default artifacts/analysis-bench/results.jsonl); --shard I/N runs every N-th fault (N processes
//       share a run), --tests DIR keeps the generated tests there and reuses them (the same tests before and after a change);
//       --memory-base adds a third mode: the base the memory kept from a green run of the original tests (the user's path)
//   dotnet run -c Release --project bench/EtlAgent.AnalysisBench -- summarize [--out FILE]
//       the figures of FILE (also of a run that did not finish)
//   dotnet run -c Release --project bench/EtlAgent.AnalysisBench -- make-corpus [--corpora DIR] [--work DIR] [--only das-data,ode]
//       picks corpus procedures whose generated tests are non-trivial and pass, and a spread of their mutants the
//       tests reach; writes bench/analysis/corpus-faults.json (corpus, procedure names and mutant ids only)
//   dotnet run -c Release --project bench/EtlAgent.AnalysisBench -- run-corpus [--corpora DIR] [--work DIR] [--out FILE]
//       the same figures on those faults (each corpus copied to the work folder first; skipped with a message when absent)
//   dotnet run -c Release --project bench/EtlAgent.AnalysisBench -- rescore-corpus [--out FILE]
//       a corpus results file scored again against the faults as made now (expected columns read anew)
var root = FindRoot();
var faultsDir = Path.Combine(root, "bench", "analysis", "faults");
const string Warehouse = "tests/fixtures/warehouse";

var corpusFile = Path.Combine(root, "bench", "analysis", "corpus-faults.json");
var corpora = ArgString("--corpora") ?? "/work/corpora";
var work = ArgString("--work") ?? Path.Combine(Path.GetTempPath(), "etl-analysis-bench", "corpora");
if (args.Length > 0 && args[0] is "make-corpus" or "run-corpus" or "rescore-corpus" && !Directory.Exists(corpora))
{
    Console.WriteLine($"skipped: the corpora folder {corpora} is absent (the corpus faults need local copies of the public corpora; see docs/realworld.md)");
    return;
}
if (args.Length > 0 && args[0] == "make-corpus")
{
    var entries = new List<CorpusEntry>();
    foreach (var name in (ArgString("--only") ?? "das-data,ode").Split(',', StringSplitOptions.RemoveEmptyEntries))
    {
        if (CorpusFaults.Copy(corpora, work, name, out var why) is not { } folder) { Console.WriteLine($"skipped {name}: {why}"); continue; }
        var (e, a) = CorpusFaults.Open(folder);
        var bench = new BenchRunner(e, a, TimeSpan.FromSeconds(ArgInt("--generation-budget", 20)), new RootCauseOptions())
            { TestCache = ArgString("--tests") is { } tc ? Path.Combine(tc, name) : null };
        var procedures = new List<CorpusProcedure>();
        var scan = System.Diagnostics.Stopwatch.StartNew();
        foreach (var t in a.Transformations.Where(t => t.Transformation.Kind == EtlAgent.Core.Model.TransformationKind.Procedure && t.HasSyntax && t.Transformation.Writes.Count > 0)
                     .DistinctBy(t => t.Transformation.Name, StringComparer.OrdinalIgnoreCase).OrderBy(t => t.Transformation.Name, StringComparer.Ordinal))
        {
            if (procedures.Count >= ArgInt("--procedures", 8) || scan.Elapsed.TotalSeconds > ArgInt("--scan-seconds", 900)) break;
            if (a.FindTransformation(t.Transformation.Name) is not { HasSyntax: true } found) continue;
            var tests = await bench.TestsAsync(found.Transformation.Name);
            if (tests is null || !CorpusFaults.NonTrivial(tests)) { Console.Error.WriteLine($"{name}: {found.Transformation.Name}: no non-trivial test"); continue; }
            var original = await new EtlAgent.Core.Sandbox.Runner.TestRunner(a, e.Sandboxes.Create).RunAsync(new[] { tests });
            if (original.Cases.Any(c => c.Outcome != EtlAgent.Core.Sandbox.Runner.TestOutcome.Passed)) { Console.Error.WriteLine($"{name}: {found.Transformation.Name}: a generated case fails on the original"); continue; }
            // mutants some case runs (one no case reaches cannot be detected: a figure of generation, not of analysis)
            var reach = new EtlAgent.Core.Mutation.MutantReach(found);
            var index = new StatementIndex(found);
            var reached = FaultMaker.Candidates(found, index, a).Where(m => original.Cases.Any(c => reach.Reaches(m, c.Covered))).ToList();
            var picked = FaultMaker.Pick(reached, ArgInt("--per-procedure", 5));
            if (picked.Count == 0) continue;
            procedures.Add(new CorpusProcedure(found.Transformation.Name, picked.Select(m => m.Id).ToList()));
            Console.Error.WriteLine($"{name}: {found.Transformation.Name}: {picked.Count} faults");
        }
        entries.Add(new CorpusEntry(name, CorpusFaults.CommitOf(folder), procedures));
    }
    CorpusFaults.Write(corpusFile, entries);
    Console.WriteLine($"wrote {entries.Sum(x => x.Procedures.Sum(p => p.Mutants.Count))} corpus faults in {entries.Sum(x => x.Procedures.Count)} procedures to {corpusFile}");
    return;
}
if (args.Length > 0 && args[0] == "rescore-corpus")
{
    // a results file scored again against the faults as they are made now (the expected column read anew), without rerunning the analysis
    var outFile = ArgString("--out") ?? Path.Combine(root, "artifacts", "analysis-bench", "corpus-results.jsonl");
    var current = new Dictionary<string, Fault>(StringComparer.Ordinal);
    foreach (var entry in CorpusFaults.Read(corpusFile))
        if (CorpusFaults.Copy(corpora, work, entry.Name, out _) is { } folder)
            foreach (var f in CorpusFaults.Faults(entry, CorpusFaults.Open(folder).Analysis, _ => { }))
                current[f.Id] = f;
    ModeResult? Rescore(ModeResult? m, Fault f) => m is null ? null
        : m with { StatementAndColumn = m.Statement && f.Column is not null && (m.NamedColumns ?? Array.Empty<string>()).Contains(f.Column, StringComparer.OrdinalIgnoreCase) };
    var rescored = File.ReadAllLines(outFile).Where(l => l.Length > 0).Select(l => JsonSerializer.Deserialize<FaultResult>(l, Fault.Json)!)
        .Select(r => current.TryGetValue(r.Fault.Id, out var f) ? r with { Fault = f, WithoutBase = Rescore(r.WithoutBase, f), WithBase = Rescore(r.WithBase, f) } : r).ToList();
    foreach (var r in rescored.Where(r => r.Detected)) Console.WriteLine(Line(r));
    Console.WriteLine(Summary(rescored, File.GetLastWriteTimeUtc(outFile)));
    return;
}
if (args.Length > 0 && args[0] == "run-corpus")
{
    var outFile = ArgString("--out") ?? Path.Combine(root, "artifacts", "analysis-bench", "corpus-results.jsonl");
    Directory.CreateDirectory(Path.GetDirectoryName(outFile)!);
    File.WriteAllText(outFile, "");
    var all = new List<FaultResult>();
    var begun = DateTime.UtcNow;
    var corpusOptions = new RootCauseOptions { MutationBudget = TimeSpan.FromSeconds(ArgInt("--mutation-budget", 15)) };
    foreach (var entry in CorpusFaults.Read(corpusFile))
    {
        if (CorpusFaults.Copy(corpora, work, entry.Name, out var why) is not { } folder) { Console.WriteLine($"skipped {entry.Name}: {why}"); continue; }
        if (CorpusFaults.CommitOf(folder) is var commit && commit != entry.Commit)
            Console.WriteLine($"note: {entry.Name} is at {commit}, the faults were chosen at {entry.Commit}; mutant ids may name other edits");
        var (e, a) = CorpusFaults.Open(folder);
        var bench = new BenchRunner(e, a, TimeSpan.FromSeconds(ArgInt("--generation-budget", 20)), corpusOptions)
            { TestCache = ArgString("--tests") is { } tc ? Path.Combine(tc, entry.Name) : null };
        foreach (var fault in CorpusFaults.Faults(entry, a, m => Console.Error.WriteLine(m)))
        {
            var r = await bench.RunAsync(fault);
            all.Add(r);
            File.AppendAllText(outFile, JsonSerializer.Serialize(r, new JsonSerializerOptions(Fault.Json) { WriteIndented = false }) + "\n");
            Console.Error.WriteLine(Line(r));
        }
    }
    Console.WriteLine(Summary(all, begun));
    return;
}

var (engine, analysis) = Open(Warehouse);
if (args.Length > 0 && args[0] == "make")
{
    var mutants = FaultMaker.Mutants(analysis, Warehouse, ArgInt("--per-procedure", 8),
        t => t.Transformation.Writes.Count > 0 && !t.Transformation.Name.StartsWith("Etl.", StringComparison.Ordinal) && !t.Transformation.Name.StartsWith("Integration.", StringComparison.Ordinal));
    Fault.Write(Path.Combine(faultsDir, "warehouse-mutants.json"), mutants);
    var hand = Fault.Read(Path.Combine(root, "bench", "analysis", "hand-written.json")).Select(f => FaultMaker.Complete(f, analysis)).ToList();
    Fault.Write(Path.Combine(faultsDir, "warehouse-hand.json"), hand);
    Console.WriteLine($"wrote {mutants.Count} mutation faults and {hand.Count} hand-written faults to {faultsDir}");
    return;
}

var outPath = ArgString("--out") ?? Path.Combine(root, "artifacts", "analysis-bench", "results.jsonl");
if (args.Length > 0 && args[0] == "summarize")
{
    // the figures from a results file, also one a run did not finish
    // --out may name several files (shards), comma-separated
    var done = outPath.Split(',').SelectMany(File.ReadAllLines).Where(l => l.Length > 0).Select(l => JsonSerializer.Deserialize<FaultResult>(l, Fault.Json)!).ToList();
    // --misses: every detected fault some mode got wrong, expected against named
    if (args.Contains("--misses"))
        foreach (var r in done.Where(r => r.Detected && (!r.WithoutBase!.Statement || !r.WithBase!.Statement || (r.Fault.Column is not null && (!r.WithoutBase.StatementAndColumn || !r.WithBase.StatementAndColumn)))))
            Console.WriteLine(Line(r));
    Console.WriteLine(Summary(done, File.GetLastWriteTimeUtc(outPath.Split(',')[0])));
    return;
}
// a stable interleaving of procedures and sources, so a run cut short is still a fair sample
var faults = Directory.EnumerateFiles(faultsDir, "*.json").SelectMany(Fault.Read)
    .OrderBy(f => Stable(f.Id)).ToList();
if (ArgString("--only") is { } only) faults = faults.Where(f => f.Id.StartsWith(only, StringComparison.Ordinal)).ToList();
if (ArgInt("--limit", 0) is > 0 and var limit) faults = faults.Take(limit).ToList();
// --shard I/N: every N-th fault from the I-th (0-based), so N processes share a run; summarize their files together
if (ArgString("--shard") is { } shard && shard.Split('/') is [var si, var sn] && int.TryParse(si, out var shardIndex) && int.TryParse(sn, out var shardCount))
    faults = faults.Where((_, i) => i % shardCount == shardIndex).ToList();
var options = new RootCauseOptions { MutationBudget = TimeSpan.FromSeconds(ArgInt("--mutation-budget", 15)) };
var runner = new BenchRunner(engine, analysis, TimeSpan.FromSeconds(ArgInt("--generation-budget", 20)), options)
    { TestCache = ArgString("--tests"), MemoryBase = args.Contains("--memory-base") };
var OneLine = new JsonSerializerOptions(Fault.Json) { WriteIndented = false };
var results = new List<FaultResult>();
var started = DateTime.UtcNow;
Directory.CreateDirectory(Path.GetDirectoryName(outPath)!);
File.WriteAllText(outPath, "");
foreach (var fault in faults)
{
    var r = await runner.RunAsync(fault);
    results.Add(r);
    File.AppendAllText(outPath, JsonSerializer.Serialize(r, OneLine) + "\n");
    Console.Error.WriteLine(Line(r));
}
Console.WriteLine(Summary(results, started));

// one fault per line: expected against what each mode named, so a miss can be read without the JSON
static string Line(FaultResult r)
{
    var f = r.Fault;
    string Mode(string label, ModeResult? m) => m is null ? "" :
        $" | {label} stmt {(m.Statement ? "ok" : $"NO(L{m.NamedLine}≠L{f.Line})")} col {(m.StatementAndColumn ? "ok" : f.Column is null ? "-" : $"NO([{string.Join(",", m.NamedColumns ?? Array.Empty<string>())}]∌{f.Column})")} class {(m.Class ? "ok" : m.NamedClass + "≠" + f.Class)} {m.Evidence} {m.Seconds:0.0}s";
    return $"{f.Id,-40} {(r.Detected ? "detected" : "missed  ")}{Mode("nobase", r.WithoutBase)}{Mode("base", r.WithBase)}{Mode("memory", r.WithMemory)}";
}

static uint Stable(string id)
{
    uint h = 2166136261;
    foreach (var c in id) h = (h ^ c) * 16777619;
    return h;
}

static string Summary(List<FaultResult> results, DateTime started)
{
    var sb = new StringBuilder();
    var detected = results.Where(r => r.Detected).ToList();
    sb.AppendLine($"faults: {results.Count} ({results.Count(r => r.Fault.Source == "hand")} hand-written, {results.Count(r => r.Fault.Source != "hand")} from mutation operators); started {started:yyyy-MM-dd HH:mm} UTC");
    sb.AppendLine($"detected by the generated tests: {detected.Count} of {results.Count} ({Pct(detected.Count, results.Count)})");
    sb.AppendLine();
    // the memory's column only when the run measured it (--memory-base)
    bool memory = detected.Count > 0 && detected.All(r => r.WithMemory is not null);
    sb.AppendLine("| | without base (mutation localisation) | with the last green version (differential) |" + (memory ? " with the memory's last green version (from a green run) |" : ""));
    sb.AppendLine("|---|---|---|" + (memory ? "---|" : ""));
    string Row(string name, Func<ModeResult, bool> ok, Func<FaultResult, bool>? eligible = null)
    {
        var set = detected.Where(r => eligible?.Invoke(r) ?? true).ToList();
        int a = set.Count(r => ok(r.WithoutBase!)), b = set.Count(r => ok(r.WithBase!)), c = memory ? set.Count(r => ok(r.WithMemory!)) : 0;
        return $"| {name} | {a}/{set.Count} ({Pct(a, set.Count)}) | {b}/{set.Count} ({Pct(b, set.Count)}) |" + (memory ? $" {c}/{set.Count} ({Pct(c, set.Count)}) |" : "");
    }
    sb.AppendLine(Row("root cause top-1 statement", m => m.Statement));
    sb.AppendLine(Row("top-1 statement and column (faults with a column)", m => m.StatementAndColumn, r => r.Fault.Column is not null));
    sb.AppendLine(Row("bug class", m => m.Class));
    sb.AppendLine(Row("statement within the top 3", m => m.Rank is <= 3));
    string Times(Func<FaultResult, ModeResult> mode)
    {
        var t = detected.Select(r => mode(r).Seconds).Order().ToList();
        return t.Count == 0 ? "-" : $"median {Median(t):0.0} s, p90 {t[(int)Math.Min(t.Count - 1, Math.Ceiling(0.9 * t.Count) - 1)]:0.0} s, max {t[^1]:0.0} s";
    }
    sb.AppendLine($"| time per failure | {Times(r => r.WithoutBase!)} | {Times(r => r.WithBase!)} |" + (memory ? $" {Times(r => r.WithMemory!)} |" : ""));
    sb.AppendLine();
    sb.AppendLine("By source (detected; top-1 statement without base / with base):");
    foreach (var g in detected.GroupBy(r => r.Fault.Source == "hand" ? "hand-written" : "mutation operators"))
        sb.AppendLine($"  {g.Key}: {g.Count(r => r.WithoutBase!.Statement)}/{g.Count()} / {g.Count(r => r.WithBase!.Statement)}/{g.Count()}");
    sb.AppendLine("By expected class (detected; top-1 statement / class right, without base):");
    foreach (var g in detected.GroupBy(r => r.Fault.Class).OrderBy(g => g.Key, StringComparer.Ordinal))
        sb.AppendLine($"  {g.Key}: {g.Count()} faults, statement {g.Count(r => r.WithoutBase!.Statement)}, class {g.Count(r => r.WithoutBase!.Class)}");
    return sb.ToString();
}

static double Median(List<double> sorted) => sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;

static string Pct(int a, int b) => b == 0 ? "-" : (100.0 * a / b).ToString("0", CultureInfo.InvariantCulture) + "%";

(Engine, EtlAgent.Core.WorkspaceModel.WorkspaceAnalysis) Open(string workspace)
{
    // the workspace without its own test files: the benchmark's tests are generated on the original code
    var files = new MemoryFileSource().AddAll(new PhysicalFileSource(Path.Combine(root, workspace)), p => !p.StartsWith("tests/", StringComparison.Ordinal));
    var e = Engine.Create(files, WorkspaceSettings.Load(files), EngineHost.System);
    return (e, e.Analyze(retainSyntax: true));
}

int ArgInt(string name, int fallback) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], out var v) ? v : fallback;

string? ArgString(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;

static string FindRoot()
{
    var dir = new DirectoryInfo(AppContext.BaseDirectory);
    while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "EtlAgentIde.sln"))) dir = dir.Parent;
    return dir?.FullName ?? throw new InvalidOperationException("EtlAgentIde.sln not found above " + AppContext.BaseDirectory);
}
