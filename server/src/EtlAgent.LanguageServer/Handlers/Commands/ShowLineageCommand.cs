using System.Text.Json.Nodes;
using EtlAgent.Core.Reporting;
using EtlAgent.LanguageServer.Protocol;
using EtlAgent.LanguageServer.Server;
using StreamJsonRpc;

namespace EtlAgent.LanguageServer.Handlers.Commands;

/// <summary>
/// etlAgent.showLineage [name]: returns the transformation's lineage (the etlAgent/lineage JSON)
/// and shows it: as a Markdown page under .etl-agent/lineage/ opened with window/showDocument,
/// or as a message where the client cannot show documents.
/// </summary>
public sealed class ShowLineageCommand(ServerContext server) : IServerCommand
{
    public const string CommandId = "etlAgent.showLineage";

    public string Id => CommandId;

    public CommandDescriptor Descriptor { get; } = new()
    {
        Id = CommandId,
        Title = "Show Lineage",
        Arguments = { CommandArgument.Transformation() },
        Returns = "Lineage",
    };

    public async Task<JsonNode?> ExecuteAsync(JsonArray arguments, CancellationToken cancellationToken)
    {
        var name = ServerCommands.StringArg(arguments, 0)
            ?? throw new LocalRpcException($"{CommandId} takes the transformation's name.") { ErrorCode = ErrorCodes.InvalidParams };
        var snapshot = server.Session.Current;
        var t = snapshot.FindTransformation(name)?.Transformation
            ?? throw new LocalRpcException($"No transformation named '{name}'.") { ErrorCode = ErrorCodes.InvalidParams };

        if (server.SupportsShowDocument)
        {
            var safe = string.Concat(t.Name.Select(c => char.IsLetterOrDigit(c) || c is '.' or '_' or '-' ? c : '_'));
            var relative = $".etl-agent/lineage/{safe}.md";
            var full = server.Paths.ToFullPath(relative);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            await File.WriteAllTextAsync(full, LineageReport.Markdown(t), cancellationToken).ConfigureAwait(false);
            await server.Rpc.InvokeWithParameterObjectAsync<ShowDocumentResult>("window/showDocument",
                new ShowDocumentParams { Uri = server.Paths.ToUri(relative), TakeFocus = true }, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await server.Rpc.NotifyWithParameterObjectAsync("window/showMessage",
                new ShowMessageParams { Type = MessageType.Info, Message = $"{t.Name}: {LineageReport.Summary(t)}" }).ConfigureAwait(false);
        }
        return DiscoveryReport.Transformation(t);
    }
}
