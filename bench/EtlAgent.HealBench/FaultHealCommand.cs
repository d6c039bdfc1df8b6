using System.Globalization;
using System.Text;
using System.Text.Json;
using EtlAgent.AnalysisBench;
using EtlAgent.Core.Agent;
using EtlAgent.Core.Analysis;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Workspace;

namespace EtlAgent.HealBench;

/// <summary>
/// The verbs of the heal benchmark over the analysis benchmark's faults:
///   faults [--limit N] [--only ID-PREFIX] [--class C1,C2] [--shard I/N] [--tests DIR] [--out FILE]   the warehouse faults (bench/analysis/faults/*.json)
///   faults-corpus [--corpora DIR] [--work DIR] [--tests DIR] [--shard I/N] [--out FILE]  the corpus faults (bench/analysis/corpus-faults.json)
///   summarize --out A[,B…]   the figures of result files (shards, a run that did not finish); --misses lists the faults without a heal
/// --candidates N (30) bounds the search by candidates verified, --cap S (180) is its safety cap in seconds;
/// --code-only leaves out the test-side heal (a run of the whole generated file per failure: "any verified heal" is then not measured).
/// Results are appended per fault as they are known (JSON lines).
/// </summary>
public static class FaultHealCommand
{
    private static readonly JsonSerializerOptions OneLine = new(Fault.Json) { WriteIndented = false };

    public static async Task RunAsync(string[] args, string root)
    {
        string? Arg(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
        int ArgInt(string name, int fallback) => int.TryParse(Arg(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : fallback;
        var outPath = Arg("--out") ?? Path.Combine(root, "artifacts", "heal-bench", args[0] == "faults-corpus" ? "corpus-results.jsonl" : "results.jsonl");
        if (args[0] == "summarize")
        {
            var done = outPath.Split(',').SelectMany(File.ReadAllLines).Where(l => l.Length > 0).Select(l => JsonSerializer.Deserialize<HealFaultResult>(l, Fault.Json)!).ToList();
            if (args.Contains("--misses"))
                foreach (var r in done.Where(r => r.Detected && (!r.WithoutBase!.Restored || !r.WithBase!.Restored))) Console.WriteLine(Line(r));
            Console.WriteLine(Summary(done));
            return;
        }
        var budget = TimeSpan.FromSeconds(ArgInt("--generation-budget", 20));
        var options = new RootCauseOptions();
        var cap = TimeSpan.FromSeconds(ArgInt("--cap", 180));
        Directory.CreateDirectory(Path.GetDirectoryName(outPath)!);
        File.WriteAllText(outPath, "");
        var results = new List<HealFaultResult>();

        async Task Run(Engine engine, EtlAgent.Core.WorkspaceModel.WorkspaceAnalysis analysis, string? cache, IEnumerable<Fault> faults)
        {
            var runner = new BenchRunner(engine, analysis, budget, options) { TestCache = cache };
            var bench = new FaultHealBench(engine, analysis, runner) { CountBudget = new EtlAgent.Core.Healing.HealBudget(cap, ArgInt("--candidates", 30), 1), TestSideHeals = !args.Contains("--code-only") };
            foreach (var fault in Shard(faults.ToList()))
            {
                HealFaultResult r;
                try { r = await bench.RunAsync(fault); }
                catch (Exception e) when (e is not OutOfMemoryException) { r = new HealFaultResult(fault, false, "bench error: " + e.Message, null, null, 0, 0); }
                results.Add(r);
                File.AppendAllText(outPath, JsonSerializer.Serialize(r, OneLine) + "\n");
                Console.Error.WriteLine(Line(r));
            }
        }

        List<Fault> Shard(List<Fault> faults)
        {
            if (Arg("--only") is { } only) faults = faults.Where(f => f.Id.StartsWith(only, StringComparison.Ordinal)).ToList();
            if (Arg("--class") is { } classes) faults = faults.Where(f => classes.Split(',').Contains(f.Class, StringComparer.Ordinal)).ToList();
            if (Arg("--shard") is { } shard && shard.Split('/') is [var si, var sn] && int.TryParse(si, out var index) && int.TryParse(sn, out var count))
                faults = faults.Where((_, i) => i % count == index).ToList();
            if (ArgInt("--limit", 0) is > 0 and var limit) faults = faults.Take(limit).ToList();
            return faults;
        }

        if (args[0] == "faults")
        {
            // the analysis benchmark's warehouse faults in its stable order (a run cut short is still a fair sample)
            var faults = Directory.EnumerateFiles(Path.Combine(root, "bench", "analysis", "faults"), "*.json").SelectMany(Fault.Read).OrderBy(f => Stable(f.Id)).ToList();
            var files = new MemoryFileSource().AddAll(new PhysicalFileSource(Path.Combine(root, "tests", "fixtures", "warehouse")), p => !p.StartsWith("tests/", StringComparison.Ordinal));
            var engine = Engine.Create(files, WorkspaceSettings.Load(files), EngineHost.System with { Actor = "bench" });
            await Run(engine, engine.Analyze(retainSyntax: true), Arg("--tests"), faults);
        }
        else if (args[0] == "faults-corpus")
        {
            var corpora = Arg("--corpora") ?? "/work/corpora";
            if (!Directory.Exists(corpora)) { Console.WriteLine($"skipped: the corpora folder {corpora} is absent (see docs/realworld.md)"); return; }
            var work = Arg("--work") ?? Path.Combine(Path.GetTempPath(), "etl-heal-bench", "corpora");
            foreach (var entry in CorpusFaults.Read(Path.Combine(root, "bench", "analysis", "corpus-faults.json")))
            {
                if (CorpusFaults.Copy(corpora, work, entry.Name, out var why) is not { } folder) { Console.WriteLine($"skipped {entry.Name}: {why}"); continue; }
                var (engine, analysis) = CorpusFaults.Open(folder);
                await Run(engine, analysis, Arg("--tests") is { } tc ? Path.Combine(tc, entry.Name) : null, CorpusFaults.Faults(entry, analysis, m => Console.Error.WriteLine(m)));
            }
        }
        Console.WriteLine(Summary(results));
    }

    private static uint Stable(string id)
    {
        uint h = 2166136261;
        foreach (var c in id) h = (h ^ c) * 16777619;
        return h;
    }

    /// <summary>One fault per line: each mode's top heal and what became of it.</summary>
    public static string Line(HealFaultResult r)
    {
        static string Mode(string label, HealModeResult? m) => m is null ? "" :
            $" | {label} rc={m.RootCauseClass ?? "-"} code {(m.Verified ? "yes" : "no")} (wall {(m.WallVerified ? "yes" : "no")}) restored {(m.Restored ? "yes" : "no")} class {(m.ClassOk ? "ok" : m.TopClass ?? "-")} " +
            $"{m.AnalyseSeconds:0.0}+{m.SearchSeconds:0.0}s first {(m.FirstCodeHealSeconds is { } f ? f.ToString("0.0", CultureInfo.InvariantCulture) + "s" : "-")} tried {m.Tried}/{m.Made}{(m.HitCap ? " CAP" : "")} \"{m.TopTitle}\" {m.RestoreNote}";
        return $"{r.Fault.Id,-36} {r.Fault.Class,-28} {(r.Detected ? "detected" : "missed  ")} load {r.LoadBefore:0.0}{Mode("nobase", r.WithoutBase)}{Mode("base", r.WithBase)}{(r.Failure?.StartsWith("bench error", StringComparison.Ordinal) == true ? " " + r.Failure : "")}";
    }

    public static string Summary(List<HealFaultResult> results)
    {
        var sb = new StringBuilder();
        var detected = results.Where(r => r.Detected).ToList();
        var loads = results.SelectMany(r => new[] { r.LoadBefore, r.LoadAfter }).Where(l => l > 0).Order().ToList();
        sb.AppendLine($"faults: {results.Count}; detected by the generated tests: {detected.Count} ({Pct(detected.Count, results.Count)}); load average (1 min) during the run: " +
            (loads.Count == 0 ? "-" : $"min {loads[0]:0.0}, median {loads[loads.Count / 2]:0.0}, max {loads[^1]:0.0}"));
        foreach (var g in detected.GroupBy(Group).OrderBy(g => g.Key, StringComparer.Ordinal).Append(detected.GroupBy(_ => "all").FirstOrDefault()).OfType<IGrouping<string, HealFaultResult>>())
        {
            var set = g.ToList();
            sb.AppendLine();
            sb.AppendLine($"{g.Key}: {set.Count} detected of {results.Count(r => g.Key == "all" || Group(r) == g.Key)} seeded");
            sb.AppendLine("| | without base | with the original as last-green base |");
            sb.AppendLine("|---|---|---|");
            string Row(string name, Func<HealModeResult, bool> ok) =>
                $"| {name} | {Frac(set.Count(r => ok(r.WithoutBase!)), set.Count)} | {Frac(set.Count(r => ok(r.WithBase!)), set.Count)} |";
            sb.AppendLine(Row("verified code heal (candidate-bounded, load-independent)", m => m.Verified));
            sb.AppendLine(Row("behaviour restored (candidate-bounded)", m => m.Restored));
            sb.AppendLine(Row("top heal's class = seeded (candidate-bounded)", m => m.ClassOk));
            sb.AppendLine(Row("any verified heal, test heals included (candidate-bounded)", m => m.Any));
            sb.AppendLine(Row("verified code heal within the product's 20 s (wall time, this machine's load)", m => m.WallVerified));
            sb.AppendLine(Row("behaviour restored within the product's 20 s", m => m.WallRestored));
            sb.AppendLine(Row("searches stopped by the safety cap", m => m.HitCap));
            string Times(Func<HealModeResult, double> seconds)
            {
                var t = set.Select(r => seconds(r.WithoutBase!)).Order().ToList();
                var u = set.Select(r => seconds(r.WithBase!)).Order().ToList();
                static string Of(List<double> x) => x.Count == 0 ? "-" : $"median {Median(x):0.0} s, max {x[^1]:0.0} s";
                return $"{Of(t)} | {Of(u)}";
            }
            // to the top heal: the first verified code heal, else the end of the code candidates (the test-side heal after them not counted)
            // (a result file written before the code phase was timed apart has only the whole search)
            static double ToTop(HealModeResult m) => m.FirstCodeHealSeconds ?? (m.CodeSearchSeconds > 0 ? m.CodeSearchSeconds : m.SearchSeconds);
            sb.AppendLine($"| analyse + search to the top code heal (or to giving up), candidate-bounded | {Times(m => m.AnalyseSeconds + ToTop(m))} |");
            sb.AppendLine($"| the same, the search cut at the product's 20 s | {Times(m => m.AnalyseSeconds + Math.Min(ToTop(m), 20))} |");
            sb.AppendLine($"| whole search, test-side heal included (candidate-bounded) | {Times(m => m.AnalyseSeconds + m.SearchSeconds)} |");
            sb.AppendLine($"| analysis alone | {Times(m => m.AnalyseSeconds)} |");
        }
        return sb.ToString();
    }

    private static string Group(HealFaultResult r) => r.Fault.Source == "hand" ? "warehouse, hand-written"
        : r.Fault.Workspace.StartsWith("corpus:", StringComparison.Ordinal) ? "corpus " + r.Fault.Workspace["corpus:".Length..] : "warehouse, mutation operators";

    private static double Median(List<double> sorted) => sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;

    private static string Pct(int a, int b) => b == 0 ? "-" : (100.0 * a / b).ToString("0", CultureInfo.InvariantCulture) + "%";

    private static string Frac(int a, int b) => $"{a}/{b} ({Pct(a, b)})";
}
