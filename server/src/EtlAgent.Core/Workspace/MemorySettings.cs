using System.Text.Json;

namespace EtlAgent.Core.Workspace;

/// <summary>
/// The manifest's `memory` section: where the agent keeps what it learned from past runs.
/// <code>
/// "memory": { "kind": "sqlite", "path": ".etl-agent/memory.db" }
/// "memory": { "kind": "dynamodb", "table": "etl-agent-memory", "region": "eu-west-1", "serviceUrl": "http://localhost:8000" }
/// </code>
/// SQLite is the default (one file in the workspace); DynamoDB shares one memory across a team,
/// with credentials from the usual AWS chain (environment, profile, instance role), never from here.
/// </summary>
public sealed record MemorySettings
{
    public const string DefaultPath = ".etl-agent/memory.db";
    public const string DefaultTable = "etl-agent-memory";

    public static MemorySettings Default { get; } = new();

    /// <summary>"sqlite" or "dynamodb".</summary>
    public string Kind { get; init; } = "sqlite";

    /// <summary>SQLite: the database file, workspace-relative or absolute.</summary>
    public string Path { get; init; } = DefaultPath;

    /// <summary>DynamoDB: the table (created when missing).</summary>
    public string Table { get; init; } = DefaultTable;

    /// <summary>DynamoDB: the region; null: the AWS chain's (AWS_REGION, profile).</summary>
    public string? Region { get; init; }

    /// <summary>DynamoDB: an endpoint other than AWS's (DynamoDB Local, a test server).</summary>
    public string? ServiceUrl { get; init; }

    internal static MemorySettings From(JsonElement? section)
    {
        const string file = WorkspaceSettings.ManifestFile;
        if (section is not { } s || s.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined) return Default;
        if (s.ValueKind != JsonValueKind.Object) throw new ConfigurationException($"{file}: memory must be an object.");
        var result = Default;
        foreach (var property in s.EnumerateObject())
        {
            var key = $"memory.{property.Name}";
            var v = property.Value;
            result = property.Name.ToLowerInvariant() switch
            {
                "kind" => result with { Kind = Text(v, key).ToLowerInvariant() },
                "path" => result with { Path = Text(v, key) },
                "table" => result with { Table = Text(v, key) },
                "region" => result with { Region = Text(v, key) },
                "serviceurl" => result with { ServiceUrl = Text(v, key) },
                _ => result,
            };
        }
        if (result.Kind is not ("sqlite" or "dynamodb"))
            throw new ConfigurationException($"{file}: memory.kind must be \"sqlite\" or \"dynamodb\"; got \"{result.Kind}\".");
        if (result.ServiceUrl is { } url && !Uri.TryCreate(url, UriKind.Absolute, out _))
            throw new ConfigurationException($"{file}: memory.serviceUrl must be an absolute URL; got \"{url}\".");
        return result;
    }

    private static string Text(JsonElement v, string key) =>
        v.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(v.GetString())
            ? v.GetString()!.Trim()
            : throw new ConfigurationException($"{WorkspaceSettings.ManifestFile}: {key} must be a non-empty string.");
}
