using System.IO.Pipelines;
using System.Text;
using System.Text.Json.Nodes;
using EtlAgent.LanguageServer.Server;

namespace EtlAgent.LanguageServer.Tests.Wire;

/// <summary>
/// The language server in-process over two pipes, with a minimal client that can also send raw,
/// broken bytes. Responses are matched by id; notifications are kept.
/// </summary>
public sealed class PipeClient : IAsyncDisposable
{
    private readonly Pipe _toServer = new();
    private readonly Pipe _fromServer = new();
    private readonly Task<int> _server;
    private readonly Task _reader;
    private readonly Dictionary<int, TaskCompletionSource<JsonObject>> _pending = new();
    private readonly List<JsonObject> _notifications = new();
    private int _nextId;

    public PipeClient()
    {
        _server = Task.Run(() => LanguageServerHost.RunAsync(_toServer.Reader.AsStream(), _fromServer.Writer.AsStream()));
        _reader = Task.Run(ReadLoopAsync);
    }

    public Task<int> Server => _server;

    public IReadOnlyList<JsonObject> Notifications { get { lock (_notifications) return _notifications.ToList(); } }

    public async Task<JsonObject> InitializeAsync(string root)
    {
        var uri = new Uri(root.EndsWith('/') ? root : root + "/").AbsoluteUri.TrimEnd('/');
        var result = await RequestAsync("initialize", new JsonObject
        {
            ["processId"] = null,
            ["rootUri"] = uri,
            ["workspaceFolders"] = new JsonArray(new JsonObject { ["uri"] = uri, ["name"] = "ws" }),
            ["capabilities"] = new JsonObject(),
        });
        await NotifyAsync("initialized", new JsonObject());
        return result;
    }

    /// <summary>Sends a request and returns the whole response (result or error).</summary>
    public Task<JsonObject> RequestAsync(string method, JsonNode? @params, TimeSpan? timeout = null) =>
        RequestAsync(method, @params, Array.Empty<byte>(), timeout);

    /// <summary>A request whose frame follows <paramref name="prefix"/> in the same write (so the server reads them together).</summary>
    public async Task<JsonObject> RequestAsync(string method, JsonNode? @params, byte[] prefix, TimeSpan? timeout = null)
    {
        int id = Interlocked.Increment(ref _nextId);
        var tcs = new TaskCompletionSource<JsonObject>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_pending) _pending[id] = tcs;
        var message = new JsonObject { ["jsonrpc"] = "2.0", ["id"] = id, ["method"] = method };
        if (@params is not null) message["params"] = @params;
        var body = Encoding.UTF8.GetBytes(message.ToJsonString());
        await SendRawAsync(prefix.Concat(Encoding.ASCII.GetBytes($"Content-Length: {body.Length}\r\n\r\n")).Concat(body).ToArray());
        return await tcs.Task.WaitAsync(timeout ?? TimeSpan.FromSeconds(30));
    }

    public Task NotifyAsync(string method, JsonNode? @params)
    {
        var message = new JsonObject { ["jsonrpc"] = "2.0", ["method"] = method };
        if (@params is not null) message["params"] = @params;
        return SendAsync(message.ToJsonString());
    }

    /// <summary>A correctly framed message.</summary>
    public Task SendAsync(string json)
    {
        var body = Encoding.UTF8.GetBytes(json);
        return SendRawAsync(Encoding.ASCII.GetBytes($"Content-Length: {body.Length}\r\n\r\n").Concat(body).ToArray());
    }

    public async Task SendRawAsync(byte[] bytes)
    {
        await _toServer.Writer.WriteAsync(bytes);
        await _toServer.Writer.FlushAsync();
    }

    public async Task CloseInputAsync() => await _toServer.Writer.CompleteAsync();

    private async Task ReadLoopAsync()
    {
        var stream = _fromServer.Reader.AsStream();
        var buffer = new List<byte>();
        var chunk = new byte[8192];
        while (true)
        {
            int read = await stream.ReadAsync(chunk);
            if (read == 0) break;
            buffer.AddRange(chunk.AsSpan(0, read).ToArray());
            while (TryTakeFrame(buffer) is { } json)
            {
                var message = JsonNode.Parse(json)!.AsObject();
                if (message["id"] is { } id && message["method"] is null && id.GetValueKind() == System.Text.Json.JsonValueKind.Number)
                {
                    TaskCompletionSource<JsonObject>? tcs;
                    lock (_pending) _pending.Remove(id.GetValue<int>(), out tcs);
                    tcs?.TrySetResult(message);
                }
                else if (message["id"] is { } requestId && message["method"] is not null)
                {
                    // A server-to-client request (registerCapability, progress): answer null.
                    await SendAsync(new JsonObject { ["jsonrpc"] = "2.0", ["id"] = requestId.DeepClone(), ["result"] = null }.ToJsonString());
                }
                else lock (_notifications) _notifications.Add(message);
            }
        }
    }

    private static string? TryTakeFrame(List<byte> buffer)
    {
        var text = Encoding.ASCII.GetString(buffer.ToArray());
        int end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (end < 0) return null;
        var header = text[..end];
        int length = int.Parse(header.Split("\r\n").First(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))["Content-Length:".Length..].Trim());
        if (buffer.Count < end + 4 + length) return null;
        var json = Encoding.UTF8.GetString(buffer.GetRange(end + 4, length).ToArray());
        buffer.RemoveRange(0, end + 4 + length);
        return json;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await RequestAsync("shutdown", null, TimeSpan.FromSeconds(10));
            await NotifyAsync("exit", null);
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException) { }
        await CloseInputAsync();
        await Task.WhenAny(_server, Task.Delay(TimeSpan.FromSeconds(10)));
    }
}
