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

    public CommandDescriptor Descriptor { get; } = new()
    {
        Id = CommandId,
        Title = "Explain Failure",
        Arguments =
        {
            CommandArgument.Document("the test file (a URI or a workspace path)"),
            new CommandArgument { Name = "case", Description = "the failing case's name, or the 0-based cursor line inside it" },
        },
        Cursor = true,
        Returns = "ExplainFailureResult",
    };

    public async Task<JsonNode?> ExecuteAsync(JsonArray arguments, CancellationToken cancellationToken)
    {
        var file = ServerCommands.StringArg(arguments, 0);
        var path = file is null ? null : file.Contains("://", StringComparison.Ordinal) ? server.Paths.ToPath(file) : file;
        // [uri, line] from a menu or palette: the failing case the cursor is in (the last one starting at or above it)
        var name = arguments.Count > 1 && arguments[1] is JsonValue v && v.TryGetValue<int>(out var line) && path is not null
            ? server.Tests.Heals.FailuresIn(path).Where(c => c.Case.Line - 1 <= line).OrderByDescending(c => c.Case.Line).Select(c => c.Case.Name).FirstOrDefault()
              ?? throw new LocalRpcException($"no case of {path} at or above line {line + 1} failed in the last run.") { ErrorCode = ErrorCodes.InvalidParams }
            : ServerCommands.StringArg(arguments, 1);
        if (path is null || name is null)
            throw new LocalRpcException($"{CommandId} takes the test file and the case's name (or a line inside it).") { ErrorCode = ErrorCodes.InvalidParams };
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
