using System.Text.Json.Nodes;
using EtlAgent.LanguageServer.Handlers.CodeAction;
using EtlAgent.LanguageServer.Protocol;
using EtlAgent.LanguageServer.Server;
using StreamJsonRpc;

namespace EtlAgent.LanguageServer.Handlers.Commands;

/// <summary>etlAgent.fixAll [uri]: applies every fix of the document through workspace/applyEdit.</summary>
public sealed class FixAllCommand(ServerContext server) : IServerCommand
{
    public const string CommandId = "etlAgent.fixAll";

    public string Id => CommandId;

    public CommandDescriptor Descriptor { get; } = new()
    {
        Id = CommandId,
        Title = "Fix All Findings in File",
        Arguments = { CommandArgument.Document("the document whose fixes are applied") },
        Cursor = true,
        Returns = "FixAllResult",
    };

    public async Task<JsonNode?> ExecuteAsync(JsonArray arguments, CancellationToken cancellationToken)
    {
        var uri = ServerCommands.StringArg(arguments, 0)
            ?? throw new LocalRpcException($"{CommandId} takes a document URI.") { ErrorCode = ErrorCodes.InvalidParams };
        var snapshot = await server.CurrentSnapshotAsync(cancellationToken).ConfigureAwait(false);
        var edit = FixAll.Edit(snapshot, server.Paths.ToPath(uri), server.Paths, out int count);
        if (count == 0) return new JsonObject { ["applied"] = false, ["fixes"] = 0 };
        var result = await server.Rpc.InvokeWithParameterObjectAsync<ApplyWorkspaceEditResult>("workspace/applyEdit",
            new ApplyWorkspaceEditParams { Label = "ETL Agent: fix all", Edit = edit }, cancellationToken).ConfigureAwait(false);
        return new JsonObject { ["applied"] = result?.Applied ?? false, ["fixes"] = count };
    }
}
