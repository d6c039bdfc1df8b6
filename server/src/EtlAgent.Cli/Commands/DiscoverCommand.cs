using EtlAgent.Cli.Output;
using EtlAgent.Core.Reporting;

namespace EtlAgent.Cli.Commands;

internal static class DiscoverCommand
{
    public static async Task<int> RunAsync(CliOptions options, TextWriter stdout, CancellationToken cancellationToken)
    {
        var format = options.Get("--format", "json", "json", "text");
        var (analysis, _, _) = await WorkspaceLoader.AnalyzeAsync(options, cancellationToken);
        var content = format == "json"
            ? DiscoveryReport.Serialize(DiscoveryReport.ToJson(analysis)) + Environment.NewLine
            : TextOutput.Discovery(analysis);
        WorkspaceLoader.Write(options, stdout, content);
        return CliApp.ExitOk;
    }
}
