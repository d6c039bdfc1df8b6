using System.IO.Pipelines;
using System.Text.Json.Nodes;
using EtlAgent.LanguageServer.Server;
using StreamJsonRpc;

namespace EtlAgent.LanguageServer.Tests;

/// <summary>
/// The language server run in-process over a pair of pipes, with a JSON-RPC client on the other
/// end that speaks to it as an editor would (Content-Length framing, raw JSON): initialize, then
/// wait until the workspace is indexed, keeping the last diagnostics published for each file.
/// </summary>
public sealed class InProcessServer : IAsyncDisposable
{
    private readonly Pipe _toServer = new();
    private readonly Pipe _toClient = new();
    private readonly Task<int> _server;
    private readonly JsonRpc _client;
    private readonly Client _target = new();

    private InProcessServer()
    {
        _server = Task.Run(() => LanguageServerHost.RunAsync(_toServer.Reader.AsStream(), _toClient.Writer.AsStream()));
        // one notification at a time, in arrival order, as an editor handles them: the last
        // publishDiagnostics of a file wins, and "ready" comes after the review's diagnostics
        _client = new JsonRpc(new HeaderDelimitedMessageHandler(_toServer.Writer.AsStream(), _toClient.Reader.AsStream(), new SystemTextJsonFormatter()))
        {
            SynchronizationContext = new Microsoft.VisualStudio.Threading.NonConcurrentSynchronizationContext(sticky: false),
        };
        _client.AddLocalRpcTarget(_target, new JsonRpcTargetOptions { AllowNonPublicInvocation = false });
        _client.StartListening();
    }

    /// <summary>The initialize result as the client received it.</summary>
    public JsonNode InitializeResult { get; private set; } = new JsonObject();

    /// <summary>The last publishDiagnostics of every file that had one, by URI.</summary>
    public IReadOnlyDictionary<string, JsonArray> Diagnostics
    {
        get { lock (_target.Published) return new Dictionary<string, JsonArray>(_target.Published); }
    }

    /// <summary>Sends a request as the editor would and returns the raw answer.</summary>
    public Task<JsonNode?> RequestAsync(string method, JsonObject parameters) =>
        _client.InvokeWithParameterObjectAsync<JsonNode?>(method, parameters).WaitAsync(TimeSpan.FromSeconds(60));

    /// <summary>Starts the server on a workspace folder; with <paramref name="indexed"/>, returns once it reports the workspace ready.</summary>
    public static async Task<InProcessServer> StartAsync(string root, bool indexed = true)
    {
        var server = new InProcessServer();
        var uri = new Uri(Path.GetFullPath(root)).AbsoluteUri;
        server.InitializeResult = await server._client.InvokeWithParameterObjectAsync<JsonNode>("initialize", new JsonObject
        {
            ["processId"] = Environment.ProcessId,
            ["clientInfo"] = new JsonObject { ["name"] = "etl-agent-tests" },
            ["rootUri"] = uri,
            ["workspaceFolders"] = new JsonArray(new JsonObject { ["uri"] = uri, ["name"] = Path.GetFileName(root) }),
            ["capabilities"] = new JsonObject(),
        }).WaitAsync(TimeSpan.FromSeconds(30));
        await server._client.NotifyWithParameterObjectAsync("initialized", new JsonObject());
        if (indexed) await server._target.Ready.Task.WaitAsync(TimeSpan.FromMinutes(2));
        return server;
    }

    /// <summary>Sends a request as the editor would (parameters as JSON) and returns the server's answer.</summary>
    public Task<JsonNode?> RequestAsync(string method, JsonNode? parameters) =>
        _client.InvokeWithParameterObjectAsync<JsonNode?>(method, parameters).WaitAsync(TimeSpan.FromMinutes(1));

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _client.InvokeWithParameterObjectAsync<JsonNode?>("shutdown", null).WaitAsync(TimeSpan.FromSeconds(10));
            await _client.NotifyWithParameterObjectAsync("exit", null);
            await _server.WaitAsync(TimeSpan.FromSeconds(10));
        }
        finally
        {
            _client.Dispose();
            await _toServer.Writer.CompleteAsync();
            await _toClient.Writer.CompleteAsync();
        }
    }

    /// <summary>What the server sends the client. Other notifications (log, progress) are ignored.</summary>
    private sealed class Client
    {
        public Dictionary<string, JsonArray> Published { get; } = new(StringComparer.Ordinal);

        public TaskCompletionSource Ready { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        [JsonRpcMethod("textDocument/publishDiagnostics", UseSingleObjectParameterDeserialization = true)]
        public void PublishDiagnostics(JsonNode p)
        {
            lock (Published) Published[p["uri"]!.GetValue<string>()] = p["diagnostics"]!.AsArray();
        }

        [JsonRpcMethod("etlAgent/status", UseSingleObjectParameterDeserialization = true)]
        public void Status(JsonNode p)
        {
            if (p["state"]?.GetValue<string>() == "ready") Ready.TrySetResult();
        }
    }
}
