using System.Text.Json.Nodes;
using EtlAgent.LanguageServer.Handlers.Commands;
using EtlAgent.LanguageServer.Protocol;
using EtlAgent.LanguageServer.Server;
using StreamJsonRpc;

namespace EtlAgent.LanguageServer.Handlers.Workspace;

/// <summary>workspace/executeCommand: runs one of the commands the server advertised.</summary>
public sealed class ExecuteCommandHandler(ServerContext server, ServerCommands commands)
{
    [JsonRpcMethod("workspace/executeCommand", UseSingleObjectParameterDeserialization = true)]
    public async Task<JsonNode?> ExecuteCommand(ExecuteCommandParams request, CancellationToken cancellationToken)
    {
        server.EnsureInitialized();
        await Task.Yield(); // off the ordered dispatch: commands read snapshots
        var command = commands.Find(request.Command)
            ?? throw new LocalRpcException($"Unknown command '{request.Command}'.") { ErrorCode = ErrorCodes.InvalidParams };
        server.WorkProgress.ClientToken.Value = request.WorkDoneToken is JsonValue t && t.TryGetValue<string>(out var token) ? token : null;
        return await command.ExecuteAsync(request.Arguments ?? new JsonArray(), cancellationToken).ConfigureAwait(false);
    }
}
