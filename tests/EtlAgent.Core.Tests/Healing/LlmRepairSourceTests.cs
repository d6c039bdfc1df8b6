using System.Net;
using System.Text;
using EtlAgent.Core.Agent;
using EtlAgent.Core.Healing;
using EtlAgent.Core.Model;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Workspace;

namespace EtlAgent.Core.Tests.Healing;

/// <summary>
/// The LLM as an extra source of candidates, over Anthropic's client with recorded responses
/// (tests/fixtures/healing-llm) from a recording HTTP handler, never the network: called only when
/// the policy allows, within its budget, every call audited without the key, rows redacted unless
/// allowed, and its candidate verified like any other.
/// </summary>
public class LlmRepairSourceTests
{
    private sealed class RecordedResponses(string body) : HttpMessageHandler
    {
        public List<(string Uri, string Body)> Requests { get; } = new();

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests.Add((request.RequestUri!.ToString(), request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken)));
            return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        }
    }

    private const string Key = "sk-test-not-a-real-key";

    private static (Engine Engine, InMemoryAuditLog Audit, RecordedResponses Http) Setup(PolicySettings policy, bool sendRows = false)
    {
        var files = HealingFixture.Files("window start excluded");
        var audit = new InMemoryAuditLog();
        var settings = WorkspaceSettings.Load(files) with
        {
            Policy = policy,
            Llm = new LlmSettings("anthropic", "claude-test") { SendRows = sendRows, Endpoint = "http://recorded.invalid" },
        };
        var host = new EngineHost(new SystemClock(), new EnvironmentVariables(n => n == "ANTHROPIC_API_KEY" ? Key : null)) { Actor = "test", Audit = audit };
        var http = new RecordedResponses(File.ReadAllText(Path.Combine(TestPaths.Fixture("healing-llm"), "anthropic-window-start.json")));
        return (Engine.Create(files, settings, host), audit, http);
    }

    private static HealRun Run(Engine engine, RecordedResponses http) =>
        new(engine) { Extra = LlmClients.Source(engine, new HttpClient(http)), UseConfiguredLlm = false };

    [Fact]
    public async Task The_models_candidate_is_verified_like_any_other_and_the_call_is_audited_without_the_key()
    {
        var (engine, audit, http) = Setup(PolicySettings.Default with { CallLlm = true });
        var result = await Run(engine, http).SuggestAsync();

        var heal = Assert.Single(result.Suggestions, s => s.Candidate.Source == "llm");
        Assert.Equal((HealKinds.Code, HealClasses.Boundary), (heal.Kind, heal.BugClass));
        Assert.Equal(new HealVerification(3, 3, 0), heal.Verified);
        Assert.Contains("WHERE s.[Sold At] >= @From;", heal.Edits[0].NewText);

        var (uri, body) = Assert.Single(http.Requests);
        Assert.StartsWith("http://recorded.invalid/", uri);
        Assert.Contains("claude-test", body);
        Assert.Contains("WHERE s.[Sold At] > @From", body);        // the suspect statement
        Assert.Contains("<nvarchar(10)>", body);                    // row values redacted to their types
        Assert.DoesNotContain("P-9", body);

        var call = Assert.Single(audit.Entries, e => e.Action == AuditActions.LlmCall);
        Assert.Equal(("claude-test", "812", "64", "false"), (call.Details!["model"], call.Details["inputTokens"], call.Details["outputTokens"], call.Details["rowsSent"]));
        Assert.DoesNotContain(audit.Entries, e => (e.Reason + string.Join(",", e.Details?.Values ?? Array.Empty<string>())).Contains(Key, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Rows_are_sent_only_where_the_manifest_allows_it()
    {
        var (engine, _, http) = Setup(PolicySettings.Default with { CallLlm = true }, sendRows: true);
        await Run(engine, http).SuggestAsync();
        Assert.Contains("P-9", Assert.Single(http.Requests).Body);
    }

    [Fact]
    public async Task No_call_without_the_policy_and_none_beyond_the_budget()
    {
        var (engine, audit, http) = Setup(PolicySettings.Default);
        var result = await Run(engine, http).SuggestAsync();
        Assert.Empty(http.Requests);
        Assert.DoesNotContain(result.Suggestions, s => s.Candidate.Source == "llm");
        Assert.NotEmpty(result.Suggestions); // the search goes on without it

        (engine, audit, http) = Setup(PolicySettings.Default with { CallLlm = true, MaxLlmCallsPerRun = 0 });
        await Run(engine, http).SuggestAsync();
        Assert.Empty(http.Requests);
        Assert.Contains(audit.Entries, e => e.Action == AuditActions.BudgetExhausted);
    }

    [Fact]
    public void The_llm_section_is_read_from_the_manifest_and_checked()
    {
        var files = new MemoryFileSource().Add("etl-agent.json", """{"llm": {"provider": "bedrock", "model": "anthropic.claude-test", "region": "eu-west-1", "sendRows": true}}""");
        var llm = WorkspaceSettings.Load(files).Llm!;
        Assert.Equal(("bedrock", "anthropic.claude-test", "eu-west-1", true, "AWS_BEARER_TOKEN_BEDROCK"), (llm.Provider, llm.Model, llm.Region, llm.SendRows, llm.KeyVariable));
        Assert.Null(WorkspaceSettings.Load(new MemoryFileSource()).Llm);
        var bad = Assert.Throws<ConfigurationException>(() => WorkspaceSettings.Load(new MemoryFileSource().Add("etl-agent.json", """{"llm": {"provider": "acme", "model": "m"}}""")));
        Assert.Contains("llm.provider", bad.Message);
        var noKey = Assert.Throws<ConfigurationException>(() => LlmClients.Create(llm with { Provider = "anthropic", ApiKeyVariable = "NO_SUCH_VAR" }, EnvironmentVariables.None));
        Assert.Contains("NO_SUCH_VAR", noKey.Message);
    }
}
