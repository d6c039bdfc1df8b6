using System.Text.Json;

namespace EtlAgent.Core.Workspace;

/// <summary>
/// The manifest's `llm` section: which model the heal search may ask for extra repair candidates
/// (only when `policy.callLlm` is true; never required). Keys are never in the file: it names the
/// environment variable that holds one.
/// <code>
/// "llm": {
///   "provider": "anthropic" | "bedrock" | "openai",   // openai: any OpenAI-compatible endpoint
///   "model": "claude-sonnet-4-5",
///   "endpoint": "https://…",                         // optional; required for openai-compatible servers other than OpenAI's
///   "apiKeyEnv": "ANTHROPIC_API_KEY",                // the variable holding the key (bedrock: the bearer token)
///   "region": "us-east-1",                           // bedrock
///   "sendRows": false,                               // row values in prompts; redacted unless true
///   "requestsPerMinute": 10,
///   "maxOutputTokens": 1024,
///   "timeoutSeconds": 60,                            // one HTTP call, retries not included
///   "maxRetries": 2,                                 // the SDK's retries of 408/409/429/5xx and timeouts
///   "statementsPerFailure": 1                        // suspect statements asked about per failure, best first
/// }
/// </code>
/// </summary>
public sealed record LlmSettings(string Provider, string Model)
{
    public string? Endpoint { get; init; }
    public string? ApiKeyVariable { get; init; }
    public string? Region { get; init; }
    public bool SendRows { get; init; }
    public int RequestsPerMinute { get; init; } = 10;
    public int MaxOutputTokens { get; init; } = 1024;
    public int TimeoutSeconds { get; init; } = 60;
    public int MaxRetries { get; init; } = 2;
    public int StatementsPerFailure { get; init; } = 1;

    /// <summary>The variable the key is read from: the configured one, else the provider's usual one.</summary>
    public string KeyVariable => ApiKeyVariable ?? Provider switch
    {
        "bedrock" => "AWS_BEARER_TOKEN_BEDROCK",
        "openai" => "OPENAI_API_KEY",
        _ => "ANTHROPIC_API_KEY",
    };

    internal static LlmSettings? From(JsonElement? section)
    {
        const string file = WorkspaceSettings.ManifestFile;
        if (section is not { } s || s.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined) return null;
        if (s.ValueKind != JsonValueKind.Object) throw new ConfigurationException($"{file}: llm must be an object.");
        string? provider = null, model = null;
        var result = new LlmSettings("anthropic", "");
        foreach (var p in s.EnumerateObject())
        {
            var key = $"llm.{p.Name}";
            switch (p.Name.ToLowerInvariant())
            {
                case "provider": provider = Text(p.Value, key).ToLowerInvariant(); break;
                case "model": model = Text(p.Value, key); break;
                case "endpoint": result = result with { Endpoint = Text(p.Value, key) }; break;
                case "apikeyenv": result = result with { ApiKeyVariable = Text(p.Value, key) }; break;
                case "region": result = result with { Region = Text(p.Value, key) }; break;
                case "sendrows":
                    result = result with { SendRows = p.Value.ValueKind == JsonValueKind.True || (p.Value.ValueKind == JsonValueKind.False ? false : throw new ConfigurationException($"{file}: {key} must be true or false.")) };
                    break;
                case "requestsperminute": result = result with { RequestsPerMinute = Positive(p.Value, key) }; break;
                case "maxoutputtokens": result = result with { MaxOutputTokens = Positive(p.Value, key) }; break;
                case "timeoutseconds": result = result with { TimeoutSeconds = Positive(p.Value, key) }; break;
                case "maxretries": result = result with { MaxRetries = Positive(p.Value, key, allowZero: true) }; break;
                case "statementsperfailure": result = result with { StatementsPerFailure = Positive(p.Value, key) }; break;
            }
        }
        provider ??= "anthropic";
        if (provider is not ("anthropic" or "bedrock" or "openai"))
            throw new ConfigurationException($"{file}: llm.provider must be \"anthropic\", \"bedrock\" or \"openai\"; got \"{provider}\".");
        if (string.IsNullOrWhiteSpace(model)) throw new ConfigurationException($"{file}: llm.model is required (the model's name).");
        return result with { Provider = provider, Model = model };
    }

    private static string Text(JsonElement v, string key) =>
        v.ValueKind == JsonValueKind.String && v.GetString() is { Length: > 0 } s ? s : throw new ConfigurationException($"{WorkspaceSettings.ManifestFile}: {key} must be a non-empty string.");

    private static int Positive(JsonElement v, string key, bool allowZero = false) =>
        v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var n) && (n > 0 || allowZero && n == 0) ? n
            : throw new ConfigurationException($"{WorkspaceSettings.ManifestFile}: {key} must be a whole number {(allowZero ? ">= 0" : "> 0")}.");
}
