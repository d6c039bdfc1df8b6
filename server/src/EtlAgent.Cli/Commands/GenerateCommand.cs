using EtlAgent.Core.Agent;
using EtlAgent.Core.Generation;
using EtlAgent.Core.Model;
using EtlAgent.Core.Reporting;
using EtlAgent.Core.Sandbox;

namespace EtlAgent.Cli.Commands;

/// <summary>
/// `etl-agent generate`: writes a generated test file per procedure that writes tables or returns rows, view and
/// function. A file the generator did not write or that was accepted as reviewed (no generated
/// header) is never overwritten: the new one goes next to it as `.generated.etltest.yaml`, unless
/// --force (<see cref="GeneratedTestFiles.TargetPath"/>).
/// </summary>
internal static class GenerateCommand
{
    public static async Task<int> RunAsync(CliOptions options, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var (engine, files) = await WorkspaceLoader.OpenAsync(options, cancellationToken);
        var analyzer = engine.Analyzer(retainSyntax: true);
        var analysis = analyzer.Analyze(files, cancellationToken: cancellationToken);
        var outDir = (options.GetOptional("--out") ?? "tests/etl").Replace('\\', '/').Trim('/');
        var only = options.GetOptional("--transformation");
        var targets = analysis.Transformations
            // a name defined in several files (a deployment script's copy, …) is generated for once, with the definition in use
            .Where(t => t.Transformation.SupersededBy is null)
            .Where(t => only is null ? DefaultTargets.Includes(t.Transformation, n => analysis.FindTransformation(n)?.Transformation)
                                       || t.Transformation.Kind is TransformationKind.View or TransformationKind.Function
                                     : string.Equals(t.Transformation.Name, only, StringComparison.OrdinalIgnoreCase))
            .ToList();
        if (targets.Count == 0)
            throw new UsageException(only is null ? "no procedure that writes tables or returns rows, view or function in the workspace." : $"no transformation named '{only}'.");
        if (only is null)
            foreach (var o in analysis.Transformations.Select(t => t.Transformation).Where(t => t.SupersededBy is null && Orchestrator.Is(t, n => analysis.FindTransformation(n)?.Transformation)))
                stdout.WriteLine($"SKIP  {o.Name}: {Orchestrator.Reason(o, n => analysis.FindTransformation(n)?.Transformation)}");
        var budget = options.Seconds("--budget", Engine.DefaultMutationBudget);
        engine.Sandboxes.Describe();
        // one stderr line per phase of each generation (candidates, mutants, self-check), not per step
        string current = "", phase = "";
        var generator = engine.Generator(analysis, analyzer, new GenerationOptions
        {
            MutationBudget = budget, UseMutants = !options.Has("--no-mutants"),
            Cap = options.Seconds("--cap", GenerationOptions.DefaultCap),
        }, p =>
        {
            var kind = p.Message.Split(' ', 2)[0];
            if (kind == phase) return;
            phase = kind;
            stderr.WriteLine($"{current}: {p.Message}");
        });
        int written = 0;
        foreach (var t in targets)
        {
            var name = t.Transformation.Name;
            (current, phase) = (name, "");
            if (only is not null && Orchestrator.Is(t.Transformation, n => analysis.FindTransformation(n)?.Transformation))
                stderr.WriteLine($"{name}: orchestrator ({Orchestrator.LoadsRunBy(t.Transformation, n => analysis.FindTransformation(n)?.Transformation).Count} procedures that write tables): every candidate input runs all of them, so this can take minutes (Ctrl+C stops)");
            var g = await engine.GenerateTestFileAsync(generator, name, files, files, outDir, options.Has("--force"), cancellationToken);
            if (g.Result is { } notes)
                foreach (var note in notes.Notes) stderr.WriteLine($"{name}: {note}");
            // suspected bugs: the recorded behaviour breaks an invariant (ETL0104)
            foreach (var f in g.Result?.Findings ?? Array.Empty<Finding>())
                stdout.WriteLine($"{f.Location.File}:{f.Location.Range.Start.Line + 1}:{f.Location.Range.Start.Character + 1}: {f.Severity.ToString().ToLowerInvariant()} {f.RuleId}: {f.Message}");
            if (!g.Written)
            {
                if (g.Failed) stderr.WriteLine(g.Error?.LogText ?? $"{name}: error: {g.Skipped}");
                else stdout.WriteLine($"SKIP  {name}: {g.Skipped}" + (g.Result is { } r ? " " + GenerationTime.Seconds(r.Elapsed, r.CapReached) : ""));
                continue;
            }
            var result = g.Result!;
            written++;
            var score = result.Mutants == 0 ? "" : $", {result.MutantSummary}";
            stdout.WriteLine($"WROTE {g.Path}: {result.File!.Cases.Count} cases from {result.CandidatesRun} candidates{score} {GenerationTime.Seconds(result.Elapsed, result.CapReached)}");
            foreach (var m in result.NotCovered.Take(10))
                stdout.WriteLine($"      no generated input reaches {m.Operator} at {m.File}:{m.Line} ({m.Original} → {m.Mutated})");
            foreach (var m in result.NotKilled.Take(10))
                stdout.WriteLine($"      no generated input tells apart {m.Operator} at {m.File}:{m.Line} ({m.Original} → {m.Mutated})");
            foreach (var m in result.KilledOnlyByLeftOut.Take(10))
                stdout.WriteLine($"      only an error case left out tells apart {m.Operator} at {m.File}:{m.Line} ({m.Original} → {m.Mutated})");
            // per category: why no input can tell them apart (docs/mutation.md)
            foreach (var g2 in result.EquivalentByConstruction.GroupBy(e => e.Category))
                stdout.WriteLine($"      {g2.Count()} equivalent by construction (not counted): {g2.Key}");
        }
        stdout.WriteLine($"{written} test {(written == 1 ? "file" : "files")} written");
        return written > 0 ? CliApp.ExitOk : CliApp.ExitFindings;
    }
}
