using EtlAgent.LanguageServer.Protocol;
using EtlAgent.LanguageServer.Server;
using StreamJsonRpc;

namespace EtlAgent.LanguageServer.Handlers.Window;

/// <summary>window/workDoneProgress/cancel: the user pressed Cancel on one of our progress notifications.</summary>
public sealed class WorkDoneProgressCancelHandler(ServerContext server)
{
    [JsonRpcMethod("window/workDoneProgress/cancel", UseSingleObjectParameterDeserialization = true)]
    public void Cancel(WorkDoneProgressCancelParams request)
    {
        server.EnsureInitialized();
        server.Log.Info(server.WorkProgress.Cancel(request.Token) ? $"cancelled by the user: {request.Token}" : $"cancel for unknown progress {request.Token}");
    }
}
