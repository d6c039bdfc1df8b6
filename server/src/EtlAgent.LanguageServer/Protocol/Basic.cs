using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace EtlAgent.LanguageServer.Protocol;

// LSP 3.17 base structures, named as the specification names them. Serialized with
// System.Text.Json, camelCase, nulls omitted (see Server/LspJson).

public sealed record Position(int Line, int Character);

public sealed record Range(Position Start, Position End);

public sealed record Location(string Uri, Range Range);

public sealed class TextDocumentIdentifier
{
    public string Uri { get; set; } = "";
}

public sealed class VersionedTextDocumentIdentifier
{
    public string Uri { get; set; } = "";
    public int? Version { get; set; }
}

public sealed class TextDocumentItem
{
    public string Uri { get; set; } = "";
    public string LanguageId { get; set; } = "";
    public int Version { get; set; }
    public string Text { get; set; } = "";
}

public sealed class TextDocumentPositionParams
{
    public TextDocumentIdentifier TextDocument { get; set; } = new();
    public Position Position { get; set; } = new(0, 0);
}

public sealed record TextEdit(Range Range, string NewText);

public sealed class WorkspaceEdit
{
    public Dictionary<string, List<TextEdit>>? Changes { get; set; }
}

public sealed class Command
{
    public string Title { get; set; } = "";
    /// <summary>The command's identifier (the spec's `command` property).</summary>
    [JsonPropertyName("command")]
    public string CommandId { get; set; } = "";
    public JsonArray? Arguments { get; set; }
}

public static class ErrorCodes
{
    public const int ParseError = -32700;
    public const int InvalidRequest = -32600;
    public const int MethodNotFound = -32601;
    public const int InvalidParams = -32602;
    public const int InternalError = -32603;
    public const int ServerNotInitialized = -32002;
    public const int RequestFailed = -32803;
    public const int ContentModified = -32801;
    public const int RequestCancelled = -32800;
}
