using EtlAgent.Cli.Output;
using EtlAgent.Core.Reporting;

namespace EtlAgent.Cli.Commands;

internal static class DiscoverCommand
{
    public static async Task<int> RunAsync(CliOptions options, TextWriter stdout, CancellationToken cancellationToken)
    {
        var format = options.Get("--format", "json", "json", "text");
        var (analysis, _, _) = await WorkspaceLoader.AnalyzeAsync(options, cancellationToken);
        if (format == "json")
        {
            // Streamed: a large workspace's lineage is never held as one JSON tree or string.
            WorkspaceLoader.Write(options, stdout, stream =>
            {
                DiscoveryReport.Write(stream, analysis);
                stream.Write(System.Text.Encoding.UTF8.GetBytes(Environment.NewLine));
            });
        }
        else WorkspaceLoader.Write(options, stdout, TextOutput.Discovery(analysis));
        return CliApp.ExitOk;
    }
}
