using EtlAgent.Core.MutationAnalysis;
using System.Text.Json;
using System.Text.Json.Nodes;
using EtlAgent.Core.Mutation;
using EtlAgent.Core.Sandbox;
using EtlAgent.Core.Sandbox.Runner;
using EtlAgent.Core.Sandbox.TestFiles;

namespace EtlAgent.Cli.Commands;

/// <summary>`etl-agent mutate`: mutation analysis of the transformations that have tests.</summary>
internal static class MutateCommand
{
    public static async Task<int> RunAsync(CliOptions options, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var format = options.Get("--format", "text", "text", "json");
        var (engine, files) = await WorkspaceLoader.OpenAsync(options, cancellationToken);
        var analyzer = engine.Analyzer(retainSyntax: true);
        var analysis = analyzer.Analyze(files, cancellationToken: cancellationToken);
        var index = WorkspaceTests.IndexByTransformation(files, engine.Settings);
        var only = options.GetOptional("--transformation");
        // the workspace's names, found in the index as the loader resolves a file's transformation
        var names = analysis.Transformations.Where(t => t.HasSyntax && index.ContainsKey(t.Transformation.Name))
            .Select(t => t.Transformation.Name)
            .Where(n => only is null || TestFileOutline.NameComparer.Equals(n, only))
            .Distinct(StringComparer.OrdinalIgnoreCase).OrderBy(n => n, StringComparer.OrdinalIgnoreCase).ToList();
        if (names.Count == 0) throw new UsageException(only is null ? "no transformation with tests." : $"'{only}' has no test file.");
        engine.Sandboxes.Describe();
        var runner = engine.MutationRunner(analysis, analyzer);
        var all = new List<(string Name, MutationReport Report)>();
        foreach (var name in names)
        {
            var loaded = new TestFileLoader(analysis).LoadAll(files, index[name]);
            if (loaded.Any(l => !l.Success)) { stderr.WriteLine($"{name}: test files do not load; skipped"); continue; }
            var report = await runner.RunAsync(name, loaded.Select(l => l.File!).ToList(), cancellationToken);
            all.Add((name, report));
            if (format == "text")
            {
                stdout.WriteLine($"{name}: {Summary(report.Mutants, report.Killed, report.NotCovered, report.Equivalent, report.Survived, report.Score, report.EquivalentByConstruction.Count)}, " +
                                 $"{report.Elapsed.TotalSeconds:0.0} s ({report.Mutants / Math.Max(0.001, report.Elapsed.TotalSeconds):0.0} mutants/s)");
                foreach (var r in report.Results.Where(r => r.Status == MutantStatus.Survived))
                {
                    stdout.WriteLine($"  SURVIVED {r.Mutant.Operator} at {r.Mutant.File}:{r.Mutant.Line}: {r.Mutant.Original} → {r.Mutant.Mutated}");
                    stdout.WriteLine($"           {SurvivorExplanation.Explain(r.Mutant)}");
                }
                foreach (var r in report.Results.Where(r => r.Status == MutantStatus.NotCovered))
                    stdout.WriteLine($"  NOT COVERED {r.Mutant.Operator} at {r.Mutant.File}:{r.Mutant.Line}: {Flat(r.Mutant.Original)} → {Flat(r.Mutant.Mutated)} (no case runs this statement)");
                foreach (var r in report.Results.Where(r => r.Status == MutantStatus.Equivalent))
                    stdout.WriteLine($"  PROBABLY EQUIVALENT {r.Mutant.Operator} at {r.Mutant.File}:{r.Mutant.Line}: {Flat(r.Mutant.Original)} → {Flat(r.Mutant.Mutated)}");
                foreach (var r in report.EquivalentByConstruction)
                    stdout.WriteLine($"  EQUIVALENT BY CONSTRUCTION {r.Mutant.Operator} at {r.Mutant.File}:{r.Mutant.Line}: {Flat(r.Mutant.Original)} → {Flat(r.Mutant.Mutated)} ({r.Category})");
            }
        }
        int n = all.Sum(a => a.Report.Mutants), k = all.Sum(a => a.Report.Killed), s = all.Sum(a => a.Report.Survived), e = all.Sum(a => a.Report.Equivalent);
        int nc = all.Sum(a => a.Report.NotCovered);
        // never run, in no count: SQL Server's semantics make them agree with the original on every input
        int byConstruction = all.Sum(a => a.Report.EquivalentByConstruction.Count);
        // not covered mutants stay in the denominator: a change no test runs is a change no test notices
        double score = n - e == 0 ? 1 : (double)k / (n - e);
        double killedOfAll = n == 0 ? 1 : (double)k / n;
        if (format == "json")
        {
            var survivors = new JsonArray();
            foreach (var (name, report) in all)
            foreach (var r in report.Results.Where(r => r.Status == MutantStatus.Survived))
                survivors.Add(new JsonObject
                {
                    ["transformation"] = name, ["operator"] = r.Mutant.Operator, ["file"] = r.Mutant.File,
                    ["line"] = r.Mutant.Line, ["original"] = r.Mutant.Original, ["mutated"] = r.Mutant.Mutated,
                    ["explanation"] = SurvivorExplanation.Explain(r.Mutant),
                });
            var json = new JsonObject
            {
                ["mutants"] = n, ["killed"] = k, ["survived"] = s, ["equivalent"] = e, ["score"] = Math.Round(score, 4),
                ["notCovered"] = nc, ["killedOfAll"] = Math.Round(killedOfAll, 4), ["equivalentByConstruction"] = byConstruction, ["survivors"] = survivors,
            };
            WorkspaceLoader.Write(options, stdout, json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + Environment.NewLine);
        }
        else stdout.WriteLine($"All: {Summary(n, k, nc, e, s, score, byConstruction)}");
        return s == 0 ? CliApp.ExitOk : CliApp.ExitFindings;
    }

    /// <summary>A mutated span on one line (a deleted statement may span several).</summary>
    private static string Flat(string text) => string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    /// <summary>Killed / all first; then what is not killed, split; the score that excuses the probably equivalent last.</summary>
    private static string Summary(int mutants, int killed, int notCovered, int equivalent, int survived, double score, int byConstruction) =>
        $"{killed} of {mutants} mutants killed ({(mutants == 0 ? 1 : (double)killed / mutants):P1}), {notCovered} not covered, " +
        $"{equivalent} probably equivalent, {survived} survived; score without the probably equivalent {score:P1}" +
        (byConstruction == 0 ? "" : $"; {byConstruction} equivalent by construction (not counted)");
}
