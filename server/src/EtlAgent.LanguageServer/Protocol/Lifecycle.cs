using System.Text.Json.Nodes;

namespace EtlAgent.LanguageServer.Protocol;

public sealed class InitializeParams
{
    public int? ProcessId { get; set; }
    public ClientInfo? ClientInfo { get; set; }
    public string? RootUri { get; set; }
    public string? RootPath { get; set; }
    public JsonNode? InitializationOptions { get; set; }
    public ClientCapabilities Capabilities { get; set; } = new();
    public string? Trace { get; set; }
    public List<WorkspaceFolder>? WorkspaceFolders { get; set; }
}

public sealed class ClientInfo
{
    public string Name { get; set; } = "";
    public string? Version { get; set; }
}

public sealed class WorkspaceFolder
{
    public string Uri { get; set; } = "";
    public string Name { get; set; } = "";
}

// Only the client capabilities the server looks at; the rest is ignored when deserializing.
public sealed class ClientCapabilities
{
    public WorkspaceClientCapabilities? Workspace { get; set; }
    public WindowClientCapabilities? Window { get; set; }
    public TextDocumentClientCapabilities? TextDocument { get; set; }
}

public sealed class WorkspaceClientCapabilities
{
    public DynamicRegistrationCapability? DidChangeWatchedFiles { get; set; }
    public DynamicRegistrationCapability? DidChangeConfiguration { get; set; }
    public CodeLensWorkspaceClientCapabilities? CodeLens { get; set; }
    public bool? Configuration { get; set; }
}

public sealed class DynamicRegistrationCapability
{
    public bool? DynamicRegistration { get; set; }
}

public sealed class CodeLensWorkspaceClientCapabilities
{
    public bool? RefreshSupport { get; set; }
}

public sealed class WindowClientCapabilities
{
    public bool? WorkDoneProgress { get; set; }
    public ShowDocumentClientCapabilities? ShowDocument { get; set; }
}

public sealed class ShowDocumentClientCapabilities
{
    public bool Support { get; set; }
}

public sealed class TextDocumentClientCapabilities
{
    public PublishDiagnosticsClientCapabilities? PublishDiagnostics { get; set; }
    /// <summary>Absent (Visual Studio's client): the lenses are offered as code actions (Handlers/CodeAction/LensActions).</summary>
    public DynamicRegistrationCapability? CodeLens { get; set; }
}

public sealed class PublishDiagnosticsClientCapabilities
{
    public bool? RelatedInformation { get; set; }
    public bool? VersionSupport { get; set; }
    public bool? CodeDescriptionSupport { get; set; }
    public bool? DataSupport { get; set; }
}

public sealed class InitializeResult
{
    public ServerCapabilities Capabilities { get; set; } = new();
    public ServerInfo? ServerInfo { get; set; }
}

public sealed class ServerInfo
{
    public string Name { get; set; } = "";
    public string? Version { get; set; }
}

public sealed class ServerCapabilities
{
    public string? PositionEncoding { get; set; }
    public TextDocumentSyncOptions? TextDocumentSync { get; set; }
    public CodeLensOptions? CodeLensProvider { get; set; }
    public CodeActionOptions? CodeActionProvider { get; set; }
    public ExecuteCommandOptions? ExecuteCommandProvider { get; set; }
    public ServerWorkspaceCapabilities? Workspace { get; set; }
    /// <summary>Custom requests this server answers (etlAgent/pipelines, etlAgent/lineage).</summary>
    public JsonObject? Experimental { get; set; }
}

public static class TextDocumentSyncKind
{
    public const int None = 0;
    public const int Full = 1;
    public const int Incremental = 2;
}

public sealed class TextDocumentSyncOptions
{
    public bool OpenClose { get; set; }
    public int Change { get; set; }
    public SaveOptions? Save { get; set; }
}

public sealed class SaveOptions
{
    public bool IncludeText { get; set; }
}

public sealed class CodeLensOptions
{
    public bool ResolveProvider { get; set; }
}

public sealed class CodeActionOptions
{
    public List<string>? CodeActionKinds { get; set; }
    public bool ResolveProvider { get; set; }
}

public sealed class ExecuteCommandOptions
{
    public List<string> Commands { get; set; } = new();
}

public sealed class ServerWorkspaceCapabilities
{
    public WorkspaceFoldersServerCapabilities? WorkspaceFolders { get; set; }
}

public sealed class WorkspaceFoldersServerCapabilities
{
    public bool Supported { get; set; }
    public bool ChangeNotifications { get; set; }
}

public sealed class InitializedParams
{
}

public static class TraceValue
{
    public const string Off = "off";
    public const string Messages = "messages";
    public const string Verbose = "verbose";
}

public sealed class SetTraceParams
{
    public string Value { get; set; } = TraceValue.Off;
}

public sealed class LogTraceParams
{
    public string Message { get; set; } = "";
    public string? Verbose { get; set; }
}
