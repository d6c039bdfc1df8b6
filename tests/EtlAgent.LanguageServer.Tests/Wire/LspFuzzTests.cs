using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;

namespace EtlAgent.LanguageServer.Tests.Wire;

/// <summary>
/// Random and malformed messages through the server: known and unknown methods with parameters
/// of random shapes, broken frames, random bytes, random documents opened and edited. After each
/// burst the server must still answer a request. Bounded so that it runs in CI; ETLAGENT_FUZZ_SEED
/// replays or explores another seed.
/// </summary>
public sealed class LspFuzzTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("etl-agent-lsp-fuzz-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    private static readonly string[] Methods =
    {
        "textDocument/didOpen", "textDocument/didChange", "textDocument/didClose", "textDocument/didSave", "textDocument/codeLens",
        "textDocument/codeAction", "workspace/executeCommand", "workspace/didChangeWatchedFiles", "workspace/didChangeConfiguration",
        "etlAgent/pipelines", "etlAgent/lineage", "$/setTrace", "$/cancelRequest", "window/workDoneProgress/cancel", "initialize",
        "textDocument/hover", "nope", "", "textDocument/codeLens/0",
    };

    [Fact]
    public async Task Random_and_malformed_messages_never_stop_the_server()
    {
        int seed = int.TryParse(Environment.GetEnvironmentVariable("ETLAGENT_FUZZ_SEED"), out var s) ? s : 20260517;
        var random = new Random(seed);
        var sql = Directory.EnumerateFiles(Path.Combine(FindRepo(), "tests", "fixtures", "warehouse"), "*.sql", SearchOption.AllDirectories)
            .Order(StringComparer.Ordinal).Take(12).Select(File.ReadAllText).ToList();
        File.WriteAllText(Path.Combine(_root, "a.sql"), sql[0]);
        await using var client = new PipeClient();
        await client.InitializeAsync(_root);
        var uri = new Uri(Path.Combine(_root, "a.sql")).AbsoluteUri;
        var clock = Stopwatch.StartNew();
        int bursts = 0;
        for (; bursts < 100 && clock.Elapsed < TimeSpan.FromSeconds(60); bursts++)
        {
            for (int k = 0; k < 10; k++)
            {
                switch (random.Next(6))
                {
                    case 0:
                        await client.SendRawAsync(RandomBytes(random));
                        break;
                    case 1:
                        var json = Message(random, uri, sql).ToJsonString();
                        await client.SendRawAsync(Encoding.UTF8.GetBytes($"Content-Length: {Encoding.UTF8.GetByteCount(json) + random.Next(-20, 20)}\r\n\r\n{json}"));
                        break;
                    default:
                        await client.SendAsync(Message(random, uri, sql).ToJsonString());
                        break;
                }
            }
            // Whatever came before, a well-formed request is answered.
            var answer = await client.RequestAsync("etlAgent/pipelines", new JsonObject(), TimeSpan.FromSeconds(60));
            Assert.True(answer["result"] is not null, $"seed {seed}, burst {bursts}: {answer.ToJsonString()}");
        }
        Assert.False(client.Server.IsCompleted, $"seed {seed}: the server stopped");
        foreach (var n in client.Notifications.Where(n => n["method"]?.GetValue<string>() == "window/logMessage"))
            Assert.DoesNotContain("analysis failed", n["params"]?["message"]?.GetValue<string>() ?? "");
        Assert.True(bursts >= 5, $"only {bursts} bursts");
    }

    private static JsonObject Message(Random random, string uri, List<string> sql)
    {
        var method = Methods[random.Next(Methods.Length)];
        var message = new JsonObject { ["jsonrpc"] = random.Next(20) == 0 ? "1.0" : "2.0", ["method"] = method };
        if (random.Next(3) > 0) message["id"] = random.Next(3) == 0 ? JsonValue.Create("id-" + random.Next()) : random.Next(100_000, 200_000);
        message["params"] = method switch
        {
            "textDocument/didOpen" => new JsonObject
            {
                ["textDocument"] = new JsonObject { ["uri"] = uri, ["languageId"] = "sql", ["version"] = random.Next(), ["text"] = Mutate(random, sql[random.Next(sql.Count)]) },
            },
            "textDocument/didChange" => new JsonObject
            {
                ["textDocument"] = new JsonObject { ["uri"] = uri, ["version"] = random.Next() },
                ["contentChanges"] = new JsonArray(new JsonObject { ["text"] = Mutate(random, sql[random.Next(sql.Count)]) }),
            },
            _ => RandomValue(random, 3, uri),
        };
        return message;
    }

    private static string Mutate(Random random, string text)
    {
        if (random.Next(5) == 0) return "SELECT " + new string('(', random.Next(1000, 8000)) + "1;";
        var chars = text.ToCharArray().ToList();
        for (int e = random.Next(1, 10); e > 0 && chars.Count > 0; e--)
        {
            int i = random.Next(chars.Count);
            if (random.Next(2) == 0) chars.RemoveRange(i, Math.Min(chars.Count - i, random.Next(1, 40)));
            else chars.InsertRange(i, "();'[]\nGO\nBEGIN END CASE".Substring(random.Next(20), 3));
        }
        return new string(chars.ToArray());
    }

    private static JsonNode? RandomValue(Random random, int depth, string uri) => random.Next(depth <= 0 ? 5 : 8) switch
    {
        0 => null,
        1 => random.Next(-5, 1_000_000),
        2 => random.Next(3) == 0 ? uri : new string((char)random.Next(32, 0x3000), random.Next(0, 20)),
        3 => random.Next(2) == 0,
        4 => 1.5e300,
        5 => new JsonArray(Enumerable.Range(0, random.Next(4)).Select(_ => RandomValue(random, depth - 1, uri)).ToArray()),
        _ => new JsonObject(Enumerable.Range(0, random.Next(5)).Select(_ => KeyValuePair.Create(
            new[] { "textDocument", "uri", "range", "start", "end", "line", "character", "command", "arguments", "name", "context", "settings", "changes", "token", "value", "id" }[random.Next(16)] + (random.Next(10) == 0 ? "x" : ""),
            RandomValue(random, depth - 1, uri))).DistinctBy(p => p.Key)),
    };

    private static byte[] RandomBytes(Random random)
    {
        var bytes = new byte[random.Next(1, 300)];
        random.NextBytes(bytes);
        return random.Next(2) == 0 ? bytes : Encoding.ASCII.GetBytes("Content-Length: " + random.Next(-5, 500) + "\r\n\r\n").Concat(bytes).ToArray();
    }

    private static string FindRepo()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "EtlAgentIde.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("EtlAgentIde.sln not found");
    }
}
