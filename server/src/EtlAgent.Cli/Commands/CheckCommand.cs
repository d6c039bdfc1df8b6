using System.Text.Json.Nodes;
using EtlAgent.Cli.Output;
using EtlAgent.Core.Model;
using EtlAgent.Core.Reporting;
using EtlAgent.Core.Rules;

namespace EtlAgent.Cli.Commands;

internal static class CheckCommand
{
    public static async Task<int> RunAsync(CliOptions options, TextWriter stdout, CancellationToken cancellationToken)
    {
        var format = options.Get("--format", "text", "text", "json", "sarif");
        var failOn = options.Get("--fail-on", "error", "error", "warning", "never");
        var (analysis, engine, files) = await WorkspaceLoader.AnalyzeAsync(options, cancellationToken);
        // findings someone dismissed (the editor's "Dismiss finding…") are left out, and counted
        var (findings, dismissed) = engine.WithoutDismissed(analysis.Findings);

        string content = format switch
        {
            "sarif" => DiscoveryReport.Serialize(SarifReport.ToJson(findings, RuleRegistry.Kinds, files.Root)) + Environment.NewLine,
            "json" => DiscoveryReport.Serialize(new JsonObject
            {
                ["findings"] = new JsonArray(findings.Select(f => (JsonNode)FindingJson.ToJson(f)).ToArray()),
                ["summary"] = Summary(findings, dismissed),
            }) + Environment.NewLine,
            _ => TextOutput.Findings(findings, analysis.Documents.Count) +
                 (dismissed > 0 ? $"{LineageReport.Count(dismissed, "dismissed finding")} not shown (etl-agent history --rules){Environment.NewLine}" : ""),
        };
        WorkspaceLoader.Write(options, stdout, content);

        var threshold = failOn switch { "warning" => Severity.Warning, "never" => (Severity?)null, _ => Severity.Error };
        return threshold is { } t && findings.Any(f => f.Severity >= t) ? CliApp.ExitFindings : CliApp.ExitOk;
    }

    private static JsonObject Summary(IReadOnlyList<Finding> findings, int dismissed) => new()
    {
        ["dismissed"] = dismissed,
        ["errors"] = findings.Count(f => f.Severity == Severity.Error),
        ["warnings"] = findings.Count(f => f.Severity == Severity.Warning),
        ["information"] = findings.Count(f => f.Severity <= Severity.Information),
    };
}
