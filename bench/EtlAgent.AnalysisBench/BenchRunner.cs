using System.Diagnostics;
using EtlAgent.Core.Agent;
using EtlAgent.Core.Analysis;
using EtlAgent.Core.Generation;
using EtlAgent.Core.Mutation;
using EtlAgent.Core.Sandbox.Runner;
using EtlAgent.Core.Sandbox.TestFiles;
using EtlAgent.Core.WorkspaceModel;

namespace EtlAgent.AnalysisBench;

/// <summary>What the analysis named for one fault in one mode.</summary>
public sealed record ModeResult(bool Statement, bool StatementAndColumn, bool Class, int? Rank, double Seconds, string? Evidence, string? NamedClass, int? NamedLine, IReadOnlyList<string>? NamedColumns);

/// <summary>
/// One fault's outcome: detected by the generated tests, then the analysis without and with the last green version
/// (the original text given directly), and, with --memory-base, with the base the memory kept from a green run of the original.
/// </summary>
public sealed record FaultResult(Fault Fault, bool Detected, string? Failure, ModeResult? WithoutBase, ModeResult? WithBase, ModeResult? WithMemory = null);

/// <summary>
/// Runs the faults of one workspace: tests generated once per transformation on the original code
/// (the hand-written test files are not used), each fault applied alone, the tests run, and the
/// first failing case analysed without and with the original as the last green version.
/// </summary>
public sealed class BenchRunner(Engine engine, WorkspaceAnalysis analysis, TimeSpan generationBudget, RootCauseOptions options)
{
    private readonly Dictionary<string, TestFile?> _tests = new(StringComparer.Ordinal);

    /// <summary>
    /// A folder the generated tests are kept in (one file per transformation), so a second run (another
    /// shard, or the same faults after a change to the analysis) measures on the same tests; null: not kept.
    /// </summary>
    public string? TestCache { get; init; }

    /// <summary>
    /// Also analyse with the base the user's path gives: a memory store that a green run of the original
    /// tests filled (<see cref="RunMemory.Record"/>), read back through <see cref="BaseVersions.Memory"/>.
    /// </summary>
    public bool MemoryBase { get; init; }

    private readonly EtlAgent.Core.Memory.SqliteMemoryStore _memory = new(":memory:", "bench memory");
    private readonly HashSet<string> _recorded = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Runs the tests on the original once per transformation and records the run in the bench's memory (green when every case passed).</summary>
    private async Task RecordGreenRunAsync(string transformation, TestFile tests)
    {
        if (!_recorded.Add(transformation)) return;
        var run = await new TestRunner(analysis, engine.Sandboxes.Create) { CaseTimeout = options.CaseTimeout }.RunAsync(new[] { tests });
        var result = new FullRunResult(analysis, Array.Empty<GeneratedTestFile>(), Array.Empty<string>(), run, Array.Empty<TestFileError>(),
            Array.Empty<EtlAgent.Core.Model.Finding>(), Array.Empty<string>(), run.Elapsed);
        new RunMemory(_memory, $"green-{_recorded.Count}", "bench", engine.Files).Record(result, DateTimeOffset.UnixEpoch.AddMinutes(_recorded.Count), 0,
            Array.Empty<EtlAgent.Core.Model.Finding>(), new[] { tests });
    }

    public async Task<TestFile?> TestsAsync(string transformation)
    {
        if (_tests.TryGetValue(transformation, out var known)) return known;
        var path = $"tests/etl/{transformation}.etltest.yaml";
        var cached = TestCache is null ? null : Path.Combine(TestCache, transformation + ".etltest.yaml");
        if (cached is not null && File.Exists(cached))
        {
            var loaded = new TestFileLoader(analysis).Load(path, await File.ReadAllTextAsync(cached));
            if (loaded.Success) return _tests[transformation] = loaded.File;
        }
        var generator = engine.Generator(analysis, engine.Analyzer(retainSyntax: true), new GenerationOptions { MutationBudget = generationBudget });
        var result = await generator.GenerateAsync(transformation, path);
        if (cached is not null && result.File is { } file)
        {
            Directory.CreateDirectory(TestCache!);
            await File.WriteAllTextAsync(cached, TestFileWriter.Write(file, analysis.Catalog));
        }
        return _tests[transformation] = result.File;
    }

    public async Task<FaultResult> RunAsync(Fault fault)
    {
        var tests = await TestsAsync(fault.Transformation);
        if (tests is null) return new FaultResult(fault, false, "no generated tests", null, null);
        var t = analysis.FindTransformation(fault.Transformation)!;
        var original = t.Document.Text;
        var analyzer = engine.Analyzer(retainSyntax: true);
        var mutated = MutantWorkspace.Create(analysis, analyzer, fault.File, fault.Apply(original));
        if (mutated is null) return new FaultResult(fault, false, "the faulty text does not parse", null, null);
        var run = await new TestRunner(mutated, engine.Sandboxes.Create) { CaseTimeout = options.CaseTimeout }.RunAsync(new[] { tests });
        var failing = run.Cases.FirstOrDefault(c => c.Outcome != TestOutcome.Passed);
        if (failing is null) return new FaultResult(fault, false, null, null, null);
        var passing = run.Cases.Where(c => c.Outcome == TestOutcome.Passed).ToList();

        async Task<ModeResult> Analyse(RootCauseOptions o)
        {
            var watch = Stopwatch.StartNew();
            var a = await new RootCauseAnalyzer(mutated, analyzer, engine.Sandboxes.Create, o).AnalyseAsync(failing, passing, deep: true, CancellationToken.None);
            var seconds = watch.Elapsed.TotalSeconds;
            var ranked = (a.RootCause is null ? Array.Empty<SuspectStatement>() : new[] { a.RootCause }).Concat(a.Candidates).ToList();
            int? rank = ranked.FindIndex(s => s.File == fault.File && s.Line == fault.Line) is var i and >= 0 ? i + 1 : null;
            var root = a.RootCause;
            bool statement = root is not null && root.File == fault.File && root.Line == fault.Line;
            bool column = statement && fault.Column is not null && root!.Columns.Contains(fault.Column, StringComparer.OrdinalIgnoreCase);
            return new ModeResult(statement, column, root?.Class == fault.Class, rank, seconds, a.Evidence, root?.Class, root?.Line, root?.Columns);
        }

        var without = await Analyse(options);
        var with = await Analyse(options with { Bases = BaseVersions.Git("original", path => path == fault.File ? original : null) });
        ModeResult? memory = null;
        if (MemoryBase)
        {
            await RecordGreenRunAsync(fault.Transformation, tests);
            memory = await Analyse(options with { Bases = BaseVersions.Memory(_memory) });
        }
        return new FaultResult(fault, true, failing.Failures.FirstOrDefault()?.Summary, without, with, memory);
    }
}
