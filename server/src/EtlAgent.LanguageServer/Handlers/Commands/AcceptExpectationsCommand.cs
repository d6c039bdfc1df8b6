using System.Text.Json.Nodes;
using EtlAgent.Core.Generation;
using EtlAgent.Core.Sandbox.TestFiles;
using EtlAgent.Core.Syntax;
using EtlAgent.LanguageServer.Conversions;
using EtlAgent.LanguageServer.Protocol;
using EtlAgent.LanguageServer.Server;
using StreamJsonRpc;

namespace EtlAgent.LanguageServer.Handlers.Commands;

/// <summary>
/// etlAgent.acceptExpectations [uri]: the user reviewed a generated test file; its "recorded
/// behaviour" header becomes the reviewed marker, through workspace/applyEdit so the editor can
/// undo it. From then on generation treats the file as hand-owned (<see cref="GeneratedTestFiles"/>).
/// Also offered as a code action with the same edit. Returns { applied, edit }.
/// </summary>
public sealed class AcceptExpectationsCommand(ServerContext server) : IServerCommand
{
    public const string CommandId = "etlAgent.acceptExpectations";
    public const string Title = "Accept recorded expectations";

    public string Id => CommandId;

    public CommandDescriptor Descriptor { get; } = new()
    {
        Id = CommandId,
        Title = "Accept Recorded Expectations",
        Arguments = { CommandArgument.Document("the generated test file") },
        Cursor = true,
        Returns = "AcceptExpectationsResult",
    };

    public async Task<JsonNode?> ExecuteAsync(JsonArray arguments, CancellationToken cancellationToken)
    {
        var uri = ServerCommands.StringArg(arguments, 0)
            ?? throw new LocalRpcException($"{CommandId} takes the test file's URI.") { ErrorCode = ErrorCodes.InvalidParams };
        var edit = Edit(server, uri)
            ?? throw new LocalRpcException($"{uri} is not a generated test file with recorded expectations to accept.") { ErrorCode = ErrorCodes.InvalidParams };
        var result = await server.Rpc.InvokeWithParameterObjectAsync<ApplyWorkspaceEditResult>("workspace/applyEdit",
            new ApplyWorkspaceEditParams { Label = Title, Edit = edit }, cancellationToken).ConfigureAwait(false);
        bool applied = result?.Applied ?? false;
        server.Log.Info(applied ? $"accepted the recorded expectations of {server.Paths.ToPath(uri)}" : $"the client did not apply the edit to {uri}: {result?.FailureReason}");
        return new JsonObject { ["applied"] = applied, ["edit"] = LspConvert.ToNode(edit) };
    }

    /// <summary>True when the document at <paramref name="uri"/> is a test file that starts with the generated header.</summary>
    public static bool Applies(ServerContext server, string uri) => HeaderRange(server, uri) is not null;

    /// <summary>The edit that replaces the header with the reviewed marker; null when there is nothing to accept.</summary>
    public static WorkspaceEdit? Edit(ServerContext server, string uri) =>
        HeaderRange(server, uri) is { } range
            ? new WorkspaceEdit { Changes = new() { [uri] = new List<TextEdit> { new(range, GeneratedTestFiles.ReviewedMarker) } } }
            : null;

    /// <summary>The header's range at the top of the test file (open buffer first, else the file on disk).</summary>
    public static Protocol.Range? HeaderRange(ServerContext server, string uri)
    {
        var path = server.Paths.ToPath(uri);
        if (!TestFile.IsTestFile(path)) return null;
        string? text = server.Documents.Get(uri)?.Text;
        if (text is null)
        {
            try { text = server.Session.Files.Disk.Exists(path) ? server.Session.Files.Disk.ReadAllText(path) : null; }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { text = null; }
        }
        if (text is null || GeneratedTestFiles.HeaderSpan(text) is not { } span) return null;
        return LspConvert.Range(new LineIndex(text).Range(span.Start, span.Start + span.Length));
    }
}
