using System.Diagnostics;
using EtlAgent.Core.Agent;
using EtlAgent.Core.Generation;
using EtlAgent.Core.Model;
using EtlAgent.Core.Sandbox;
using EtlAgent.Core.Workspace;
using EtlAgent.Core.WorkspaceModel;

namespace EtlAgent.SandboxBench;

/// <summary>
/// How the per-procedure cost grows with the catalog (issue 12, item 7): for each size, a
/// <see cref="SyntheticCatalog"/> workspace is analysed once, then, through the engine's own
/// composition (its sandbox provider, pool and prepared catalogs), the bench times what every
/// procedure pays again: the sandbox of a procedure made ready (<c>createFactory</c>), its first
/// case (sandbox, given rows, the call, the target read back: the tables it touches translated and
/// created), the next cases, and the whole generation of one simple procedure (candidates, mutants,
/// the self-check). Wall and CPU both: on a shared machine the CPU figure is the steadier one.
/// </summary>
public static class ScaleBench
{
    public static async Task RunAsync(IReadOnlyList<int> sizes, int repeats)
    {
        Console.WriteLine($"Scale benchmark: procedure {SyntheticCatalog.Procedure} (3 tables touched) in catalogs of {string.Join(", ", sizes)} tables; generation: median of {repeats}");
        Console.WriteLine("times as wall / CPU (the CPU figure is the steadier one on a shared machine)");
        Console.WriteLine($"{"tables",7} {"analysis (once)",18} {"prepare",18} {"first case",20} {"next case",18} {"generation",18}  result");
        // JIT and the pool warmed on the smallest size, so the first row is not a cold start
        await MeasureAsync(sizes.Min(), 1, print: false);
        foreach (var size in sizes) await MeasureAsync(size, repeats, print: true);
    }

    private static double Cpu() => Process.GetCurrentProcess().TotalProcessorTime.TotalMilliseconds;

    /// <summary>Wall and CPU milliseconds of one step.</summary>
    private static async Task<(double Wall, double Cpu)> TimeAsync(Func<Task> step)
    {
        var cpu = Cpu();
        var watch = Stopwatch.StartNew();
        await step();
        return (watch.Elapsed.TotalMilliseconds, Cpu() - cpu);
    }

    private static async Task MeasureAsync(int tables, int repeats, bool print)
    {
        var files = SyntheticCatalog.Files(tables);
        // a new engine per size: nothing prepared for this catalog yet
        var engine = Engine.Create(files, WorkspaceSettings.Default, EngineHost.System);
        var analyzer = engine.Analyzer();
        WorkspaceAnalysis analysis = null!;
        var analysing = await TimeAsync(() => { analysis = analyzer.Analyze(files); return Task.CompletedTask; });
        int catalogTables = analysis.Catalog.Tables.Count();

        // a procedure's sandbox made ready (what the generator asks for before its first case), then its first case and the next ones
        ISandboxFactory factory = null!;
        var prepare = await TimeAsync(() => { factory = engine.Sandboxes.Create(new SandboxSetup(analysis, Serves: SyntheticCatalog.Procedure)); return Task.CompletedTask; });
        var first = await TimeAsync(() => RunCaseAsync(factory));
        var next = new List<(double Wall, double Cpu)>();
        for (int i = 0; i < 9; i++) next.Add(await TimeAsync(() => RunCaseAsync(factory)));
        await factory.DisposeAsync();

        var generations = new List<(double Wall, double Cpu)>();
        string result = "";
        for (int r = 0; r < repeats; r++)
        {
            var generator = new TestGenerator(analysis, analyzer, engine.Sandboxes.Create, new GenerationOptions { MutationBudget = TimeSpan.FromMinutes(5) });
            GenerationResult g = null!;
            generations.Add(await TimeAsync(async () => g = await generator.GenerateAsync(SyntheticCatalog.Procedure, "tests/etl/Ledger.LoadEntry0002.etltest.yaml")));
            if (g.File is null) throw new InvalidOperationException($"no tests generated at {tables} tables: {g.NoTestsReason}");
            result = $"{g.File.Cases.Count} cases from {g.Candidates} candidates, {g.MutantsKilled} of {g.Mutants} mutants killed";
        }
        engine.Pool.Dispose();
        if (!print) return;
        static string Ms((double Wall, double Cpu) t) => $"{t.Wall,7:F1} / {t.Cpu,6:F1} ms";
        var nextMedian = (next.Select(x => x.Wall).Order().ElementAt(next.Count / 2), next.Select(x => x.Cpu).Order().ElementAt(next.Count / 2));
        var gen = (generations.Select(x => x.Wall).Order().ElementAt(generations.Count / 2) / 1000, generations.Select(x => x.Cpu).Order().ElementAt(generations.Count / 2) / 1000);
        Console.WriteLine($"{catalogTables,7} {Ms(analysing),18} {Ms(prepare),18} {Ms(first),20} {Ms(nextMedian),18} {gen.Item1,7:F2} / {gen.Item2,5:F2} s  {result}");
    }

    /// <summary>One case of the load: a parent row, a staged row, the call, the target read back.</summary>
    private static async Task RunCaseAsync(ISandboxFactory factory)
    {
        await using var sandbox = await factory.CreateAsync();
        await sandbox.InsertRowsAsync(QualifiedName.Parse("Ledger.Entry0001"), new[] { Row(("Code", "P-1")) });
        await sandbox.InsertRowsAsync(QualifiedName.Parse("Landing.Entry0002"), new[] { Row(("Code", " c-1 "), ("Parent Id", 1), ("Amount", 12.5m), ("Note", "first")) });
        var run = await sandbox.ExecuteAsync(new ExecutionRequest(SyntheticCatalog.Procedure, new Dictionary<string, object?>(), new DateTime(2016, 6, 2, 8, 0, 0)));
        if (run.Error is not null) throw new InvalidOperationException(run.Error.ToString());
        var rows = await sandbox.ReadTableAsync(QualifiedName.Parse("Ledger.Entry0002"));
        if (rows.Count != 1 || !Equals(rows[0]["Code"], "C-1")) throw new InvalidOperationException($"unexpected rows after the load: {rows.Count}");
    }

    private static SandboxRow Row(params (string Column, object? Value)[] values) => new(values.Select(v => KeyValuePair.Create(v.Column, v.Value)));

}
