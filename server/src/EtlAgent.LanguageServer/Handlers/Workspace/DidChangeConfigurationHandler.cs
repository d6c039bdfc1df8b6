using EtlAgent.LanguageServer.Protocol;
using EtlAgent.LanguageServer.Server;
using StreamJsonRpc;

namespace EtlAgent.LanguageServer.Handlers.Workspace;

/// <summary>workspace/didChangeConfiguration: new include/exclude globs or compatibility level re-index the workspace.</summary>
public sealed class DidChangeConfigurationHandler(ServerContext server)
{
    [JsonRpcMethod("workspace/didChangeConfiguration", UseSingleObjectParameterDeserialization = true)]
    public void DidChangeConfiguration(DidChangeConfigurationParams request)
    {
        server.EnsureInitialized();
        var settings = ClientSettings.From(request.Settings);
        if (settings.SameAs(server.Settings)) return;
        server.Log.Info("settings changed: re-indexing");
        server.Reconfigure(settings);
    }
}
