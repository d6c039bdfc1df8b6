using System.Text.Json.Nodes;
using EtlAgent.Core.Agent;
using EtlAgent.LanguageServer.Protocol;
using EtlAgent.LanguageServer.Server;
using StreamJsonRpc;

namespace EtlAgent.LanguageServer.Handlers.Commands;

/// <summary>
/// etlAgent.explainFailure [test file uri or path, case name]: the failing case explained as
/// Markdown by the engine (expected vs actual, the suspect statement, the verified heals); shown
/// as a page under .etl-agent/explain/ with window/showDocument where the client can, and
/// returned as { "markdown": … }.
/// </summary>
public sealed class ExplainFailureCommand(ServerContext server) : IServerCommand
{
    public const string CommandId = "etlAgent.explainFailure";
    public const string LensTitle = "Explain failure";

    public string Id => CommandId;

    public async Task<JsonNode?> ExecuteAsync(JsonArray arguments, CancellationToken cancellationToken)
    {
        var file = ServerCommands.StringArg(arguments, 0);
        var name = ServerCommands.StringArg(arguments, 1);
        if (file is null || name is null)
            throw new LocalRpcException($"{CommandId} takes the test file and the case's name.") { ErrorCode = ErrorCodes.InvalidParams };
        var path = file.Contains("://", StringComparison.Ordinal) ? server.Paths.ToPath(file) : file;
        var failure = server.Tests.Heals.Failure(path, name)
            ?? throw new LocalRpcException($"\"{name}\" in {path} has not failed in the last run.") { ErrorCode = ErrorCodes.InvalidParams };
        var markdown = await Task.Run(() => new HealRun(server.Engine).Explain(failure, server.Tests.Heals.For(path, name)), cancellationToken).ConfigureAwait(false);
        if (server.SupportsShowDocument)
        {
            var safe = string.Concat($"{failure.File.Transformation}-{name}".Select(c => char.IsLetterOrDigit(c) || c is '.' or '_' or '-' ? c : '_'));
            var relative = $".etl-agent/explain/{safe}.md";
            var full = server.Paths.ToFullPath(relative);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            await File.WriteAllTextAsync(full, markdown, cancellationToken).ConfigureAwait(false);
            await server.Rpc.InvokeWithParameterObjectAsync<ShowDocumentResult>("window/showDocument",
                new ShowDocumentParams { Uri = server.Paths.ToUri(relative), TakeFocus = true }, cancellationToken).ConfigureAwait(false);
        }
        return new JsonObject { ["markdown"] = markdown };
    }
}
