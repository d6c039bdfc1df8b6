using EtlAgent.LanguageServer.Protocol;
using EtlAgent.LanguageServer.Server;
using StreamJsonRpc;

namespace EtlAgent.LanguageServer.Handlers.TextSync;

/// <summary>textDocument/didOpen: the buffer overlays the file on disk; the document is checked at once.</summary>
public sealed class DidOpenHandler(ServerContext server)
{
    [JsonRpcMethod("textDocument/didOpen", UseSingleObjectParameterDeserialization = true)]
    public void DidOpen(DidOpenTextDocumentParams request)
    {
        server.EnsureInitialized();
        var item = request.TextDocument;
        var path = server.Paths.ToPath(item.Uri);
        lock (server.SyncRoot)
        {
            server.Documents.Open(item.Uri, path, item.Text, item.Version);
            if (!IsTestFile(path)) server.Session.Open(path, item.Text, item.Version);
        }
        server.Drift.Changed(path);
        server.Log.Debug($"open {path} v{item.Version}");
    }

    /// <summary>Sandbox test files (YAML) are kept for lenses and code actions but are not SQL: the session never sees them.</summary>
    internal static bool IsTestFile(string path) => Core.Sandbox.TestFiles.TestFile.IsTestFile(path);
}
