using System.ClientModel;
using Anthropic;
using Anthropic.Bedrock;
using EtlAgent.Core.Healing;
using EtlAgent.Core.Workspace;
using Microsoft.Extensions.AI;

namespace EtlAgent.Core.Agent;

/// <summary>
/// The chat client for the manifest's `llm` section (Microsoft.Extensions.AI's IChatClient over
/// Anthropic, Claude on Bedrock, or an OpenAI-compatible endpoint), and the heal search's LLM
/// source when the policy allows calling one. The key comes from the environment variable the
/// section names; it is never logged or audited.
/// </summary>
public static class LlmClients
{
    /// <param name="http">The HTTP client to send through; null: the SDK's own (tests point llm.endpoint at a local server instead).</param>
    /// <exception cref="ConfigurationException">The key's variable is not set.</exception>
    public static IChatClient Create(LlmSettings settings, Ports.IEnvironment environment, HttpClient? http = null)
    {
        var timeout = TimeSpan.FromSeconds(settings.TimeoutSeconds);
        switch (settings.Provider)
        {
            case "openai":
            {
                var options = new OpenAI.OpenAIClientOptions
                {
                    NetworkTimeout = timeout,
                    RetryPolicy = new System.ClientModel.Primitives.ClientRetryPolicy(settings.MaxRetries),
                };
                if (settings.Endpoint is { } endpoint) options.Endpoint = new Uri(endpoint);
                if (http is not null) options.Transport = new System.ClientModel.Primitives.HttpClientPipelineTransport(http);
                return new OpenAI.Chat.ChatClient(settings.Model, new ApiKeyCredential(Key(settings, environment)), options).AsIChatClient();
            }
            case "bedrock":
            {
                var region = settings.Region ?? environment.Variable("AWS_REGION")
                    ?? throw new ConfigurationException($"{WorkspaceSettings.ManifestFile}: llm.region (or AWS_REGION) is required for bedrock.");
                return Configure(new AnthropicBedrockClient(BedrockCredentials(settings, environment, region)), settings, http, timeout).AsIChatClient(settings.Model);
            }
            default:
                return Configure(new AnthropicClient { ApiKey = Key(settings, environment) }, settings, http, timeout).AsIChatClient(settings.Model);
        }
    }

    private static IAnthropicClient Configure(IAnthropicClient client, LlmSettings settings, HttpClient? http, TimeSpan timeout) =>
        client.WithOptions(o => o with
        {
            HttpClient = http ?? o.HttpClient,
            BaseUrl = settings.Endpoint ?? o.BaseUrl,
            Timeout = timeout,
            MaxRetries = settings.MaxRetries,
        });

    private static string Key(LlmSettings settings, Ports.IEnvironment environment) =>
        environment.Variable(settings.KeyVariable) is { Length: > 0 } key && !string.IsNullOrWhiteSpace(key) ? key
            : throw new ConfigurationException($"{WorkspaceSettings.ManifestFile}: llm: the environment variable {settings.KeyVariable} (the {settings.Provider} key) is not set.");

    /// <summary>
    /// Bedrock's bearer token (the key variable) when set; else, unless the manifest names its own
    /// key variable, the AWS access key pair of the environment, which signs each request (SigV4;
    /// the SDK sets no session token this way, so temporary credentials need the bearer token).
    /// </summary>
    private static IAnthropicBedrockCredentials BedrockCredentials(LlmSettings settings, Ports.IEnvironment environment, string region)
    {
        if (environment.Variable(settings.KeyVariable) is { Length: > 0 } token && !string.IsNullOrWhiteSpace(token))
            return new AnthropicBedrockApiTokenCredentials { BearerToken = token, Region = region };
        if (settings.ApiKeyVariable is null && environment.Variable("AWS_ACCESS_KEY_ID") is { Length: > 0 } access
            && environment.Variable("AWS_SECRET_ACCESS_KEY") is { Length: > 0 } secret)
            return new AnthropicBedrockPrivateKeyCredentials
            {
                ApiAccessKey = access, ApiSecret = secret, Region = region,
            };
        throw new ConfigurationException($"{WorkspaceSettings.ManifestFile}: llm: the environment variable {settings.KeyVariable} (the bedrock bearer token)"
            + (settings.ApiKeyVariable is null ? " or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (signed requests)" : "") + " is not set.");
    }

    /// <summary>The LLM source of the engine's heal search: null unless the policy allows calling one and a model is configured.</summary>
    public static LlmRepairSource? Source(Engine engine, HttpClient? http = null)
    {
        if (!engine.Settings.Policy.CallLlm || engine.Settings.Llm is not { } llm) return null;
        return new LlmRepairSource(Create(llm, engine.Host.Environment, http), llm, engine.Settings.Policy, engine.CurrentAnalysis().Catalog,
            engine.Host.Audit, engine.Clock, engine.Host.Actor) { StatementsPerFailure = llm.StatementsPerFailure };
    }
}
