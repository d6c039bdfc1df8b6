using EtlAgent.LanguageServer.Protocol;
using StreamJsonRpc;

namespace EtlAgent.LanguageServer.Server;

/// <summary>
/// Logs to stderr always and, once connected, to the client: window/logMessage for info and
/// above, $/logTrace for details when the client's trace level asks for them. Never to stdout.
/// </summary>
public sealed class Logger
{
    private JsonRpc? _rpc;
    private Outbox? _outbox;
    private volatile string _trace = TraceValue.Off;

    public void Connect(JsonRpc rpc, Outbox outbox)
    {
        _rpc = rpc;
        _outbox = outbox;
    }

    public string Trace
    {
        get => _trace;
        set => _trace = value is TraceValue.Messages or TraceValue.Verbose ? value : TraceValue.Off;
    }

    public void Error(string message, Exception? e = null) => Write(MessageType.Error, e is null ? message : $"{message}: {e}");
    public void Warn(string message) => Write(MessageType.Warning, message);
    public void Info(string message) => Write(MessageType.Info, message);

    /// <summary>Detail for people debugging the server: stderr, and $/logTrace when tracing.</summary>
    public void Debug(string message, string? verbose = null)
    {
        Console.Error.WriteLine($"{DateTime.Now:HH:mm:ss.fff} [debug] {message}");
        var rpc = _rpc;
        if (rpc is null || _outbox is null || _trace == TraceValue.Off) return;
        var p = new LogTraceParams { Message = message, Verbose = _trace == TraceValue.Verbose ? verbose : null };
        _outbox.Post(() => rpc.NotifyWithParameterObjectAsync("$/logTrace", p));
    }

    private void Write(int type, string message)
    {
        var label = type switch { MessageType.Error => "error", MessageType.Warning => "warn", _ => "info" };
        Console.Error.WriteLine($"{DateTime.Now:HH:mm:ss.fff} [{label}] {message}");
        var rpc = _rpc;
        if (rpc is null || _outbox is null) return;
        var p = new LogMessageParams { Type = type, Message = message };
        _outbox.Post(() => rpc.NotifyWithParameterObjectAsync("window/logMessage", p));
    }
}
