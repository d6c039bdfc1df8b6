using EtlAgent.LanguageServer.Protocol;
using EtlAgent.LanguageServer.Server;
using StreamJsonRpc;

namespace EtlAgent.LanguageServer.Handlers.Lifecycle;

/// <summary>$/setTrace: how much the server sends as $/logTrace.</summary>
public sealed class SetTraceHandler(ServerContext server)
{
    [JsonRpcMethod("$/setTrace", UseSingleObjectParameterDeserialization = true)]
    public void SetTrace(SetTraceParams request)
    {
        server.Log.Trace = request.Value;
        server.Log.Debug($"trace set to {server.Log.Trace}");
    }
}
