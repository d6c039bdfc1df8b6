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
    /// <param name="http">The HTTP client to send through (tests pass one over recorded responses); null: the SDK's own.</param>
    /// <exception cref="ConfigurationException">The key's variable is not set.</exception>
    public static IChatClient Create(LlmSettings settings, Ports.IEnvironment environment, HttpClient? http = null)
    {
        var key = environment.Variable(settings.KeyVariable);
        if (string.IsNullOrWhiteSpace(key))
            throw new ConfigurationException($"{WorkspaceSettings.ManifestFile}: llm: the environment variable {settings.KeyVariable} (the {settings.Provider} key) is not set.");
        switch (settings.Provider)
        {
            case "openai":
            {
                var options = new OpenAI.OpenAIClientOptions();
                if (settings.Endpoint is { } endpoint) options.Endpoint = new Uri(endpoint);
                if (http is not null) options.Transport = new System.ClientModel.Primitives.HttpClientPipelineTransport(http);
                return new OpenAI.Chat.ChatClient(settings.Model, new ApiKeyCredential(key), options).AsIChatClient();
            }
            case "bedrock":
            {
                var region = settings.Region ?? environment.Variable("AWS_REGION")
                    ?? throw new ConfigurationException($"{WorkspaceSettings.ManifestFile}: llm.region (or AWS_REGION) is required for bedrock.");
                IAnthropicClient client = new AnthropicBedrockClient(new AnthropicBedrockApiTokenCredentials { BearerToken = key, Region = region });
                if (http is not null || settings.Endpoint is not null)
                    client = client.WithOptions(o => o with { HttpClient = http ?? o.HttpClient, BaseUrl = settings.Endpoint ?? o.BaseUrl });
                return client.AsIChatClient(settings.Model);
            }
            default:
            {
                IAnthropicClient client = new AnthropicClient { ApiKey = key };
                if (http is not null || settings.Endpoint is not null)
                    client = client.WithOptions(o => o with { HttpClient = http ?? o.HttpClient, BaseUrl = settings.Endpoint ?? o.BaseUrl });
                return client.AsIChatClient(settings.Model);
            }
        }
    }

    /// <summary>The LLM source of the engine's heal search: null unless the policy allows calling one and a model is configured.</summary>
    public static LlmRepairSource? Source(Engine engine, HttpClient? http = null)
    {
        if (!engine.Settings.Policy.CallLlm || engine.Settings.Llm is not { } llm) return null;
        return new LlmRepairSource(Create(llm, engine.Host.Environment, http), llm, engine.Settings.Policy, engine.CurrentAnalysis().Catalog,
            engine.Host.Audit, engine.Clock, engine.Host.Actor);
    }
}
