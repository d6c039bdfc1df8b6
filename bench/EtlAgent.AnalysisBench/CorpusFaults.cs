using System.Text.Json;
using EtlAgent.Core.Agent;
using EtlAgent.Core.Analysis;
using EtlAgent.Core.Model;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Sandbox.TestFiles;
using EtlAgent.Core.Workspace;
using EtlAgent.Core.WorkspaceModel;

namespace EtlAgent.AnalysisBench;

/// <summary>A corpus procedure and the ids of the project's mutants of it that the benchmark seeds (ids are stable for a text).</summary>
public sealed record CorpusProcedure(string Transformation, IReadOnlyList<int> Mutants);

/// <summary>One public corpus (a folder under the corpora root) at a commit, with the procedures the benchmark uses.</summary>
public sealed record CorpusEntry(string Name, string Commit, IReadOnlyList<CorpusProcedure> Procedures);

/// <summary>
/// Faults on the public corpora, kept as data (bench/analysis/corpus-faults.json: corpus names,
/// procedure names and mutant ids, never corpus code). The corpus is copied to a work folder first
/// (the corpora are read-only); the faults are made at run time from the mutants of the procedure
/// at the recorded commit, and what the analysis should name is decided from the edit, as for the
/// warehouse's mutants.
/// </summary>
public static class CorpusFaults
{
    public static List<CorpusEntry> Read(string path) => JsonSerializer.Deserialize<List<CorpusEntry>>(File.ReadAllText(path), Fault.Json)!;

    public static void Write(string path, IEnumerable<CorpusEntry> entries) => File.WriteAllText(path, JsonSerializer.Serialize(entries, Fault.Json) + "\n");

    /// <summary>The corpus copied to the work folder (once), or null with the reason when it is not there.</summary>
    public static string? Copy(string corpora, string work, string name, out string? why)
    {
        why = null;
        var source = Path.Combine(corpora, name);
        if (!Directory.Exists(source)) { why = $"{source} is absent"; return null; }
        var dest = Path.Combine(work, name);
        if (!Directory.Exists(dest))
        {
            foreach (var dir in Directory.EnumerateDirectories(source, "*", SearchOption.AllDirectories))
                Directory.CreateDirectory(Path.Combine(dest, Path.GetRelativePath(source, dir)));
            Directory.CreateDirectory(dest);
            foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
                File.Copy(file, Path.Combine(dest, Path.GetRelativePath(source, file)), overwrite: true);
        }
        return dest;
    }

    public static string CommitOf(string folder) =>
        File.Exists(Path.Combine(folder, ".source-commit")) ? File.ReadAllText(Path.Combine(folder, ".source-commit")).Trim() : "";

    /// <summary>The workspace without test files of its own (the benchmark generates its tests on the original code).</summary>
    public static (Engine Engine, WorkspaceAnalysis Analysis) Open(string folder)
    {
        var files = new MemoryFileSource().AddAll(new PhysicalFileSource(folder), p => !p.StartsWith("tests/", StringComparison.Ordinal) && !TestFile.IsTestFile(p));
        var engine = Engine.Create(files, WorkspaceSettings.Load(files), EngineHost.System);
        return (engine, engine.Analyze(retainSyntax: true));
    }

    /// <summary>
    /// A test file worth seeding faults under: a case expects no error, and a table ends different
    /// from its given rows (rows or a row count), or the call returns rows.
    /// </summary>
    public static bool NonTrivial(TestFile file) => file.Cases.Any(c =>
        c.Expect.Error is null
        && (c.Expect.Result is { Rows.Count: > 0 }
            || c.Expect.RowCounts.Any(rc => rc.Count != GivenRows(c, rc.Table).Count)
            || c.Expect.Tables.Any(t => t.Table is { } name && !SameRows(t, GivenRows(c, name)))));

    private static IReadOnlyList<TestRow> GivenRows(TestCase c, QualifiedName table) =>
        c.Given.FirstOrDefault(g => g.Table == table)?.Rows ?? Array.Empty<TestRow>();

    private static bool SameRows(RowsExpectation e, IReadOnlyList<TestRow> given)
    {
        var columns = e.ComparedColumns;
        List<string> Canon(IEnumerable<TestRow> rows) => rows.Select(r => string.Join("\u0001", columns.Select(c => Convert.ToString(r[c], System.Globalization.CultureInfo.InvariantCulture) ?? "\u0000"))).Order(StringComparer.Ordinal).ToList();
        return Canon(e.Rows).SequenceEqual(Canon(given));
    }

    /// <summary>The faults of one corpus entry, made from the mutants at the recorded ids (an id the text no longer has is reported and left out).</summary>
    public static List<Fault> Faults(CorpusEntry entry, WorkspaceAnalysis analysis, Action<string> log)
    {
        var faults = new List<Fault>();
        foreach (var p in entry.Procedures)
        {
            if (analysis.FindTransformation(p.Transformation) is not { HasSyntax: true } t) { log($"{entry.Name}: no procedure {p.Transformation}"); continue; }
            var index = new StatementIndex(t);
            var mutants = FaultMaker.Candidates(t, index, analysis).ToDictionary(m => m.Id);
            foreach (var id in p.Mutants)
                if (mutants.TryGetValue(id, out var m)) faults.Add(FaultMaker.FromMutant(t, index, m, "corpus:" + entry.Name, $"{entry.Name}:{p.Transformation}", analysis));
                else log($"{entry.Name}: {p.Transformation} has no mutant #{id} (another commit?)");
        }
        return faults;
    }
}
