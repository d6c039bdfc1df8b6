using EtlAgent.LanguageServer.Server;
using StreamJsonRpc;

namespace EtlAgent.LanguageServer.Handlers.Lifecycle;

/// <summary>exit: end the process, with 0 after shutdown and 1 without (LSP 3.17 §exit).</summary>
public sealed class ExitHandler(ServerContext server)
{
    [JsonRpcMethod("exit")]
    public void Exit() => server.Exit.TrySetResult(server.ShutdownRequested ? 0 : 1);
}
