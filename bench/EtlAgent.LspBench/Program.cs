// Latency benchmark of the real language server: starts `dotnet EtlAgent.LanguageServer.dll`,
// talks LSP over its stdin/stdout, and measures didChange → publishDiagnostics and codeLens on a
// ~300-line and a ~5,000-line (~400 KB) procedure, next to a raw ScriptDom parse of the same text.
//
//   dotnet run -c Release --project bench/EtlAgent.LspBench [-- --edits 50 --server path/to/EtlAgent.LanguageServer.dll]

using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using EtlAgent.Core.Syntax;
using EtlAgent.LanguageServer.Protocol;
using EtlAgent.LanguageServer.Server;
using EtlAgent.LspBench;
using StreamJsonRpc;

int edits = 50;
string? serverDll = null;
for (int i = 0; i < args.Length - 1; i++)
{
    if (args[i] == "--edits") edits = int.Parse(args[i + 1]);
    if (args[i] == "--server") serverDll = args[i + 1];
}
if (args.Contains("--profile"))
{
    Profile.Run(ProcedureGenerator.Procedure("Etl.LoadSalesLarge", 5000));
    return 0;
}
serverDll ??= FindServer();
Console.WriteLine($"server: {serverDll}");
Console.WriteLine($"machine: {Environment.ProcessorCount} cores, .NET {Environment.Version}");

var workspace = Directory.CreateTempSubdirectory("etl-agent-bench-").FullName;
File.WriteAllText(Path.Combine(workspace, "tables.sql"), ProcedureGenerator.Tables);
var cases = new[]
{
    ("typical", ProcedureGenerator.Procedure("Etl.LoadSalesTypical", 300)),
    ("large", ProcedureGenerator.Procedure("Etl.LoadSalesLarge", 5000)),
};
foreach (var (name, text) in cases) File.WriteAllText(Path.Combine(workspace, $"{name}.sql"), text);

var results = new List<string>();
await using (var lsp = await LspProcess.StartAsync(serverDll, workspace))
{
    await lsp.WaitIndexedAsync();
    foreach (var (name, text) in cases)
    {
        var lines = text.Split('\n').Length;
        var parse = MeasureParse(text);
        var (change, lens) = await lsp.MeasureEditsAsync(Path.Combine(workspace, $"{name}.sql"), text, edits);
        results.Add($"{name,-8} {lines,5} lines {text.Length / 1024,4} KB | raw parse p50 {P(parse, 50),6:F1} ms p95 {P(parse, 95),6:F1} ms | " +
                    $"didChange→publishDiagnostics p50 {P(change, 50),6:F1} ms p95 {P(change, 95),6:F1} ms ({P(change, 95) / P(parse, 50):F2}× parse p50) | " +
                    $"codeLens p50 {P(lens, 50),5:F1} ms p95 {P(lens, 95),5:F1} ms");
    }
}
Console.WriteLine();
Console.WriteLine($"N = {edits} single-character edits per document, each waited for before the next");
foreach (var r in results) Console.WriteLine(r);
try { Directory.Delete(workspace, recursive: true); } catch (IOException) { }
return 0;

static double P(List<double> xs, int percentile)
{
    var sorted = xs.OrderBy(x => x).ToList();
    int index = (int)Math.Ceiling(percentile / 100.0 * sorted.Count) - 1;
    return sorted[Math.Clamp(index, 0, sorted.Count - 1)];
}

static List<double> MeasureParse(string text)
{
    var times = new List<double>();
    for (int i = 0; i < 25; i++)
    {
        var sw = Stopwatch.StartNew();
        using var reader = new StringReader(text);
        SqlParser.CreateParser(SqlParser.DefaultCompatibilityLevel).Parse(reader, out _);
        sw.Stop();
        if (i >= 5) times.Add(sw.Elapsed.TotalMilliseconds); // 5 warm-up runs
    }
    return times;
}

static string FindServer()
{
    var dir = new DirectoryInfo(AppContext.BaseDirectory);
    while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "EtlAgentIde.sln"))) dir = dir.Parent;
    if (dir is null) throw new InvalidOperationException("run from the repository, or pass --server");
    foreach (var config in new[] { "Release", "Debug" })
    {
        var p = Path.Combine(dir.FullName, "server", "src", "EtlAgent.LanguageServer", "bin", config, "net10.0", "EtlAgent.LanguageServer.dll");
        if (File.Exists(p)) return p;
    }
    throw new FileNotFoundException("EtlAgent.LanguageServer.dll not built; run `npm run build:server`.");
}

/// <summary>The server process and a StreamJsonRpc client over its stdio.</summary>
sealed class LspProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly JsonRpc _rpc;
    private readonly ConcurrentDictionary<(string Uri, int Version), TaskCompletionSource<long>> _published = new();
    private readonly TaskCompletionSource _indexed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private LspProcess(Process process)
    {
        _process = process;
        var formatter = new SystemTextJsonFormatter();
        LspJson.Configure(formatter.JsonSerializerOptions);
        _rpc = new JsonRpc(new HeaderDelimitedMessageHandler(process.StandardInput.BaseStream, process.StandardOutput.BaseStream, formatter));
        _rpc.AddLocalRpcTarget(new ClientTarget(this));
        _rpc.StartListening();
    }

    internal void OnStatus(JsonElement s)
    {
        if (s.GetProperty("state").GetString() == "ready") _indexed.TrySetResult();
    }

    internal void OnDiagnostics(JsonElement p)
    {
        long now = Stopwatch.GetTimestamp();
        if (!p.TryGetProperty("version", out var v) || v.ValueKind != JsonValueKind.Number) return;
        var key = (p.GetProperty("uri").GetString()!, v.GetInt32());
        _published.GetOrAdd(key, _ => new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult(now);
    }

    public static async Task<LspProcess> StartAsync(string dll, string workspace)
    {
        var psi = new ProcessStartInfo("dotnet", $"\"{dll}\"")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workspace,
        };
        var process = Process.Start(psi)!;
        process.ErrorDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        var lsp = new LspProcess(process);
        await lsp._rpc.InvokeWithParameterObjectAsync<JsonElement>("initialize", new InitializeParams
        {
            ProcessId = Environment.ProcessId,
            RootUri = new Uri(workspace).AbsoluteUri,
            Capabilities = new ClientCapabilities(),
        });
        await lsp._rpc.NotifyWithParameterObjectAsync("initialized", new InitializedParams());
        return lsp;
    }

    public Task WaitIndexedAsync() => _indexed.Task.WaitAsync(TimeSpan.FromMinutes(2));

    private Task<long> Published(string uri, int version) =>
        _published.GetOrAdd((uri, version), _ => new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    /// <summary>Opens the document, then makes single-character edits inside string literals spread over it.</summary>
    public async Task<(List<double> Change, List<double> Lens)> MeasureEditsAsync(string file, string text, int edits)
    {
        var uri = new Uri(file).AbsoluteUri;
        int version = 1;
        await _rpc.NotifyWithParameterObjectAsync("textDocument/didOpen", new DidOpenTextDocumentParams
        {
            TextDocument = new TextDocumentItem { Uri = uri, LanguageId = "sql", Version = version, Text = text },
        });
        await Published(uri, version).WaitAsync(TimeSpan.FromMinutes(1));

        var lines = text.Split('\n');
        var targets = Enumerable.Range(0, lines.Length).Where(i => lines[i].Contains("N'channel-")).ToList();
        var change = new List<double>();
        var lens = new List<double>();
        for (int i = 0; i < edits + 3; i++)
        {
            int line = targets[(i * 7919) % targets.Count];
            int character = lines[line].IndexOf("N'channel-", StringComparison.Ordinal) + 3;
            version++;
            long start = Stopwatch.GetTimestamp();
            var published = Published(uri, version);
            await _rpc.NotifyWithParameterObjectAsync("textDocument/didChange", new DidChangeTextDocumentParams
            {
                TextDocument = new VersionedTextDocumentIdentifier { Uri = uri, Version = version },
                ContentChanges = { new TextDocumentContentChangeEvent { Range = new(new(line, character), new(line, character)), Text = "x" } },
            });
            long end = await published.WaitAsync(TimeSpan.FromMinutes(1));
            lines[line] = lines[line].Insert(character, "x");

            long lensStart = Stopwatch.GetTimestamp();
            await _rpc.InvokeWithParameterObjectAsync<JsonElement>("textDocument/codeLens", new CodeLensParams { TextDocument = new TextDocumentIdentifier { Uri = uri } });
            double lensMs = Stopwatch.GetElapsedTime(lensStart).TotalMilliseconds;
            if (i < 3) continue; // warm-up
            change.Add(Stopwatch.GetElapsedTime(start, end).TotalMilliseconds);
            lens.Add(lensMs);
        }
        return (change, lens);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _rpc.InvokeWithParameterObjectAsync<JsonElement>("shutdown").WaitAsync(TimeSpan.FromSeconds(5));
            await _rpc.NotifyWithParameterObjectAsync("exit");
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception) { _process.Kill(); }
        _rpc.Dispose();
    }
}

/// <summary>What the benchmark client answers: the notifications it listens to.</summary>
sealed class ClientTarget(LspProcess owner)
{
    [JsonRpcMethod("textDocument/publishDiagnostics", UseSingleObjectParameterDeserialization = true)]
    public void PublishDiagnostics(JsonElement p) => owner.OnDiagnostics(p);

    [JsonRpcMethod(EtlAgentMethods.Status, UseSingleObjectParameterDeserialization = true)]
    public void Status(JsonElement p) => owner.OnStatus(p);

    [JsonRpcMethod("window/logMessage", UseSingleObjectParameterDeserialization = true)]
    public void LogMessage(JsonElement p) { }
}
