using EtlAgent.LanguageServer.Protocol;
using EtlAgent.LanguageServer.Server;
using StreamJsonRpc;

namespace EtlAgent.LanguageServer.Handlers.Window;

/// <summary>window/workDoneProgress/cancel: the user pressed Cancel on a server progress (see <see cref="ServerProgress"/>).</summary>
public sealed class WorkDoneProgressCancelHandler
{
    [JsonRpcMethod("window/workDoneProgress/cancel", UseSingleObjectParameterDeserialization = true)]
    public void Cancel(WorkDoneProgressCancelParams request) => ServerProgress.Cancel(request.Token);
}
