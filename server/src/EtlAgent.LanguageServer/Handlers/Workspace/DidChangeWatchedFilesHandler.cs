using EtlAgent.Core.WorkspaceModel;
using EtlAgent.Core.Agent;
using EtlAgent.Core.Workspace;
using EtlAgent.LanguageServer.Protocol;
using EtlAgent.LanguageServer.Server;
using StreamJsonRpc;

namespace EtlAgent.LanguageServer.Handlers.Workspace;

/// <summary>
/// workspace/didChangeWatchedFiles: files changed outside the editor. The session re-reads them;
/// a changed CREATE TABLE re-checks the procedures that use the table. A changed manifest reconfigures.
/// </summary>
public sealed class DidChangeWatchedFilesHandler(ServerContext server)
{
    [JsonRpcMethod("workspace/didChangeWatchedFiles", UseSingleObjectParameterDeserialization = true)]
    public void DidChangeWatchedFiles(DidChangeWatchedFilesParams request)
    {
        server.EnsureInitialized();
        var changes = request.Changes.Select(c => (Path: server.Paths.ToPath(c.Uri), Kind: c.Type switch
        {
            FileChangeType.Created => FileChangeKind.Created,
            FileChangeType.Deleted => FileChangeKind.Deleted,
            _ => FileChangeKind.Changed,
        })).ToList();
        if (changes.Any(c => c.Path is WorkspaceSettings.ManifestFile or WorkspaceSettings.IgnoreFile))
        {
            server.Log.Info("workspace settings changed: re-indexing");
            server.Reconfigure();
            return;
        }
        if (changes.Any(c => Core.Sandbox.TestFiles.TestFile.IsTestFile(c.Path)))
        {
            // A test file was added, edited or removed: lenses re-read which transformations have tests.
            server.Tests.Invalidate();
            foreach (var c in changes) server.Drift.Changed(c.Path);
            if (server.SupportsCodeLensRefresh)
                server.Outbox.Post(() => server.Rpc.InvokeAsync<object?>("workspace/codeLens/refresh"));
        }
        server.Log.Debug($"watched files changed: {string.Join(", ", changes.Select(c => $"{c.Path} ({c.Kind})"))}");
        server.Session.FilesChanged(changes);
    }
}
