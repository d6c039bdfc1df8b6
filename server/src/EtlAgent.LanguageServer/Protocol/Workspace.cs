using System.Text.Json.Nodes;

namespace EtlAgent.LanguageServer.Protocol;

public static class FileChangeType
{
    public const int Created = 1;
    public const int Changed = 2;
    public const int Deleted = 3;
}

public sealed class FileEvent
{
    public string Uri { get; set; } = "";
    public int Type { get; set; }
}

public sealed class DidChangeWatchedFilesParams
{
    public List<FileEvent> Changes { get; set; } = new();
}

public sealed class FileSystemWatcher
{
    public string GlobPattern { get; set; } = "";
    public int? Kind { get; set; }
}

public sealed class DidChangeWatchedFilesRegistrationOptions
{
    public List<FileSystemWatcher> Watchers { get; set; } = new();
}

public sealed class Registration
{
    public string Id { get; set; } = "";
    public string Method { get; set; } = "";
    public JsonNode? RegisterOptions { get; set; }
}

public sealed class RegistrationParams
{
    public List<Registration> Registrations { get; set; } = new();
}

public sealed class DidChangeConfigurationParams
{
    public JsonNode? Settings { get; set; }
}

public sealed class ExecuteCommandParams
{
    public string Command { get; set; } = "";
    public JsonArray? Arguments { get; set; }
    /// <summary>Client-initiated progress (WorkDoneProgressParams): integer or string.</summary>
    public JsonNode? WorkDoneToken { get; set; }
}

public sealed class ApplyWorkspaceEditParams
{
    public string? Label { get; set; }
    public WorkspaceEdit Edit { get; set; } = new();
}

public sealed class ApplyWorkspaceEditResult
{
    public bool Applied { get; set; }
    public string? FailureReason { get; set; }
}
