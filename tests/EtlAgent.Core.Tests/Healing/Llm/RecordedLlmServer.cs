using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace EtlAgent.Core.Tests.Healing.Llm;

/// <summary>
/// A local HTTP server on 127.0.0.1 that plays recorded provider responses (files under
/// tests/fixtures/healing-llm) in order and keeps every request it received, so the product's own
/// clients are tested over real HTTP with the endpoint pointed here, never the network.
/// </summary>
public sealed class RecordedLlmServer : IAsyncDisposable
{
    /// <summary>One recorded answer: the status, the body file (null: empty), and how long to wait before answering.</summary>
    public sealed record Reply(int Status, string? BodyFile, TimeSpan Delay = default, string ContentType = "application/json");

    public sealed record Request(string Method, string Path, IReadOnlyDictionary<string, string> Headers, string Body, DateTime ReceivedUtc)
    {
        /// <summary>Every string value of the JSON body, one a line (what the prompt says, whatever escaping the SDK chose).</summary>
        public string Text
        {
            get
            {
                var sb = new StringBuilder();
                void Walk(JsonElement e)
                {
                    switch (e.ValueKind)
                    {
                        case JsonValueKind.String: sb.AppendLine(e.GetString()); break;
                        case JsonValueKind.Object: foreach (var p in e.EnumerateObject()) Walk(p.Value); break;
                        case JsonValueKind.Array: foreach (var x in e.EnumerateArray()) Walk(x); break;
                    }
                }
                using var doc = JsonDocument.Parse(Body);
                Walk(doc.RootElement);
                return sb.ToString();
            }
        }
    }

    private readonly HttpListener _listener = new();
    private readonly Queue<Reply> _replies;
    private readonly Task _loop;
    private readonly object _gate = new();
    private readonly List<Request> _requests = new();

    public RecordedLlmServer(params Reply[] replies)
    {
        _replies = new Queue<Reply>(replies);
        // a free port: bind port 0, read it, release it for the listener
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        Url = $"http://127.0.0.1:{port}";
        _listener.Prefixes.Add(Url + "/");
        _listener.Start();
        _loop = Task.Run(ServeAsync);
    }

    /// <summary>The base URL to put in etl-agent.json's llm.endpoint.</summary>
    public string Url { get; }

    public IReadOnlyList<Request> Requests { get { lock (_gate) return _requests.ToList(); } }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try { context = await _listener.GetContextAsync(); }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException) { return; }
            _ = Task.Run(() => AnswerAsync(context));
        }
    }

    private async Task AnswerAsync(HttpListenerContext context)
    {
        using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
        var body = await reader.ReadToEndAsync();
        var headers = context.Request.Headers.AllKeys.OfType<string>().ToDictionary(k => k, k => context.Request.Headers[k] ?? "", StringComparer.OrdinalIgnoreCase);
        Reply reply;
        lock (_gate)
        {
            _requests.Add(new Request(context.Request.HttpMethod, context.Request.Url!.AbsolutePath, headers, body, DateTime.UtcNow));
            reply = _replies.Count > 0 ? _replies.Dequeue() : new Reply(599, null);
        }
        try
        {
            if (reply.Delay > TimeSpan.Zero) await Task.Delay(reply.Delay);
            context.Response.StatusCode = reply.Status;
            context.Response.ContentType = reply.ContentType;
            var bytes = reply.BodyFile is null ? Array.Empty<byte>() : await File.ReadAllBytesAsync(Fixture(reply.BodyFile));
            context.Response.ContentLength64 = bytes.Length;
            await context.Response.OutputStream.WriteAsync(bytes);
            context.Response.Close();
        }
        catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or IOException) { } // the client gave up (timeout)
    }

    public static string Fixture(string file) => Path.Combine(TestPaths.Fixture("healing-llm"), file);

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        await _loop;
    }
}
