using System.Net;
using System.Net.Sockets;

namespace EtlAgent.Core.Tests.Memory;

/// <summary>
/// An HTTP proxy in front of moto_server that answers the first <see cref="Throttle"/> requests
/// with DynamoDB's throttling error (HTTP 400, ProvisionedThroughputExceededException) and
/// forwards the rest: how the memory's retries are tested without an AWS account.
/// </summary>
public sealed class ThrottlingProxy : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly HttpClient _forward = new();
    private readonly string _target;
    private int _seen;

    public ThrottlingProxy(string target, int throttle)
    {
        _target = target.TrimEnd('/');
        Throttle = throttle;
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        Port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _ = Task.Run(LoopAsync);
    }

    public int Port { get; }
    public string Url => $"http://127.0.0.1:{Port}";

    /// <summary>How many requests (from the first) are refused as throttled; int.MaxValue: all.</summary>
    public int Throttle { get; }

    /// <summary>Requests refused as throttled so far.</summary>
    public int Throttled { get; private set; }

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try { context = await _listener.GetContextAsync(); }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException) { return; }
            try { await HandleAsync(context); }
            catch (Exception e) when (e is HttpListenerException or IOException or HttpRequestException) { }
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        using var body = new MemoryStream();
        await context.Request.InputStream.CopyToAsync(body);
        var response = context.Response;
        if (Interlocked.Increment(ref _seen) <= Throttle)
        {
            Throttled++;
            response.StatusCode = 400;
            response.ContentType = "application/x-amz-json-1.0";
            var error = """{"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException","message":"Rate of requests exceeds the allowed throughput."}"""u8.ToArray();
            await response.OutputStream.WriteAsync(error);
            response.Close();
            return;
        }
        using var request = new HttpRequestMessage(new HttpMethod(context.Request.HttpMethod), _target + context.Request.RawUrl)
        {
            Content = new ByteArrayContent(body.ToArray()),
        };
        foreach (string name in context.Request.Headers)
        {
            if (name is "Host" or "Content-Length" or "Connection" or "Expect") continue;
            var value = context.Request.Headers[name]!;
            if (!request.Headers.TryAddWithoutValidation(name, value)) request.Content.Headers.TryAddWithoutValidation(name, value);
        }
        using var answer = await _forward.SendAsync(request);
        response.StatusCode = (int)answer.StatusCode;
        if (answer.Content.Headers.ContentType is { } type) response.ContentType = type.ToString();
        foreach (var (name, values) in answer.Headers) if (name.StartsWith("x-amz", StringComparison.OrdinalIgnoreCase)) response.Headers[name] = string.Join(",", values);
        var bytes = await answer.Content.ReadAsByteArrayAsync();
        await response.OutputStream.WriteAsync(bytes);
        response.Close();
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        _forward.Dispose();
    }
}
