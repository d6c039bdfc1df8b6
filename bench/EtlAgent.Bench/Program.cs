using EtlAgent.Core.WorkspaceModel;
using System.Diagnostics;
using EtlAgent.Bench;
using EtlAgent.Core.Agent;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Syntax;
using EtlAgent.Core.Workspace;

// Discovery + all rules against raw ScriptDom parsing of the same generated workspace.
// Usage: dotnet run -c Release --project bench/EtlAgent.Bench [-- --groups N --runs R]
//        dotnet run -c Release --project bench/EtlAgent.Bench -- --large-script [MB]   (one 20 MB script: time and peak memory)
if (Array.IndexOf(args, "--large-script") is int ls && ls >= 0)
{
    LargeScript.Run(ls + 1 < args.Length && int.TryParse(args[ls + 1], out var mb) ? mb : 20);
    return;
}
int groups = ArgInt("--groups", 650);
int runs = ArgInt("--runs", 3);

var files = new WorkspaceGenerator().Generate(groups);
long lines = files.Values.Sum(t => t.Count(c => c == '\n'));
long bytes = files.Values.Sum(t => (long)t.Length);
Console.WriteLine($"workspace: {files.Count} files, {lines:N0} lines, {bytes / 1024.0 / 1024.0:F1} MiB of T-SQL");
if (Array.IndexOf(args, "--write") is int w && w >= 0 && w + 1 < args.Length)
{
    // Write the workspace to disk, e.g. to time the CLI end to end: etl-agent check DIR
    foreach (var (path, text) in files)
    {
        var full = Path.Combine(args[w + 1], path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, text);
    }
    Console.WriteLine($"wrote {files.Count} files to {args[w + 1]}");
    return;
}

var source = new MemoryFileSource(files);
var paths = files.Keys.ToList();

double RawParse(int parallelism)
{
    var sw = Stopwatch.StartNew();
    Parallel.ForEach(paths, new ParallelOptions { MaxDegreeOfParallelism = parallelism }, p =>
    {
        var parser = SqlParser.CreateParser(170);
        using var reader = new StringReader(files[p]);
        parser.Parse(reader, out _);
    });
    return sw.Elapsed.TotalMilliseconds;
}

(double Ms, WorkspaceAnalysis Analysis) Analyze(int parallelism)
{
    var analyzer = new WorkspaceAnalyzer(WorkspaceSettings.Default) { MaxDegreeOfParallelism = parallelism, RetainSyntax = false };
    var sw = Stopwatch.StartNew();
    var analysis = analyzer.Analyze(source);
    return (sw.Elapsed.TotalMilliseconds, analysis);
}

if (args.Contains("--phases")) { Phases.Print(files); Phases.Print(files); }

// Warm up both paths (JIT, ScriptDom's static tables).
RawParse(Environment.ProcessorCount);
var warm = Analyze(Environment.ProcessorCount);
Console.WriteLine($"analysis: {warm.Analysis.Transformations.Count} transformations, {warm.Analysis.Catalog.Count} catalog objects, " +
                  $"{warm.Analysis.Transformations.Sum(t => t.Transformation.Columns.Count):N0} column mappings, {warm.Analysis.Findings.Count:N0} findings, " +
                  $"{warm.Analysis.Pipelines.Count} pipelines, {warm.Analysis.RuleFailures.Count} rule failures");
foreach (var g in warm.Analysis.Findings.GroupBy(f => f.RuleId).OrderBy(g => g.Key))
    Console.WriteLine($"  {g.Key}: {g.Count()}");

foreach (var parallelism in new[] { 1, Environment.ProcessorCount })
{
    var parse = new List<double>();
    var analyze = new List<double>();
    for (int i = 0; i < runs; i++)
    {
        GC.Collect();
        parse.Add(RawParse(parallelism));
        GC.Collect();
        analyze.Add(Analyze(parallelism).Ms);
    }
    double p = parse.Min(), a = analyze.Min();
    Console.WriteLine($"threads={parallelism}: raw parse {p:F0} ms (best of {runs}), discovery+rules {a:F0} ms, ratio {a / p:F2}x  [{lines / (a / 1000.0):N0} lines/s]");
}

GC.Collect();
Console.WriteLine($"peak working set: {Process.GetCurrentProcess().PeakWorkingSet64 / 1024.0 / 1024.0:F0} MiB; " +
                  $"managed heap peak (GC info): {GC.GetGCMemoryInfo(GCKind.Any).HeapSizeBytes / 1024.0 / 1024.0:F0} MiB after last collection");
GC.KeepAlive(warm.Analysis);

int ArgInt(string name, int fallback)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], out var v) ? v : fallback;
}
