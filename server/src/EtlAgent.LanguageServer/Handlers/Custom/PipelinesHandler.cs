using System.Text.Json.Nodes;
using EtlAgent.Core.Reporting;
using EtlAgent.LanguageServer.Protocol;
using EtlAgent.LanguageServer.Server;
using StreamJsonRpc;

namespace EtlAgent.LanguageServer.Handlers.Custom;

/// <summary>etlAgent/pipelines: the discover model, the same JSON as `etl-agent discover --format json`.</summary>
public sealed class PipelinesHandler(ServerContext server)
{
    [JsonRpcMethod(EtlAgentMethods.Pipelines, UseSingleObjectParameterDeserialization = true)]
    public async Task<JsonObject> Pipelines(PipelinesParams? request, CancellationToken cancellationToken)
    {
        server.EnsureInitialized();
        await Task.Yield();
        var snapshot = await server.CurrentSnapshotAsync(cancellationToken).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        return DiscoveryReport.ToJson(snapshot.Analysis);
    }
}
