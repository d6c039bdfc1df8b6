using EtlAgent.LanguageServer.Protocol;
using EtlAgent.LanguageServer.Server;
using StreamJsonRpc;

namespace EtlAgent.LanguageServer.Handlers.TextSync;

/// <summary>textDocument/didClose: the file on disk counts again (or the document leaves the workspace if it has none).</summary>
public sealed class DidCloseHandler(ServerContext server)
{
    [JsonRpcMethod("textDocument/didClose", UseSingleObjectParameterDeserialization = true)]
    public void DidClose(DidCloseTextDocumentParams request)
    {
        server.EnsureInitialized();
        DocumentStore.OpenDocument? doc;
        lock (server.SyncRoot)
        {
            doc = server.Documents.Get(request.TextDocument.Uri);
            server.Documents.Close(request.TextDocument.Uri);
            if (doc is null) return;
            if (DidOpenHandler.IsTestFile(doc.Path)) { server.Drift.Changed(doc.Path); return; } // back to the text on disk
            server.Session.Close(doc.Path);
        }
        if (!server.Session.Files.Disk.Exists(doc.Path))
            server.Outbox.Post(() => server.Rpc.NotifyWithParameterObjectAsync("textDocument/publishDiagnostics",
                new PublishDiagnosticsParams { Uri = doc.Uri }));
    }
}
