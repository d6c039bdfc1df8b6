using EtlAgent.Core.Agent;
using EtlAgent.Core.Memory;
using EtlAgent.Core.Reporting;

namespace EtlAgent.Cli.Commands;

/// <summary>`etl-agent history`: the runs in the workspace's memory, trends, nondeterministic cases and (--rules) dismissals per rule.</summary>
internal static class HistoryCommand
{
    public static async Task<int> RunAsync(CliOptions options, TextWriter stdout, CancellationToken cancellationToken)
    {
        var format = options.Get("--format", "text", "text", "json");
        var (engine, _) = await WorkspaceLoader.OpenAsync(options, cancellationToken);
        RunHistory history;
        try { history = RunHistory.Read(engine.Memory, engine.Clock.UtcNow); }
        catch (MemoryStoreException e) { throw new Core.Workspace.ConfigurationException($"memory: {e.Message}"); }
        bool rules = options.Has("--rules");
        WorkspaceLoader.Write(options, stdout, format == "json" ? DiscoveryReport.Serialize(history.ToJson(rules)) + Environment.NewLine : history.Text(rules));
        return CliApp.ExitOk;
    }
}
