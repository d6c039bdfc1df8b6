using System.Text.Json.Nodes;
using EtlAgent.Core.Reporting;
using EtlAgent.LanguageServer.Conversions;
using EtlAgent.LanguageServer.Protocol;
using EtlAgent.LanguageServer.Server;
using StreamJsonRpc;

namespace EtlAgent.LanguageServer.Handlers.Commands;

/// <summary>
/// etlAgent.showFindings [uri, name]: returns the findings inside the transformation and moves
/// the editor to the first one (window/showDocument with a selection), or lists them in a message.
/// </summary>
public sealed class ShowFindingsCommand(ServerContext server) : IServerCommand
{
    public const string CommandId = "etlAgent.showFindings";

    public string Id => CommandId;

    public CommandDescriptor Descriptor { get; } = new()
    {
        Id = CommandId,
        Title = "Go to Findings",
        Arguments = { CommandArgument.Document("the document holding the transformation"), CommandArgument.Transformation(optional: true) },
        Returns = "Finding[]",
    };

    public async Task<JsonNode?> ExecuteAsync(JsonArray arguments, CancellationToken cancellationToken)
    {
        var uri = ServerCommands.StringArg(arguments, 0)
            ?? throw new LocalRpcException($"{CommandId} takes a document URI and a transformation name.") { ErrorCode = ErrorCodes.InvalidParams };
        var name = ServerCommands.StringArg(arguments, 1);
        var path = server.Paths.ToPath(uri);
        var snapshot = server.Session.Current;
        var body = name is null ? null : snapshot.TransformationsIn(path).FirstOrDefault(t => t.Transformation.Name == name)?.Transformation.BodyRange;
        var findings = snapshot.FindingsFor(path).Where(f => body is null || body.Value.Contains(f.Location.Range.StartOffset)).ToList();

        if (findings.Count > 0)
        {
            if (server.SupportsShowDocument)
                await server.Rpc.InvokeWithParameterObjectAsync<ShowDocumentResult>("window/showDocument",
                    new ShowDocumentParams { Uri = uri, TakeFocus = true, Selection = LspConvert.Range(findings[0].Location.Range) }, cancellationToken).ConfigureAwait(false);
            else
                await server.Rpc.NotifyWithParameterObjectAsync("window/showMessage", new ShowMessageParams
                {
                    Type = MessageType.Info,
                    Message = string.Join("\n", findings.Select(f => $"{f.RuleId} line {f.Location.Range.Start.Line + 1}: {f.Message}")),
                }).ConfigureAwait(false);
        }
        return new JsonArray(findings.Select(f => (JsonNode)FindingJson.ToJson(f)).ToArray());
    }
}
