using System.Text.Json.Nodes;
using EtlAgent.LanguageServer.Protocol;
using EtlAgent.LanguageServer.Server;

namespace EtlAgent.LanguageServer.Handlers.Commands;

/// <summary>etlAgent.reindex: re-reads settings and every file of the workspace.</summary>
public sealed class ReindexCommand(ServerContext server) : IServerCommand
{
    public const string CommandId = "etlAgent.reindex";

    public string Id => CommandId;

    public CommandDescriptor Descriptor { get; } = new()
    {
        Id = CommandId,
        Title = "Re-index Workspace",
        ChangesWorkspace = true,
        Returns = "ReindexResult",
    };

    public Task<JsonNode?> ExecuteAsync(JsonArray arguments, CancellationToken cancellationToken)
    {
        server.Reconfigure();
        return Task.FromResult<JsonNode?>(new JsonObject { ["reindexing"] = true });
    }
}
