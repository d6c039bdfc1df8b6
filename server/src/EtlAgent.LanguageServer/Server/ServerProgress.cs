using System.Collections.Concurrent;
using EtlAgent.LanguageServer.Conversions;
using EtlAgent.LanguageServer.Protocol;

namespace EtlAgent.LanguageServer.Server;

/// <summary>
/// A server-initiated work-done progress for a long command (window/workDoneProgress/create, then
/// $/progress begin/report/end), cancellable from the client's progress UI: its
/// <see cref="Token"/> is cancelled by the request's own cancellation ($/cancelRequest) or by
/// window/workDoneProgress/cancel for its progress token. Without client support it only carries
/// the cancellation.
/// </summary>
public sealed class ServerProgress : IAsyncDisposable
{
    private static readonly ConcurrentDictionary<string, CancellationTokenSource> Running = new(StringComparer.Ordinal);
    private readonly ServerContext _server;
    private readonly string _progressToken = $"etlAgent/{Guid.NewGuid():N}";
    private readonly CancellationTokenSource _cts;
    private bool _started;
    private int _lastPercentage = -1;

    private ServerProgress(ServerContext server, CancellationToken requestCancellation)
    {
        _server = server;
        _cts = CancellationTokenSource.CreateLinkedTokenSource(requestCancellation);
        Running[_progressToken] = _cts;
    }

    public CancellationToken Token => _cts.Token;

    /// <summary>window/workDoneProgress/cancel: cancels the progress's work, if it is still running.</summary>
    public static void Cancel(string progressToken)
    {
        if (Running.TryGetValue(progressToken, out var cts)) cts.Cancel();
    }

    public static async Task<ServerProgress> BeginAsync(ServerContext server, string title, string? message, CancellationToken requestCancellation)
    {
        var progress = new ServerProgress(server, requestCancellation);
        if (!server.SupportsProgress) return progress;
        try
        {
            await server.Rpc.InvokeWithParameterObjectAsync<object?>("window/workDoneProgress/create",
                new WorkDoneProgressCreateParams { Token = progress._progressToken }).WaitAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
            progress._started = true;
            progress.Send(new WorkDoneProgress { Kind = "begin", Title = title, Cancellable = true, Message = message, Percentage = 0 });
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            server.Log.Debug($"client refused progress: {e.Message}");
        }
        return progress;
    }

    public void Report(int percentage, string message)
    {
        if (!_started || percentage == _lastPercentage) return;
        _lastPercentage = percentage;
        Send(new WorkDoneProgress { Kind = "report", Message = message, Percentage = Math.Clamp(percentage, 0, 100) });
    }

    private void Send(WorkDoneProgress value)
    {
        var p = new ProgressParams { Token = _progressToken, Value = LspConvert.ToNode(value) };
        _server.Outbox.Post(() => _server.Rpc.NotifyWithParameterObjectAsync("$/progress", p));
    }

    public ValueTask DisposeAsync()
    {
        Running.TryRemove(_progressToken, out _);
        if (_started) Send(new WorkDoneProgress { Kind = "end", Message = _cts.IsCancellationRequested ? "cancelled" : "done" });
        _cts.Dispose();
        return ValueTask.CompletedTask;
    }
}
