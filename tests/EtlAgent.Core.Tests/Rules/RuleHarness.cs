using EtlAgent.Core.WorkspaceModel;
using EtlAgent.Core.Agent;
using EtlAgent.Core.Model;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Rules;
using EtlAgent.Core.Workspace;

namespace EtlAgent.Core.Tests.Rules;

/// <summary>Runs rules on SQL text the way the workspace analyzer does, and applies fixes.</summary>
public static class RuleHarness
{
    public const string SchemaFile = "schema.sql";
    public const string CodeFile = "code.sql";

    /// <summary>Analyses <paramref name="sql"/> (with an optional schema file beside it) and returns its findings.</summary>
    /// <param name="streamed">Analyse as `check` does: syntax dropped, rules run before stand-ins exist.</param>
    public static IReadOnlyList<Finding> Check(string sql, string? schema = null, string? ruleId = null, bool streamed = false)
    {
        var files = new MemoryFileSource().Add(CodeFile, sql);
        if (schema is not null) files.Add(SchemaFile, schema);
        var rules = ruleId is null ? null : RuleRegistry.All.Where(r => r.Id == ruleId);
        var analysis = new WorkspaceAnalyzer(WorkspaceSettings.Default, rules: rules) { RetainSyntax = !streamed }.Analyze(files);
        if (analysis.RuleFailures.Count > 0)
            throw new InvalidOperationException($"rule {analysis.RuleFailures[0].RuleId} threw", analysis.RuleFailures[0].Exception);
        return analysis.Findings.Where(f => f.Location.File == CodeFile && (ruleId is null || f.RuleId == ruleId)).ToList();
    }

    /// <summary>Applies non-overlapping edits to one file's text in a single pass (last first).</summary>
    public static string Apply(string text, IEnumerable<TextEdit> edits)
    {
        var ordered = edits.OrderByDescending(e => e.Range.StartOffset).ThenByDescending(e => e.Range.EndOffset).ToList();
        for (int i = 1; i < ordered.Count; i++)
            if (ordered[i].Range.EndOffset > ordered[i - 1].Range.StartOffset)
                throw new InvalidOperationException($"overlapping edits at {ordered[i].Range} and {ordered[i - 1].Range}");
        foreach (var e in ordered)
            text = text[..e.Range.StartOffset] + e.NewText + text[e.Range.EndOffset..];
        return text;
    }

    /// <summary>Applies the first fix of every finding (of <paramref name="ruleId"/>) to the code file.</summary>
    public static string ApplyFirstFixes(string sql, IEnumerable<Finding> findings) =>
        Apply(sql, findings.Where(f => f.Fixes.Count > 0).SelectMany(f => f.Fixes[0].Edits).Where(e => e.File == CodeFile));

    public static string Normalize(string s) =>
        string.Join("\n", s.Replace("\r\n", "\n").Split('\n').Select(l => l.TrimEnd())).Trim();
}
