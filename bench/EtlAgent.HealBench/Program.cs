using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using EtlAgent.Core.Agent;
using EtlAgent.Core.Healing;
using EtlAgent.Core.Mutation;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Sandbox.Runner;
using EtlAgent.Core.Workspace;
using EtlAgent.Core.WorkspaceModel;

// Heal evaluation on the fixture warehouse: faults seeded one at a time in an in-memory copy —
// hand-written realistic edits (bench/healing/warehouse-seeds.json) and the project's mutation
// operators on the tested procedures (a deterministic sample) — then, per fault: detected (a case of
// the procedure's tests fails), a verified code heal offered (and any heal, test heals included),
// and "behaviour restored": the top code heal's procedure agrees with the original on generated
// inputs that the heal was not verified on. Time per failure is the heal search's wall time.
//
// usage: dotnet run -c Release --project bench/EtlAgent.HealBench [-- --mutants N] [--inputs N] [--only TEXT] [--root-causes] [--test-side]
// --root-causes: the search edits first the statements root-cause analysis names (as `etl-agent heal` does)
// --test-side: the test-side heals instead (bench/healing/test-side-seeds.json, TestSideBench)
// faults | faults-corpus | summarize: over the analysis benchmark's faults, without and with a last-green base (FaultHealCommand)

int mutantsPerProcedure = Arg("--mutants", 6);
int inputs = Arg("--inputs", 40);
string? only = args.SkipWhile(a => a != "--only").Skip(1).FirstOrDefault();
bool rootCauses = args.Contains("--root-causes");
var root = FindRoot();
if (args.Length > 0 && args[0] is "faults" or "faults-corpus" or "summarize")
{
    await EtlAgent.HealBench.FaultHealCommand.RunAsync(args, root);
    return;
}
var warehouse = Path.Combine(root, "tests", "fixtures", "warehouse");
var baseFiles = new MemoryFileSource().AddAll(new PhysicalFileSource(warehouse));
var settings = WorkspaceSettings.Load(baseFiles);
var analyzer = new WorkspaceAnalyzer(settings) { RetainSyntax = true };
var original = analyzer.Analyze(baseFiles);
if (args.Contains("--test-side"))
{
    // the test-side heals: schema and procedure changes that break the tests, not the code
    await TestSideBench.RunAsync(root, baseFiles, settings, only);
    return;
}

var seeds = new List<(string Name, string Source, string File, string Transformation, string Class, string Faulty)>();
using (var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(root, "bench", "healing", "warehouse-seeds.json"))))
{
    foreach (var s in doc.RootElement.GetProperty("seeds").EnumerateArray())
    {
        var file = s.GetProperty("file").GetString()!;
        var text = baseFiles.ReadAllText(file);
        string Native(string x) => text.Contains("\r\n", StringComparison.Ordinal) ? x.Replace("\n", "\r\n", StringComparison.Ordinal) : x;
        var find = Native(s.GetProperty("find").GetString()!);
        if (CountOf(text, find) != 1) throw new InvalidOperationException($"seed \"{s.GetProperty("name").GetString()}\": the text to replace is not found exactly once in {file}");
        var t = original.Transformations.First(x => x.Transformation.File == file);
        seeds.Add((s.GetProperty("name").GetString()!, "hand", file, t.Transformation.Name, s.GetProperty("class").GetString()!,
            text.Replace(find, Native(s.GetProperty("replace").GetString()!), StringComparison.Ordinal)));
    }
}
// the mutation operators' faults: on each procedure with a test file, every k-th mutant (statement deletions left out: no heal restores a deleted statement's purpose from nothing)
var tested = TestFilesOf(baseFiles, settings, original);
foreach (var name in tested.Keys.Order(StringComparer.Ordinal))
{
    var t = original.FindTransformation(name)!;
    if (t.Transformation.Kind != EtlAgent.Core.Model.TransformationKind.Procedure) continue;
    var mutants = MutantGenerator.Generate(t, original.Catalog).Where(m => !m.Operator.Contains("deleted", StringComparison.Ordinal)).ToList();
    int step = Math.Max(1, mutants.Count / Math.Max(1, mutantsPerProcedure));
    foreach (var m in mutants.Where((_, i) => i % step == 0).Take(mutantsPerProcedure))
        seeds.Add(($"{name}: {m.Operator} at line {m.Line}", "mutant", t.Transformation.File, name, InverseMutations.ClassOf(m.Operator), m.Apply(t.Document.Text)));
}
if (only is not null) seeds = seeds.Where(s => s.Name.Contains(only, StringComparison.OrdinalIgnoreCase)).ToList();

Console.WriteLine($"{seeds.Count} seeded faults ({seeds.Count(s => s.Source == "hand")} hand-written, {seeds.Count(s => s.Source == "mutant")} mutants); {inputs} generated inputs for the restore check");
Console.WriteLine("source\tdetected\tcode heal\tany heal\trestored\tclass ok\tseconds\tfault\ttop heal");
var rows = new List<(string Source, bool Detected, bool Code, bool Any, bool Restored, bool ClassOk, double Seconds)>();
foreach (var seed in seeds)
{
    var files = new MemoryFileSource().AddAll(baseFiles).Add(seed.File, seed.Faulty);
    var engine = Engine.Create(files, settings, EngineHost.System with { Actor = "bench" });
    var heal = new HealRun(engine) { Transformations = n => string.Equals(n, seed.Transformation, StringComparison.OrdinalIgnoreCase), UseConfiguredLlm = false, AnalyseRootCauses = rootCauses };
    var watch = Stopwatch.StartNew();
    HealRunResult result;
    try { result = await heal.SuggestAsync(); }
    catch (Exception e) { Console.WriteLine($"{seed.Source}\terror\t\t\t\t\t\t{seed.Name}\t{e.Message}"); continue; }
    var seconds = watch.Elapsed.TotalSeconds;
    bool detected = result.Run is { Failed: > 0 };
    var code = result.Suggestions.FirstOrDefault(s => s.Kind == HealKinds.Code);
    bool restored = false;
    if (code is not null)
    {
        var healedText = SpanEdits.Apply(seed.Faulty, code.Edits, seed.File)!;
        var healed = analyzer.Patch(original, new Dictionary<string, string?> { [seed.File] = healedText }, runRules: false, rebuildCatalog: false);
        var agreement = await BehaviourComparison.CompareAsync(original, healed, seed.Transformation, engine.Sandboxes.Create, inputs,
            new DateTime(2016, 6, 2, 8, 0, 0), TimeSpan.FromSeconds(10));
        restored = agreement.Restored;
    }
    bool classOk = code is not null && code.BugClass == seed.Class;
    rows.Add((seed.Source, detected, code is not null, result.Suggestions.Count > 0, restored, classOk, seconds));
    Console.WriteLine($"{seed.Source}\t{Yes(detected)}\t{Yes(code is not null)}\t{Yes(result.Suggestions.Count > 0)}\t{Yes(restored)}\t{Yes(classOk)}\t{seconds:0.0}\t{seed.Name}\t{code?.Title ?? result.Suggestions.FirstOrDefault()?.Title ?? "-"}");
}

Console.WriteLine();
foreach (var group in rows.GroupBy(r => r.Source).Append(rows.GroupBy(_ => "all").Single()))
{
    var detected = group.Where(r => r.Detected).ToList();
    var times = detected.Select(r => r.Seconds).Order().ToList();
    double median = times.Count == 0 ? 0 : times[times.Count / 2];
    Console.WriteLine($"{group.Key}: {group.Count()} faults, {detected.Count} detected; of the detected: verified code heal {Pct(detected.Count(r => r.Code), detected.Count)}, " +
        $"any verified heal {Pct(detected.Count(r => r.Any), detected.Count)}, behaviour restored {Pct(detected.Count(r => r.Restored), detected.Count)}, " +
        $"top heal's class = seeded class {Pct(detected.Count(r => r.ClassOk), detected.Count)}; heal search median {median:0.0} s, max {(times.Count == 0 ? 0 : times[^1]):0.0} s per failure");
}

static string Pct(int n, int of) => of == 0 ? "-" : $"{n}/{of} ({100.0 * n / of:0}%)";
static string Yes(bool b) => b ? "yes" : "no";
static int CountOf(string text, string find)
{
    int n = 0;
    for (int i = text.IndexOf(find, StringComparison.Ordinal); i >= 0; i = text.IndexOf(find, i + 1, StringComparison.Ordinal)) n++;
    return n;
}
int Arg(string name, int fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : fallback;
}
static Dictionary<string, IReadOnlyList<string>> TestFilesOf(IFileSource files, WorkspaceSettings settings, WorkspaceAnalysis analysis) =>
    WorkspaceTests.IndexByTransformation(files, settings).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.OrdinalIgnoreCase);
static string FindRoot()
{
    var dir = new DirectoryInfo(AppContext.BaseDirectory);
    while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "EtlAgentIde.sln"))) dir = dir.Parent;
    return dir?.FullName ?? throw new InvalidOperationException("EtlAgentIde.sln not found");
}
