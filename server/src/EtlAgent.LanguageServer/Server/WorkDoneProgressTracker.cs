using System.Collections.Concurrent;
using EtlAgent.LanguageServer.Conversions;
using EtlAgent.LanguageServer.Protocol;

namespace EtlAgent.LanguageServer.Server;

/// <summary>
/// Server-initiated work-done progress for long commands (full run, generate tests):
/// `window/workDoneProgress/create`, then `$/progress` begin / report / end. The user's cancel
/// (`window/workDoneProgress/cancel`) cancels the token <see cref="Begin"/> hands out, linked with
/// the request's own cancellation. When the client started the progress itself (a string
/// `workDoneToken` in the request, as the VS Code extension does to show a notification), that
/// token is used and no create is sent; the client then cancels with $/cancelRequest.
/// Without client support every call is a no-op, the work still runs.
/// </summary>
public sealed class WorkDoneProgressTracker(ServerContext server)
{
    private readonly ConcurrentDictionary<string, CancellationTokenSource> _running = new(StringComparer.Ordinal);
    private int _next;

    /// <summary>The workDoneToken of the request being executed (set by workspace/executeCommand for its handler's async flow).</summary>
    public AsyncLocal<string?> ClientToken { get; } = new();

    /// <summary>Starts a cancellable progress; dispose the result to end it.</summary>
    public async Task<Scope> Begin(string title, string? message, CancellationToken requestCancellation)
    {
        var clientToken = ClientToken.Value;
        var token = clientToken ?? $"etlAgent/work/{Interlocked.Increment(ref _next)}";
        var cancel = CancellationTokenSource.CreateLinkedTokenSource(requestCancellation);
        bool shown = clientToken is not null;
        if (!shown && server.SupportsProgress)
        {
            try
            {
                await server.Rpc.InvokeWithParameterObjectAsync<object?>("window/workDoneProgress/create",
                    new WorkDoneProgressCreateParams { Token = token }, requestCancellation).WaitAsync(TimeSpan.FromSeconds(5), requestCancellation).ConfigureAwait(false);
                shown = true;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                server.Log.Debug($"client refused progress: {e.Message}");
            }
        }
        var scope = new Scope(this, token, cancel, shown);
        _running[token] = cancel;
        if (shown) scope.Send(new WorkDoneProgress { Kind = "begin", Title = title, Cancellable = true, Message = message, Percentage = 0 });
        return scope;
    }

    /// <summary>The client's `window/workDoneProgress/cancel`: the work under that token stops at its next check.</summary>
    public bool Cancel(string token)
    {
        if (!_running.TryGetValue(token, out var cancel)) return false;
        try { cancel.Cancel(); } catch (ObjectDisposedException) { return false; }
        return true;
    }

    public sealed class Scope : IDisposable
    {
        private readonly WorkDoneProgressTracker _owner;
        private readonly CancellationTokenSource _cancel;
        private readonly bool _shown;
        private int _lastPercentage = -1;
        private string? _lastMessage;
        private bool _ended;

        internal Scope(WorkDoneProgressTracker owner, string token, CancellationTokenSource cancel, bool shown)
        {
            _owner = owner;
            Token = token;
            _cancel = cancel;
            _shown = shown;
        }

        public string Token { get; }

        /// <summary>Cancelled by the user (progress cancel button) or the request ($/cancelRequest).</summary>
        public CancellationToken CancellationToken => _cancel.Token;

        /// <summary>A report; repeated identical reports are dropped so a fast loop does not flood the client.</summary>
        public void Report(string message, int percentage)
        {
            lock (this)
            {
                if (_ended || (percentage == _lastPercentage && message == _lastMessage)) return;
                percentage = Math.Max(percentage, _lastPercentage); // VS Code ignores a percentage that goes back
                _lastPercentage = percentage;
                _lastMessage = message;
            }
            Send(new WorkDoneProgress { Kind = "report", Message = message, Percentage = percentage });
        }

        public void End(string? message)
        {
            lock (this)
            {
                if (_ended) return;
                _ended = true;
            }
            Send(new WorkDoneProgress { Kind = "end", Message = message });
        }

        internal void Send(WorkDoneProgress value)
        {
            if (!_shown) return;
            var p = new ProgressParams { Token = Token, Value = LspConvert.ToNode(value) };
            var server = _owner.Server;
            server.Outbox.Post(() => server.Rpc.NotifyWithParameterObjectAsync("$/progress", p));
        }

        public void Dispose()
        {
            End(null);
            _owner._running.TryRemove(Token, out _);
            _cancel.Dispose();
        }
    }

    private ServerContext Server => server;
}
