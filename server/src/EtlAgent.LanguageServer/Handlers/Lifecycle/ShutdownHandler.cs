using EtlAgent.LanguageServer.Server;
using StreamJsonRpc;

namespace EtlAgent.LanguageServer.Handlers.Lifecycle;

/// <summary>shutdown: stop background work and answer null; the process ends on `exit`.</summary>
public sealed class ShutdownHandler(ServerContext server)
{
    [JsonRpcMethod("shutdown")]
    public object? Shutdown()
    {
        server.ShutdownRequested = true;
        server.Log.Info("shutdown");
        server.Dispose();
        return null;
    }
}
