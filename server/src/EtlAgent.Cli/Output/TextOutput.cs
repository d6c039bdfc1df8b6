using EtlAgent.Core.WorkspaceModel;
using System.Text;
using EtlAgent.Core.Agent;
using EtlAgent.Core.Model;

namespace EtlAgent.Cli.Output;

/// <summary>Human-readable output: `file:line:col: severity RULE: message`, like compilers print.</summary>
internal static class TextOutput
{
    public static string Findings(IReadOnlyList<Finding> findings, int fileCount)
    {
        var sb = new StringBuilder();
        foreach (var f in findings)
        {
            sb.Append($"{f.Location.File}:{f.Location.Range.Start.Line + 1}:{f.Location.Range.Start.Character + 1}: ");
            sb.Append($"{f.Severity.ToString().ToLowerInvariant()} {f.RuleId}: {f.Message}");
            if (f.Fixes.Count > 0) sb.Append($" [fix: {f.Fixes[0].Title}]");
            sb.AppendLine();
            foreach (var r in f.Related)
                sb.AppendLine($"    {r.Location.File}:{r.Location.Range.Start.Line + 1}:{r.Location.Range.Start.Character + 1}: {r.Message}");
        }
        int errors = findings.Count(f => f.Severity == Severity.Error);
        int warnings = findings.Count(f => f.Severity == Severity.Warning);
        int info = findings.Count - errors - warnings;
        sb.AppendLine($"{findings.Count} findings ({errors} errors, {warnings} warnings, {info} information) in {fileCount} files");
        return sb.ToString();
    }

    private static string TsqltLabel(Core.Model.TsqltRole role) => role switch
    {
        Core.Model.TsqltRole.Framework => "  [tSQLt framework]",
        Core.Model.TsqltRole.Test => "  [tSQLt test]",
        Core.Model.TsqltRole.TestClassCode => "  [tSQLt test class]",
        _ => "",
    };

    public static string Discovery(WorkspaceAnalysis analysis)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"{analysis.Transformations.Count} transformations, {analysis.Catalog.Tables.Count()} tables, {analysis.Catalog.Views.Count()} views, {analysis.Pipelines.Count} pipelines");
        if (analysis.Tsqlt.Summary() is { } tsqlt) sb.AppendLine(tsqlt);
        if (analysis.RestatementSummary() is { } restated) sb.AppendLine(restated);
        sb.AppendLine();
        foreach (var t in analysis.Transformations.Select(t => t.Transformation))
        {
            sb.AppendLine($"{t.Kind.ToString().ToLowerInvariant()} {t.Name}  ({t.File}:{t.HeaderRange.Start.Line + 1}){TsqltLabel(t.Tsqlt)}{(t.SupersededBy is { } used ? $"  [restated: {used} is used]" : "")}");
            if (t.Reads.Count > 0) sb.AppendLine($"  reads:  {string.Join(", ", t.Reads)}");
            if (t.Writes.Count > 0) sb.AppendLine($"  writes: {string.Join(", ", t.Writes)}");
            if (t.Calls.Count > 0) sb.AppendLine($"  calls:  {string.Join(", ", t.Calls)}");
            foreach (var c in t.Columns)
                sb.AppendLine($"  {c.Target} <- {(c.Sources.Count == 0 ? "(none)" : string.Join(", ", c.Sources))} [{c.Mapping.ToString().ToLowerInvariant()}]");
        }
        sb.AppendLine();
        foreach (var p in analysis.Pipelines)
            sb.AppendLine($"pipeline {p.Id}: {string.Join(" -> ", p.Transformations)}");
        var diagnostics = analysis.DiscoveryDiagnostics.ToList();
        if (diagnostics.Count > 0)
        {
            sb.AppendLine();
            foreach (var d in diagnostics)
                sb.AppendLine($"{d.Location.File}:{d.Location.Range.Start.Line + 1}:{d.Location.Range.Start.Character + 1}: {d.Severity.ToString().ToLowerInvariant()} {d.RuleId}: {d.Message}");
        }
        return sb.ToString();
    }
}
