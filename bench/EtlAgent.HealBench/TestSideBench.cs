using System.Diagnostics;
using System.Text.Json;
using EtlAgent.Core.Agent;
using EtlAgent.Core.Generation;
using EtlAgent.Core.Healing;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Sandbox.Runner;
using EtlAgent.Core.Workspace;

/// <summary>
/// The test-side heal evaluation (`--test-side`): hand-written schema and procedure changes of
/// bench/healing/test-side-seeds.json that break the tests rather than the code, applied one at a
/// time to an in-memory copy of the warehouse (after generating the transformation's tests on the
/// original code when the seed says so). Per change: detected (a test file of the transformation no
/// longer loads, or a case fails), a verified heal of the expected class offered, and green after
/// applying the offered heals of that class (the transformation's tests all load and pass).
/// </summary>
internal static class TestSideBench
{
    private sealed record Edit(string File, string Find, string Replace, bool All);

    private sealed record Seed(string Name, string Transformation, string Class, bool Generate, IReadOnlyList<Edit> Edits);

    public static async Task RunAsync(string root, MemoryFileSource baseFiles, WorkspaceSettings settings, string? only)
    {
        var seeds = Read(Path.Combine(root, "bench", "healing", "test-side-seeds.json"));
        if (only is not null) seeds = seeds.Where(s => s.Name.Contains(only, StringComparison.OrdinalIgnoreCase)).ToList();
        Console.WriteLine($"{seeds.Count} test-side changes ({seeds.Count(s => s.Generate)} on generated tests)");
        Console.WriteLine("class\tdetected\tverified heal\tgreen after\tseconds\tchange\ttop heal");
        var rows = new List<(string Class, bool Detected, bool Offered, bool Green, double Seconds)>();
        foreach (var seed in seeds)
        {
            var files = new MemoryFileSource().AddAll(baseFiles);
            if (seed.Generate)
            {
                try { files = await WithGeneratedTestsAsync(files, settings, seed.Transformation); }
                catch (InvalidOperationException ex) { Console.WriteLine($"{seed.Class}\tskipped\t\t\t\t{seed.Name}\t{ex.Message}"); continue; }
            }
            foreach (var e in seed.Edits)
            {
                var text = files.ReadAllText(e.File);
                if (e.All ? Count(text, e.Find) == 0 : Count(text, e.Find) != 1)
                    throw new InvalidOperationException($"seed \"{seed.Name}\": the text to replace is not found {(e.All ? "" : "exactly once ")}in {e.File}");
                files.Add(e.File, text.Replace(e.Find, e.Replace, StringComparison.Ordinal));
            }
            var engine = Engine.Create(files, settings, EngineHost.System with { Actor = "bench" });
            bool Mine(string name) => string.Equals(name, seed.Transformation, StringComparison.OrdinalIgnoreCase);
            var heal = new HealRun(engine) { Transformations = Mine, UseConfiguredLlm = false };
            var watch = Stopwatch.StartNew();
            HealRunResult result;
            try { result = await heal.SuggestAsync(); }
            catch (Exception ex) { Console.WriteLine($"{seed.Class}\terror\t\t\t\t{seed.Name}\t{ex.Message}"); continue; }
            var seconds = watch.Elapsed.TotalSeconds;
            var testFiles = WorkspaceTests.IndexByTransformation(files, settings).GetValueOrDefault(seed.Transformation) ?? Array.Empty<string>();
            bool detected = result.FileErrors.Any(e => testFiles.Contains(e.File)) || result.Run is { Failed: > 0 };
            var offered = result.Suggestions.Where(s => s.BugClass == seed.Class).ToList();
            bool green = offered.Count > 0 && await GreenAfterAsync(files, settings, seed.Transformation, offered);
            rows.Add((seed.Class, detected, offered.Count > 0, green, seconds));
            Console.WriteLine($"{seed.Class}\t{Yes(detected)}\t{Yes(offered.Count > 0)}\t{Yes(green)}\t{seconds:0.0}\t{seed.Name}\t{offered.FirstOrDefault()?.Title ?? result.Suggestions.FirstOrDefault()?.Title ?? "-"}");
            foreach (var d in offered.FirstOrDefault()?.Candidate.Diff.Take(6) ?? Enumerable.Empty<string>()) Console.WriteLine($"\t\t\t\t\t    {d}");
        }
        Console.WriteLine();
        foreach (var group in rows.GroupBy(r => r.Class).Append(rows.GroupBy(_ => "all test-side").Single()))
        {
            var detected = group.Where(r => r.Detected).ToList();
            var times = detected.Select(r => r.Seconds).Order().ToList();
            double median = times.Count == 0 ? 0 : times[times.Count / 2];
            Console.WriteLine($"{group.Key}: {group.Count()} changes, {detected.Count} detected; of the detected: verified heal offered {Pct(detected.Count(r => r.Offered), detected.Count)}, " +
                $"tests green after applying it {Pct(detected.Count(r => r.Green), detected.Count)}; heal run median {median:0.0} s, max {(times.Count == 0 ? 0 : times[^1]):0.0} s");
        }
    }

    /// <summary>The transformation's hand-written tests replaced by tests generated on the original code (recorded behaviour).</summary>
    private static async Task<MemoryFileSource> WithGeneratedTestsAsync(MemoryFileSource files, WorkspaceSettings settings, string transformation)
    {
        var engine = Engine.Create(files, settings, EngineHost.System with { Actor = "bench" });
        var analysis = engine.Analyze();
        var path = $"tests/generated/{GeneratedTestFiles.FileStem(transformation)}.etltest.yaml";
        var generated = await new TestGenerator(analysis, engine.Analyzer(), engine.Sandboxes.Create, new GenerationOptions { MutationBudget = TimeSpan.FromSeconds(15) })
            .GenerateAsync(transformation, path);
        if (generated.Text is null) throw new InvalidOperationException($"no tests could be generated for {transformation}: {generated.NoTestsReason}");
        var handWritten = WorkspaceTests.IndexByTransformation(files, settings).GetValueOrDefault(transformation) ?? Array.Empty<string>();
        return new MemoryFileSource().AddAll(files, f => !handWritten.Contains(f)).Add(path, generated.Text);
    }

    /// <summary>The offered heals applied together (each edits its own case, or the whole file), then the transformation's tests run.</summary>
    private static async Task<bool> GreenAfterAsync(MemoryFileSource files, WorkspaceSettings settings, string transformation, IReadOnlyList<HealSuggestion> heals)
    {
        var healed = new MemoryFileSource().AddAll(files);
        foreach (var file in heals.GroupBy(h => h.File))
        {
            // a heal of the whole file stands alone; heals of single cases edit different lines
            var chosen = file.FirstOrDefault(h => h.Case is null) is { } whole ? new[] { whole } : file.ToArray();
            if (SpanEdits.Apply(healed.ReadAllText(file.Key), chosen.SelectMany(h => h.Edits).ToList(), file.Key) is not { } text) return false;
            healed.Add(file.Key, text);
        }
        var run = await Engine.Create(healed, settings, EngineHost.System with { Actor = "bench" }).RunTestsAsync(transformation);
        return run.FileErrors.Count == 0 && run.Run is { Failed: 0 };
    }

    private static List<Seed> Read(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        return doc.RootElement.GetProperty("seeds").EnumerateArray().Select(s => new Seed(
            s.GetProperty("name").GetString()!, s.GetProperty("transformation").GetString()!, s.GetProperty("class").GetString()!,
            s.TryGetProperty("generate", out var g) && g.GetBoolean(),
            s.GetProperty("edits").EnumerateArray().Select(e => new Edit(e.GetProperty("file").GetString()!, e.GetProperty("find").GetString()!, e.GetProperty("replace").GetString()!,
                e.TryGetProperty("all", out var all) && all.GetBoolean())).ToList())).ToList();
    }

    private static string Yes(bool b) => b ? "yes" : "no";

    private static string Pct(int n, int of) => of == 0 ? "-" : $"{n}/{of} ({100.0 * n / of:0}%)";

    private static int Count(string text, string find)
    {
        int n = 0;
        for (int i = text.IndexOf(find, StringComparison.Ordinal); i >= 0; i = text.IndexOf(find, i + 1, StringComparison.Ordinal)) n++;
        return n;
    }
}
