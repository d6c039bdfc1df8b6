using EtlAgent.LanguageServer.Protocol;
using EtlAgent.LanguageServer.Server;
using StreamJsonRpc;

namespace EtlAgent.LanguageServer.Handlers.TextSync;

/// <summary>
/// textDocument/didChange (incremental): applies the edits in order and hands the new text to
/// the session, which re-checks it on its worker. Returns at once: a keystroke never waits.
/// </summary>
public sealed class DidChangeHandler(ServerContext server)
{
    [JsonRpcMethod("textDocument/didChange", UseSingleObjectParameterDeserialization = true)]
    public void DidChange(DidChangeTextDocumentParams request)
    {
        server.EnsureInitialized();
        DocumentStore.OpenDocument doc;
        lock (server.SyncRoot)
        {
            doc = server.Documents.Change(request.TextDocument.Uri, request.TextDocument.Version, request.ContentChanges);
            if (!DidOpenHandler.IsTestFile(doc.Path)) server.Session.Change(doc.Path, doc.Text, doc.Version);
        }
        server.Drift.Changed(doc.Path);
    }
}
