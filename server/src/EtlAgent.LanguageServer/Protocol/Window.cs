using System.Text.Json.Nodes;

namespace EtlAgent.LanguageServer.Protocol;

public static class MessageType
{
    public const int Error = 1;
    public const int Warning = 2;
    public const int Info = 3;
    public const int Log = 4;
    public const int Debug = 5;
}

public sealed class LogMessageParams
{
    public int Type { get; set; }
    public string Message { get; set; } = "";
}

public sealed class ShowMessageParams
{
    public int Type { get; set; }
    public string Message { get; set; } = "";
}

public sealed class ShowDocumentParams
{
    public string Uri { get; set; } = "";
    public bool? External { get; set; }
    public bool? TakeFocus { get; set; }
    public Range? Selection { get; set; }
}

public sealed class ShowDocumentResult
{
    public bool Success { get; set; }
}

public sealed class WorkDoneProgressCreateParams
{
    public string Token { get; set; } = "";
}

public sealed class ProgressParams
{
    public string Token { get; set; } = "";
    public JsonNode? Value { get; set; }
}

/// <summary>The value of a $/progress notification: kind "begin", "report" or "end".</summary>
public sealed class WorkDoneProgress
{
    public string Kind { get; set; } = "report";
    public string? Title { get; set; }
    public bool? Cancellable { get; set; }
    public string? Message { get; set; }
    public int? Percentage { get; set; }
}

public sealed class WorkDoneProgressCancelParams
{
    public string Token { get; set; } = "";
}
