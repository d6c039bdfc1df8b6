using System.Text;
using System.Text.Json.Nodes;

namespace EtlAgent.LanguageServer.Tests.Wire;

/// <summary>Broken frames, unknown methods and pathological documents: the server answers and goes on.</summary>
public sealed class ProtocolRobustnessTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("etl-agent-lsp-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    private string Uri(string file) => new Uri(Path.Combine(_root, file)).AbsoluteUri;

    private static string Frame(string json, int lengthDelta) =>
        $"Content-Length: {Encoding.UTF8.GetByteCount(json) + lengthDelta}\r\n\r\n{json}";

    private const string Pipelines = "etlAgent/pipelines";

    [Theory]
    [InlineData(40)]   // declared longer than the body: the next message's header would be read as body
    [InlineData(-10)]  // declared shorter: the rest of the body would be read as a header
    public async Task After_a_frame_with_a_wrong_content_length_the_server_answers_again(int lengthDelta)
    {
        await using var client = new PipeClient();
        await client.InitializeAsync(_root);
        var broken = """{"jsonrpc":"2.0","id":424242,"method":"etlAgent/pipelines","params":{}}""";
        await client.SendRawAsync(Encoding.UTF8.GetBytes(Frame(broken, lengthDelta)));
        var response = await client.RequestAsync(Pipelines, new JsonObject());
        Assert.NotNull(response["result"]);
        var again = await client.RequestAsync(Pipelines, new JsonObject());
        Assert.NotNull(again["result"]);
    }

    [Fact]
    public async Task A_frame_declaring_more_than_its_garbage_body_does_not_swallow_the_next_request()
    {
        await using var client = new PipeClient();
        await client.InitializeAsync(_root);
        await client.SendRawAsync(Encoding.ASCII.GetBytes("Content-Length: 4000\r\n\r\n\u0001\u0002 not json {{{"));
        var response = await client.RequestAsync(Pipelines, new JsonObject(), TimeSpan.FromSeconds(20));
        Assert.NotNull(response["result"]);
        // A header-like line that is not a valid header inside the garbage does not hide the real one after it.
        response = await client.RequestAsync(Pipelines, new JsonObject(),
            Encoding.ASCII.GetBytes("Content-Length: 4000\r\n\r\n{x Content-Length: -1\r\n\r\n"), TimeSpan.FromSeconds(20));
        Assert.NotNull(response["result"]);
    }

    [Fact]
    public async Task Garbage_between_frames_is_skipped()
    {
        await using var client = new PipeClient();
        await client.InitializeAsync(_root);
        await client.SendRawAsync(Encoding.UTF8.GetBytes("hello\r\n\r\nContent-Length: x\r\n\r\n{}\u0000\u0001garbage"));
        await client.SendRawAsync(Encoding.UTF8.GetBytes(Frame("{not json", 0)));
        var response = await client.RequestAsync(Pipelines, new JsonObject());
        Assert.NotNull(response["result"]);
    }

    [Fact]
    public async Task Unknown_method_is_method_not_found_with_a_plain_message()
    {
        await using var client = new PipeClient();
        await client.InitializeAsync(_root);
        var error = (await client.RequestAsync("textDocument/noSuchThing", new JsonObject()))["error"]!.AsObject();
        Assert.Equal(-32601, error["code"]!.GetValue<int>());
        Assert.Equal("Unknown method 'textDocument/noSuchThing'.", error["message"]!.GetValue<string>());
        Assert.Null(error["data"]);
    }

    [Fact]
    public async Task Known_method_without_its_parameters_is_invalid_params_with_a_plain_message()
    {
        await using var client = new PipeClient();
        await client.InitializeAsync(_root);
        var error = (await client.RequestAsync("textDocument/codeLens", null))["error"]!.AsObject();
        Assert.Equal(-32602, error["code"]!.GetValue<int>());
        Assert.Equal("Invalid parameters for 'textDocument/codeLens'.", error["message"]!.GetValue<string>());
        Assert.Null(error["data"]);
    }

    [Fact]
    public async Task Parameters_of_the_wrong_shape_are_invalid_params_with_a_plain_message()
    {
        await using var client = new PipeClient();
        await client.InitializeAsync(_root);
        var response = await client.RequestAsync("textDocument/codeLens", new JsonObject { ["textDocument"] = 5 });
        var error = Assert.IsType<JsonObject>(response["error"]);
        Assert.Equal(-32602, error["code"]!.GetValue<int>());
        Assert.Equal("Invalid parameters: the value at $.textDocument does not have the expected shape.", error["message"]!.GetValue<string>());
        Assert.True(error["code"]!.GetValue<int>() < 0);
        var message = error["message"]!.GetValue<string>();
        Assert.False(string.IsNullOrWhiteSpace(message));
        Assert.DoesNotContain("   at ", message);
        Assert.DoesNotContain("EtlAgent.", message);
        Assert.Null(error["data"]);
    }

    [Fact]
    public async Task A_document_nested_too_deeply_gets_a_diagnostic_and_the_others_are_still_served()
    {
        File.WriteAllText(Path.Combine(_root, "ok.sql"), "CREATE TABLE dbo.T (a int);\nGO\nCREATE PROCEDURE dbo.Ok AS INSERT INTO dbo.T (a) SELECT 1;\n");
        await using var client = new PipeClient();
        await client.InitializeAsync(_root);
        var deep = "CREATE PROCEDURE dbo.D AS INSERT INTO dbo.T (a) SELECT " + new string('(', 6000) + "1" + new string(')', 6000) + ";";
        await client.NotifyAsync("textDocument/didOpen", new JsonObject
        {
            ["textDocument"] = new JsonObject { ["uri"] = Uri("deep.sql"), ["languageId"] = "sql", ["version"] = 1, ["text"] = deep },
        });
        // Lenses for the other file: the server answers, and has analysed it.
        JsonArray lenses = new();
        for (int attempt = 0; attempt < 100 && lenses.Count == 0; attempt++)
        {
            lenses = (await client.RequestAsync("textDocument/codeLens", new JsonObject { ["textDocument"] = new JsonObject { ["uri"] = Uri("ok.sql") } }))["result"]!.AsArray();
            if (lenses.Count == 0) await Task.Delay(100);
        }
        Assert.NotEmpty(lenses);
        JsonObject? published = null;
        for (int attempt = 0; attempt < 100 && published is null; attempt++)
        {
            published = client.Notifications.LastOrDefault(n => n["method"]?.GetValue<string>() == "textDocument/publishDiagnostics" &&
                n["params"]?["uri"]?.GetValue<string>() == Uri("deep.sql") && n["params"]!["diagnostics"]!.AsArray().Count > 0);
            if (published is null) await Task.Delay(100);
        }
        Assert.NotNull(published);
        var diagnostic = published!["params"]!["diagnostics"]!.AsArray().Select(d => d!["message"]!.GetValue<string>()).ToList();
        Assert.Contains(diagnostic, m => m.StartsWith("Nesting too deep", StringComparison.Ordinal));
        Assert.False(client.Server.IsCompleted);
    }
}

public class ErrorCleaningTests
{
    [Fact]
    public void A_handler_exception_keeps_its_code_and_message_and_loses_its_stack()
    {
        var error = new StreamJsonRpc.Protocol.JsonRpcError.ErrorDetail
        {
            Code = StreamJsonRpc.Protocol.JsonRpcErrorCode.InvocationError,
            Message = "The workspace cannot be read.",
            Data = new StreamJsonRpc.Protocol.CommonErrorData { TypeName = "System.IO.IOException", StackTrace = "   at X.Y()" },
        };
        EtlAgent.LanguageServer.Server.LspMessageHandler.Clean(error, new HashSet<string>());
        Assert.Equal(StreamJsonRpc.Protocol.JsonRpcErrorCode.InvocationError, error.Code);
        Assert.Equal("The workspace cannot be read.", error.Message);
        Assert.Null(error.Data);
    }
}
