using EtlAgent.Core.Generation;
using EtlAgent.Core.Model;
using EtlAgent.Core.Sandbox;
using EtlAgent.Core.Sandbox.Runner;
using EtlAgent.Core.Sandbox.TestFiles;
using EtlAgent.Core.WorkspaceModel;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace EtlAgent.Core.Healing;

/// <summary>
/// The test-side heal for a generated test file that no longer loads or no longer fits its
/// procedure ("regenerate-test"): a parameter added, removed or renamed, a table or column it names
/// dropped or renamed. Only a file still marked as recorded behaviour (the generator's header,
/// <see cref="GeneratedTestFiles.IsRecorded"/>) is regenerated — a reviewed or hand-written file is
/// a specification, and regenerating it would record whatever the code does now. The generator runs
/// on the current code (<see cref="TestGenerator"/>, a short mutant budget); the new file must load
/// and every case pass. What changes is shown: cases removed and added, and per kept case the
/// expected rows removed and added.
/// </summary>
public sealed class TestRegenerator(WorkspaceAnalysis workspace, WorkspaceAnalyzer analyzer, Func<SandboxSetup, ISandboxFactory> createFactory)
{
    /// <summary>The generation's options: a short mutant budget, as a heal has seconds, not minutes.</summary>
    public GenerationOptions Options { get; init; } = new() { MutationBudget = TimeSpan.FromSeconds(8) };

    /// <summary>Diff lines shown before the rest is counted.</summary>
    private const int MaxDiffLines = 80;

    /// <summary>Why a loaded file no longer fits its procedure: a case stopped by a parameter the call does not give (error 201); null when none was.</summary>
    public static string? Misfit(IReadOnlyList<TestCaseResult> cases) =>
        cases.SelectMany(c => c.Failures).OfType<ErrorMismatch>().FirstOrDefault(f => f.Actual?.Number == 201 && f.Expected is null) is { Actual: { } e }
            ? $"the procedure's parameters changed: {e.Message.TrimEnd('.')}" : null;

    /// <summary>Why an unloadable file does not load, in one line (its first problem).</summary>
    public static string Unloadable(IReadOnlyList<TestFileError> errors) =>
        errors.Count == 0 ? "it no longer loads" : $"it no longer loads: line {errors[0].Line}: {errors[0].Message}";

    /// <returns>The verified heal, or null when the file is not recorded behaviour, its transformation is gone, or no file the tests pass could be generated.</returns>
    public async Task<HealSuggestion?> RegenerateAsync(string path, string text, string reason, CancellationToken cancellationToken = default)
    {
        if (!GeneratedTestFiles.IsRecorded(text)) return null;
        if (TestFileOutline.Read(text)?.TransformationKey is not { } key || workspace.FindTransformation(key) is not { } t) return null;
        var name = t.Transformation.Kind == TransformationKind.Script ? t.Transformation.File : t.Transformation.Name;
        GenerationResult result;
        try { result = await new TestGenerator(workspace, analyzer, createFactory, Options).GenerateAsync(name, path, cancellationToken).ConfigureAwait(false); }
        catch (Exception e) when (e is not OperationCanceledException) { return null; }
        if (result.Text is not { } generated || result.File is null || result.File.Cases.Count == 0) return null;
        var check = await new TestFileHealCheck(workspace, createFactory).RunAsync(path, generated, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (check.Evidence is not { } evidence) return null;
        var (diff, removed, added, changed) = Diff(text, generated);
        var counts = $"−{removed} {Plural(removed, "case")}, +{added} {Plural(added, "case")}, {changed} {Plural(changed, "case")} with other expected rows";
        var candidate = new RepairCandidate(HealKinds.Test, HealClasses.RegenerateTest,
            $"regenerate the generated tests of {name} for the current code ({reason}; {counts}); review them: they record what the code does now",
            LineDiffEdits.Between(path, text, generated), "test") { Diff = diff };
        return new HealSuggestion(HealId.For(path, null, candidate), path, null, candidate, evidence);
    }

    private static string Plural(int n, string word) => n == 1 ? word : word + "s";

    /// <summary>Cases removed and added (by name), and per case kept the expected rows removed and added.</summary>
    internal static (IReadOnlyList<string> Lines, int Removed, int Added, int Changed) Diff(string before, string after)
    {
        var old = ExpectedRows(before);
        var now = ExpectedRows(after);
        var lines = new List<string>();
        int removed = 0, added = 0, changed = 0;
        foreach (var (name, _) in old.Where(o => !now.Any(n => n.Name == o.Name))) { lines.Add($"- case \"{name}\""); removed++; }
        foreach (var (name, _) in now.Where(n => !old.Any(o => o.Name == n.Name))) { lines.Add($"+ case \"{name}\""); added++; }
        foreach (var (name, rows) in now)
        {
            if (old.FirstOrDefault(o => o.Name == name).Rows is not { } was) continue;
            var gone = Minus(was, rows);
            var come = Minus(rows, was);
            if (gone.Count + come.Count == 0) continue;
            changed++;
            lines.AddRange(gone.Select(r => $"  \"{name}\": - {r}"));
            lines.AddRange(come.Select(r => $"  \"{name}\": + {r}"));
        }
        if (lines.Count > MaxDiffLines) lines = lines.Take(MaxDiffLines).Append($"… {lines.Count - MaxDiffLines} more lines").ToList();
        return (lines, removed, added, changed);
    }

    private static List<string> Minus(IReadOnlyList<string> a, IReadOnlyList<string> b)
    {
        var left = b.GroupBy(x => x).ToDictionary(g => g.Key, g => g.Count());
        var result = new List<string>();
        foreach (var x in a)
        {
            if (left.TryGetValue(x, out var n) && n > 0) left[x] = n - 1;
            else result.Add(x);
        }
        return result;
    }

    /// <summary>Each case's expected rows and counts as written ("Table: {…}"), read leniently: a file that does not load still has them.</summary>
    private static List<(string Name, IReadOnlyList<string> Rows)> ExpectedRows(string text)
    {
        var result = new List<(string, IReadOnlyList<string>)>();
        var stream = new YamlStream();
        try { stream.Load(new StringReader(text)); }
        catch (YamlException) { return result; }
        if (stream.Documents.FirstOrDefault()?.RootNode is not YamlMappingNode root || RowSite.Get(root, "cases") is not YamlSequenceNode cases) return result;
        foreach (var c in cases.Children.OfType<YamlMappingNode>())
        {
            if ((RowSite.Get(c, "name") as YamlScalarNode)?.Value is not { } name) continue;
            var rows = new List<string>();
            if (RowSite.Get(c, "expect") is YamlMappingNode expect)
            {
                foreach (var (k, v) in expect.Children)
                {
                    var table = (k as YamlScalarNode)?.Value ?? "";
                    if (table == "row_counts" && v is YamlMappingNode counts)
                        rows.AddRange(counts.Children.Select(x => $"{(x.Key as YamlScalarNode)?.Value}: {(x.Value as YamlScalarNode)?.Value} rows"));
                    var list = v as YamlSequenceNode ?? (v is YamlMappingNode m ? RowSite.Get(m, "rows") as YamlSequenceNode : null);
                    if (list is null) continue;
                    rows.AddRange(list.Children.OfType<YamlMappingNode>().Select(r => $"{table}: {Flow(r)}"));
                }
            }
            result.Add((name, rows));
        }
        return result;
    }

    private static string Flow(YamlMappingNode row) => "{" + string.Join(", ", row.Children.Select(kv =>
    {
        var value = kv.Value as YamlScalarNode;
        var shown = value is null ? "…" : value.Style == ScalarStyle.Plain ? value.Value : $"\"{value.Value}\"";
        return $"\"{RowSite.ColumnName(kv.Key)}\": {shown}";
    })) + "}";
}
