using EtlAgent.LanguageServer.Protocol;
using EtlAgent.LanguageServer.Server;
using StreamJsonRpc;

namespace EtlAgent.LanguageServer.Handlers.TextSync;

/// <summary>
/// textDocument/didSave: the buffer already holds the saved text, so nothing is re-analysed;
/// a saved manifest reconfigures the workspace.
/// </summary>
public sealed class DidSaveHandler(ServerContext server)
{
    [JsonRpcMethod("textDocument/didSave", UseSingleObjectParameterDeserialization = true)]
    public void DidSave(DidSaveTextDocumentParams request)
    {
        server.EnsureInitialized();
        var path = server.Paths.ToPath(request.TextDocument.Uri);
        if (path is Core.Workspace.WorkspaceSettings.ManifestFile or Core.Workspace.WorkspaceSettings.IgnoreFile)
            server.Reconfigure();
        server.Log.Debug($"saved {path}");
    }
}
