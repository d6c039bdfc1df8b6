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
//   dotnet run -c Release --project bench/EtlAgent.AnalysisBench -- run [--limit N] [--only ID-PREFIX] [--out FILE]
//       generates tests on the original code, applies each fault, runs the tests, analyses the first failure
//       without and with the original as the last green version; prints the figures, appends every result to FILE
//       as it is known (default artifacts/analysis-bench/results.jsonl)
//   dotnet run -c Release --project bench/EtlAgent.AnalysisBench -- summarize [--out FILE]
//       the figures of FILE (also of a run that did not finish)
var root = FindRoot();
var faultsDir = Path.Combine(root, "bench", "analysis", "faults");
const string Warehouse = "tests/fixtures/warehouse";

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
    var done = File.ReadAllLines(outPath).Where(l => l.Length > 0).Select(l => JsonSerializer.Deserialize<FaultResult>(l, Fault.Json)!).ToList();
    Console.WriteLine(Summary(done, File.GetLastWriteTimeUtc(outPath)));
    return;
}
// a stable interleaving of procedures and sources, so a run cut short is still a fair sample
var faults = Directory.EnumerateFiles(faultsDir, "*.json").SelectMany(Fault.Read)
    .OrderBy(f => Stable(f.Id)).ToList();
if (ArgString("--only") is { } only) faults = faults.Where(f => f.Id.StartsWith(only, StringComparison.Ordinal)).ToList();
if (ArgInt("--limit", 0) is > 0 and var limit) faults = faults.Take(limit).ToList();
var options = new RootCauseOptions { MutationBudget = TimeSpan.FromSeconds(ArgInt("--mutation-budget", 15)) };
var runner = new BenchRunner(engine, analysis, TimeSpan.FromSeconds(ArgInt("--generation-budget", 20)), options);
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
    Console.Error.WriteLine($"{fault.Id,-40} {(r.Detected ? "detected" : "missed  ")} " +
        (r.WithoutBase is { } a ? $"stmt {(a.Statement ? "ok" : "NO")} col {(a.StatementAndColumn ? "ok" : "NO")} class {(a.Class ? "ok" : a.NamedClass + "≠" + fault.Class)} {a.Seconds:0.0}s" : "") +
        (r.WithBase is { } b ? $" | base stmt {(b.Statement ? "ok" : "NO")} col {(b.StatementAndColumn ? "ok" : "NO")} class {(b.Class ? "ok" : b.NamedClass)} {b.Seconds:0.0}s" : ""));
}
Console.WriteLine(Summary(results, started));

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
    sb.AppendLine("| | without base (mutation localisation) | with the last green version (differential) |");
    sb.AppendLine("|---|---|---|");
    string Row(string name, Func<ModeResult, bool> ok, Func<FaultResult, bool>? eligible = null)
    {
        var set = detected.Where(r => eligible?.Invoke(r) ?? true).ToList();
        int a = set.Count(r => ok(r.WithoutBase!)), b = set.Count(r => ok(r.WithBase!));
        return $"| {name} | {a}/{set.Count} ({Pct(a, set.Count)}) | {b}/{set.Count} ({Pct(b, set.Count)}) |";
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
    sb.AppendLine($"| time per failure | {Times(r => r.WithoutBase!)} | {Times(r => r.WithBase!)} |");
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
