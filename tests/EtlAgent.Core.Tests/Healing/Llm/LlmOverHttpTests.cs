using EtlAgent.Core.Agent;
using EtlAgent.Core.Healing;
using EtlAgent.Core.Model;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Reporting;
using EtlAgent.Core.Workspace;
using Reply = EtlAgent.Core.Tests.Healing.Llm.RecordedLlmServer.Reply;

namespace EtlAgent.Core.Tests.Healing.Llm;

/// <summary>
/// The three LLM clients over HTTP, configured as a user does it: etl-agent.json's `llm` section
/// with its endpoint pointed at a local server that plays recorded responses in each provider's wire
/// format (tests/fixtures/healing-llm), the key in the environment, and a heal run on the healing
/// fixture with a seeded fault. What a user relies on: what the request carries (and does not),
/// where the key goes, the budget and the rate limit, failures that leave the heal run going, and a
/// candidate offered only when the verifier passes it.
/// </summary>
public class LlmOverHttpTests
{
    private const string Seed = "window start excluded";
    private const string Key = "sk-recorded-test-key-0123456789";
    private const string AccessKey = "AKIARECORDEDTEST0001";
    private const string SecretKey = "recorded/secret/key/never+sent+0123456789";

    /// <summary>A provider as the manifest names it, and the environment the key comes from.</summary>
    public sealed record Provider(string Name, string Model, IReadOnlyDictionary<string, string> Environment, string Extra = "");

    private static readonly Provider Anthropic = new("anthropic", "claude-test", new Dictionary<string, string> { ["ANTHROPIC_API_KEY"] = Key });
    private static readonly Provider BedrockToken = new("bedrock", "anthropic.claude-test", new Dictionary<string, string> { ["AWS_BEARER_TOKEN_BEDROCK"] = Key }, ", \"region\": \"eu-west-1\"");
    private static readonly Provider BedrockSigned = new("bedrock", "anthropic.claude-test",
        new Dictionary<string, string> { ["AWS_ACCESS_KEY_ID"] = AccessKey, ["AWS_SECRET_ACCESS_KEY"] = SecretKey }, ", \"region\": \"eu-west-1\"");
    private static readonly Provider OpenAi = new("openai", "gpt-test", new Dictionary<string, string> { ["OPENAI_API_KEY"] = Key });

    private sealed record Setup(Engine Engine, InMemoryAuditLog Audit);

    /// <param name="llm">Extra members of the manifest's llm section (JSON, each after a comma; a repeated member wins over the default).</param>
    /// <param name="budget">The manifest's policy.budget members.</param>
    private static Setup Configure(Provider provider, RecordedLlmServer server, string llm = "", string budget = "")
    {
        var manifest = $$"""
            {
              "policy": { "callLlm": true{{(budget.Length > 0 ? $", \"budget\": {{ {budget} }}" : "")}} },
              "llm": { "provider": "{{provider.Name}}", "model": "{{provider.Model}}", "endpoint": "{{server.Url}}",
                       "maxRetries": 0, "requestsPerMinute": 600 {{provider.Extra}} {{llm}} }
            }
            """;
        var files = HealingFixture.Files(Seed).Add("etl-agent.json", manifest);
        var audit = new InMemoryAuditLog();
        var host = new EngineHost(new SystemClock(), new EnvironmentVariables(n => provider.Environment.GetValueOrDefault(n))) { Actor = "test", Audit = audit };
        return new Setup(Engine.Create(files, WorkspaceSettings.Load(files), host), audit);
    }

    public static TheoryData<string> Providers() => new() { "anthropic", "bedrock-token", "bedrock-signed", "openai" };

    private static (Provider Provider, string Response, string Path) For(string name) => name switch
    {
        "anthropic" => (Anthropic, "anthropic-window-start.json", "/v1/messages"),
        "bedrock-token" => (BedrockToken, "bedrock-window-start.json", "/model/anthropic.claude-test/invoke"),
        "bedrock-signed" => (BedrockSigned, "bedrock-window-start.json", "/model/anthropic.claude-test/invoke"),
        _ => (OpenAi, "openai-window-start.json", "/chat/completions"),
    };

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task The_recorded_correct_patch_is_verified_and_offered_as_the_llms(string name)
    {
        var (provider, response, path) = For(name);
        await using var server = new RecordedLlmServer(new Reply(200, response));
        var (engine, audit) = Configure(provider, server);
        var result = await new HealRun(engine).SuggestAsync();

        Assert.Empty(result.Notes);
        var heal = Assert.Single(result.Suggestions, s => s.Candidate.Source == "llm");
        Assert.Equal((HealKinds.Code, HealClasses.Boundary, new HealVerification(3, 3, 0)), (heal.Kind, heal.BugClass, heal.Verified));
        Assert.Contains("WHERE s.[Sold At] >= @From;", heal.Edits[0].NewText);
        Assert.Contains(provider.Model, heal.Title);

        var request = Assert.Single(server.Requests);
        Assert.Equal(("POST", path), (request.Method, request.Path));
        // the prompt: the statement, the schema, what differs, the input (redacted)
        var prompt = request.Text;
        Assert.Contains("WHERE s.[Sold At] > @From", prompt);
        Assert.Contains("[Sold At] datetime2(7)", prompt);
        Assert.Contains("expected, not found:", prompt);
        Assert.Contains("Input rows of the case (values redacted to their types)", prompt);
        Assert.Contains("<nvarchar(10)>", prompt);
        Assert.DoesNotContain("P-9", prompt);
        Assert.Contains(provider.Model, name.StartsWith("bedrock") ? request.Path : prompt); // Bedrock names the model in the path

        // the key in the provider's header, signed requests without the secret
        switch (name)
        {
            // Anthropic 13.15 sends the API key as a bearer token, as its ClientOptions.ApiKey documents
            case "anthropic" or "bedrock-token" or "openai": Assert.Equal($"Bearer {Key}", request.Headers["Authorization"]); break;
            case "bedrock-signed":
                Assert.StartsWith($"AWS4-HMAC-SHA256 Credential={AccessKey}/", request.Headers["Authorization"]);
                Assert.Contains("/eu-west-1/bedrock/aws4_request", request.Headers["Authorization"]);
                Assert.Contains("Signature=", request.Headers["Authorization"]);
                Assert.DoesNotContain(SecretKey, string.Join("\n", request.Headers.Values) + request.Body);
                break;
        }

        // usage from the response's own fields, audited; the key nowhere in what the run writes or shows
        var call = Assert.Single(audit.Entries, e => e.Action == AuditActions.LlmCall);
        var (input, output) = name == "openai" ? ("790", "70") : name.StartsWith("bedrock") ? ("815", "66") : ("812", "64");
        Assert.Equal((input, output, "false"), (call.Details!["inputTokens"], call.Details["outputTokens"], call.Details["rowsSent"]));
        var shown = string.Join("\n", audit.Entries.Select(e => $"{e.Target} {e.Reason} {string.Join(",", e.Details?.Values ?? Array.Empty<string>())}"))
            + DiscoveryReport.Serialize(HealReport.ToJson(result.Suggestions, result.Bases)) + HealReport.Text(result.Suggestions, result.Run!.Failed, result.Bases);
        Assert.DoesNotContain(Key, shown);
        Assert.DoesNotContain(SecretKey, shown);
        Assert.Contains("\"source\": \"llm\"", DiscoveryReport.Serialize(HealReport.ToJson(result.Suggestions)));
    }

    [Fact]
    public async Task Row_values_go_out_only_when_llm_sendRows_is_true()
    {
        await using var server = new RecordedLlmServer(new Reply(200, "anthropic-window-start.json"));
        var (engine, audit) = Configure(Anthropic, server, ", \"sendRows\": true");
        await new HealRun(engine).SuggestAsync();
        var body = Assert.Single(server.Requests).Text;
        Assert.Contains("P-9", body);
        Assert.DoesNotContain("values redacted", body);
        Assert.Equal("true", Assert.Single(audit.Entries, e => e.Action == AuditActions.LlmCall).Details!["rowsSent"]);
    }

    [Fact]
    public async Task A_wrong_patch_from_the_model_is_not_offered()
    {
        await using var server = new RecordedLlmServer(new Reply(200, "anthropic-wrong-patch.json"));
        var (engine, _) = Configure(Anthropic, server);
        var result = await new HealRun(engine).SuggestAsync();
        Assert.Single(server.Requests);
        Assert.DoesNotContain(result.Suggestions, s => s.Candidate.Source == "llm");
        // the heal run's own candidates still answer the fault
        Assert.Contains(result.Suggestions, s => s.BugClass == HealClasses.Boundary && s.Verified.CasesPassed == s.Verified.CasesTotal);
    }

    public static TheoryData<string, string, string> Failures() => new()
    {
        // provider, reply (status:file or "timeout" / "malformed"), what the note must say
        { "anthropic", "429:anthropic-error-429.json", "HTTP 429 rate limited by the provider" },
        { "anthropic", "500:anthropic-error-500.json", "HTTP 500 server error at the provider" },
        { "openai", "429:openai-error-500.json", "HTTP 429 rate limited by the provider" },
        { "openai", "500:openai-error-500.json", "HTTP 500 server error at the provider" },
        { "bedrock-token", "500:anthropic-error-500.json", "HTTP 500 server error at the provider" },
        { "anthropic", "timeout", "no answer within llm.timeoutSeconds (1 s)" },
        { "openai", "timeout", "no answer within llm.timeoutSeconds (1 s)" },
        { "anthropic", "malformed", "not a valid anthropic response" },
        { "openai", "malformed", "not a valid openai response" },
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public async Task A_failed_call_becomes_a_plain_note_and_the_heal_run_goes_on_without_the_llm(string name, string reply, string expected)
    {
        var (provider, _, _) = For(name);
        Reply Answer() => reply switch
        {
            "timeout" => new Reply(200, For(name).Response, TimeSpan.FromSeconds(4)),
            "malformed" => new Reply(200, "malformed.json"),
            _ => new Reply(int.Parse(reply[..3]), reply[4..]),
        };
        // two suspects asked about: a rate limit stops the second call, other failures do not
        await using var server = new RecordedLlmServer(Answer(), Answer());
        var (engine, audit) = Configure(provider, server, ", \"timeoutSeconds\": 1, \"statementsPerFailure\": 2");
        var result = await new HealRun(engine).SuggestAsync();

        var note = result.Notes.First();
        Assert.Contains(expected, note);
        Assert.Contains($"LLM ({provider.Name}, {provider.Model})", note);
        Assert.Contains("went on without it", note);
        Assert.DoesNotContain(Key, string.Join("\n", result.Notes));
        Assert.Equal(expected.Contains("429") ? 1 : 2, server.Requests.Count);
        Assert.DoesNotContain(result.Suggestions, s => s.Candidate.Source == "llm");
        Assert.Contains(result.Suggestions, s => s.BugClass == HealClasses.Boundary);
        Assert.All(audit.Entries.Where(e => e.Action == AuditActions.LlmCall), e => Assert.StartsWith("the call failed", e.Reason));
    }

    [Fact]
    public async Task The_budget_of_calls_stops_further_calls()
    {
        await using var server = new RecordedLlmServer(new Reply(200, "anthropic-wrong-patch.json"), new Reply(200, "anthropic-wrong-patch.json"));
        var (engine, audit) = Configure(Anthropic, server, ", \"statementsPerFailure\": 2", "\"llmCalls\": 1");
        await new HealRun(engine).SuggestAsync();
        Assert.Single(server.Requests);
        Assert.Contains(audit.Entries, e => e.Action == AuditActions.BudgetExhausted && e.Reason.Contains("1 calls"));
    }

    [Fact]
    public async Task The_tokens_a_response_reports_spend_the_budget_of_tokens()
    {
        // 5,264 tokens by the first response's usage against a budget of 5,000: no second call
        await using var server = new RecordedLlmServer(new Reply(200, "anthropic-large-usage.json"), new Reply(200, "anthropic-wrong-patch.json"));
        var (engine, audit) = Configure(Anthropic, server, ", \"statementsPerFailure\": 2", "\"llmTokens\": 5000");
        var result = await new HealRun(engine).SuggestAsync();
        Assert.Single(server.Requests);
        Assert.Contains(audit.Entries, e => e.Action == AuditActions.BudgetExhausted && e.Reason.Contains("5000 tokens"));
        Assert.Single(result.Suggestions, s => s.Candidate.Source == "llm"); // the call made still counts
    }

    [Fact]
    public async Task The_rate_limit_spaces_the_calls()
    {
        await using var server = new RecordedLlmServer(new Reply(200, "anthropic-wrong-patch.json"), new Reply(200, "anthropic-wrong-patch.json"));
        var (engine, _) = Configure(Anthropic, server, ", \"statementsPerFailure\": 2, \"requestsPerMinute\": 20");
        await new HealRun(engine).SuggestAsync();
        var requests = server.Requests;
        Assert.Equal(2, requests.Count);
        // the interval runs from the start of one call to the start of the next; the first request also pays the connection
        Assert.True(requests[1].ReceivedUtc - requests[0].ReceivedUtc >= TimeSpan.FromSeconds(2),
            $"20 a minute is one every 3 s; the calls came {(requests[1].ReceivedUtc - requests[0].ReceivedUtc).TotalSeconds:0.00} s apart");
    }

    [Fact]
    public async Task A_key_missing_from_the_environment_is_a_note_not_a_failed_run()
    {
        await using var server = new RecordedLlmServer();
        var (engine, _) = Configure(Anthropic with { Environment = new Dictionary<string, string>() }, server);
        var result = await new HealRun(engine).SuggestAsync();
        Assert.Contains("ANTHROPIC_API_KEY", Assert.Single(result.Notes));
        Assert.Empty(server.Requests);
        Assert.Contains(result.Suggestions, s => s.BugClass == HealClasses.Boundary);
    }
}
