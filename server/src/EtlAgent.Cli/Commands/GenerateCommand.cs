using System.Globalization;
using EtlAgent.Core.Generation;
using EtlAgent.Core.Model;
using EtlAgent.Core.Sandbox;

namespace EtlAgent.Cli.Commands;

/// <summary>
/// `etl-agent generate`: writes a generated test file per procedure that writes tables, view and function. A file the
/// generator did not write (no generated header) is never overwritten: the new one goes next to it
/// as `.generated.etltest.yaml`, unless --force.
/// </summary>
internal static class GenerateCommand
{
    public static async Task<int> RunAsync(CliOptions options, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var (analysis, files, analyzer) = await WorkspaceLoader.AnalyzeAsync(options, cancellationToken, retainSyntax: true);
        var outDir = (options.GetOptional("--out") ?? "tests/etl").Replace('\\', '/').Trim('/');
        var only = options.GetOptional("--transformation");
        var targets = analysis.Transformations
            .Where(t => only is null ? (t.Transformation.Kind == TransformationKind.Procedure && t.Transformation.Writes.Count > 0)
                                       || t.Transformation.Kind is TransformationKind.View or TransformationKind.Function
                                     : string.Equals(t.Transformation.Name, only, StringComparison.OrdinalIgnoreCase))
            .ToList();
        if (targets.Count == 0)
            throw new UsageException(only is null ? "no procedure that writes tables, view or function in the workspace." : $"no transformation named '{only}'.");
        var budget = TimeSpan.FromSeconds(45);
        if (options.GetOptional("--budget") is { } b)
        {
            if (!double.TryParse(b, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) || seconds < 0)
                throw new UsageException($"--budget must be a number of seconds; got '{b}'.");
            budget = TimeSpan.FromSeconds(seconds);
        }
        var provider = new SandboxFactoryProvider(analyzer.Settings.Sandbox, files, Environment.GetEnvironmentVariable);
        provider.Describe();
        var generator = new TestGenerator(analysis, analyzer, provider.Create, new GenerationOptions { MutationBudget = budget, UseMutants = !options.Has("--no-mutants") });
        int written = 0;
        foreach (var t in targets)
        {
            var name = t.Transformation.Name;
            var relative = $"{outDir}/{name}{Core.Sandbox.TestFiles.TestFile.Extension}";
            var full = Path.Combine(files.Root, relative);
            if (File.Exists(full) && !options.Has("--force") && !File.ReadAllText(full).StartsWith(TestGenerator.Header.Split('\n')[0], StringComparison.Ordinal))
            {
                relative = $"{outDir}/{name}.generated{Core.Sandbox.TestFiles.TestFile.Extension}";
                full = Path.Combine(files.Root, relative);
            }
            GenerationResult result;
            try { result = await generator.GenerateAsync(name, relative, cancellationToken); }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                stderr.WriteLine($"{name}: generation failed: {e.Message}");
                continue;
            }
            foreach (var note in result.Notes) stderr.WriteLine($"{name}: {note}");
            if (result.File is null || result.File.Cases.Count == 0)
            {
                stdout.WriteLine($"SKIP  {name}: no case could be generated");
                continue;
            }
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllText(full, result.Text);
            written++;
            var score = result.Mutants == 0 ? "" : $", {result.MutantsKilled}/{result.Mutants} mutants told apart";
            stdout.WriteLine($"WROTE {relative}: {result.File.Cases.Count} cases from {result.CandidatesRun} candidates{score} ({result.Elapsed.TotalSeconds:0.0} s)");
            foreach (var m in result.NotKilled.Take(10))
                stdout.WriteLine($"      no generated input tells apart {m.Operator} at {m.File}:{m.Line} ({m.Original} → {m.Mutated})");
        }
        stdout.WriteLine($"{written} test {(written == 1 ? "file" : "files")} written");
        return written > 0 ? CliApp.ExitOk : CliApp.ExitFindings;
    }
}
