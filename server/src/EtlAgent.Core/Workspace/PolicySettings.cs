using System.Text.Json;

namespace EtlAgent.Core.Workspace;

/// <summary>
/// What the agent may do without a human's approval: the manifest's `policy` section (and the
/// shorter `heal.autoApply`). Safe by default: generated tests are written (they are new files the
/// user reviews in version control), nothing else changes code or expectations on its own, no LLM
/// is called. Enforced in Core, so every door (CLI, editor, CI) obeys the same rules.
/// <code>
/// "policy": {
///   "writeGeneratedTests": true,
///   "rerecordExpectations": false,
///   "applyHeals": "none" | "tests" | "all" | ["null-unsafe-comparison", "test-data"],
///   "callLlm": false,
///   "touchSqlServer": true,
///   "budget": { "llmCalls": 20, "llmTokens": 60000, "wallTimeSeconds": 1800 }
/// }
/// </code>
/// </summary>
public sealed record PolicySettings
{
    public static PolicySettings Default { get; } = new();

    /// <summary>Write generated test files into the workspace.</summary>
    public bool WriteGeneratedTests { get; init; } = true;
    /// <summary>Re-record a test file's expectations after an intended change without asking.</summary>
    public bool RerecordExpectations { get; init; }
    /// <summary>Which verified heals `run --heal` (or an editor's auto-heal) applies without asking.</summary>
    public HealAutoApply ApplyHeals { get; init; } = HealAutoApply.None;
    /// <summary>When <see cref="ApplyHeals"/> is a list: the bug classes whose code heals may be applied.</summary>
    public IReadOnlyList<string> ApplyHealClasses { get; init; } = Array.Empty<string>();
    /// <summary>Ask a configured LLM for repair candidates.</summary>
    public bool CallLlm { get; init; }
    /// <summary>Run tests on a configured SQL Server sandbox (the production guard still applies).</summary>
    public bool TouchSqlServer { get; init; } = true;
    public int MaxLlmCallsPerRun { get; init; } = 20;
    public int MaxLlmTokensPerRun { get; init; } = 60_000;
    /// <summary>Wall time of one run; null means no limit beyond the generation budget.</summary>
    public TimeSpan? MaxWallTimePerRun { get; init; }

    /// <summary>Whether a verified heal of this kind ("code" or "test") and class may be applied without approval.</summary>
    public bool AllowsAutoApply(string kind, string bugClass) => ApplyHeals switch
    {
        HealAutoApply.All => true,
        HealAutoApply.Tests => kind == "test",
        HealAutoApply.Classes => kind == "test" || ApplyHealClasses.Contains(bugClass, StringComparer.OrdinalIgnoreCase),
        _ => false,
    };

    /// <summary>Reads the `policy` section, then `heal.autoApply` (which, when present, sets <see cref="ApplyHeals"/>).</summary>
    internal static PolicySettings From(JsonElement? policy, JsonElement? heal)
    {
        var result = Default;
        const string file = WorkspaceSettings.ManifestFile;
        if (policy is { ValueKind: JsonValueKind.Object } p)
        {
            foreach (var property in p.EnumerateObject())
            {
                var key = $"policy.{property.Name}";
                var v = property.Value;
                result = property.Name.ToLowerInvariant() switch
                {
                    "writegeneratedtests" => result with { WriteGeneratedTests = Bool(v, key) },
                    "rerecordexpectations" => result with { RerecordExpectations = Bool(v, key) },
                    "applyheals" => ParseApply(result, v, key),
                    "callllm" => result with { CallLlm = Bool(v, key) },
                    "touchsqlserver" => result with { TouchSqlServer = Bool(v, key) },
                    "budget" => ParseBudget(result, v, key),
                    _ => result,
                };
            }
        }
        else if (policy is { ValueKind: not (JsonValueKind.Null or JsonValueKind.Undefined) })
            throw new ConfigurationException($"{file}: policy must be an object.");

        if (heal is { ValueKind: JsonValueKind.Object } h && h.TryGetProperty("autoApply", out var auto))
            result = ParseApply(result, auto, "heal.autoApply");
        return result;
    }

    private static PolicySettings ParseApply(PolicySettings result, JsonElement v, string key)
    {
        if (v.ValueKind == JsonValueKind.String)
        {
            return v.GetString()!.Trim().ToLowerInvariant() switch
            {
                "none" => result with { ApplyHeals = HealAutoApply.None, ApplyHealClasses = Array.Empty<string>() },
                "tests" => result with { ApplyHeals = HealAutoApply.Tests, ApplyHealClasses = Array.Empty<string>() },
                "all" => result with { ApplyHeals = HealAutoApply.All, ApplyHealClasses = Array.Empty<string>() },
                var other => throw new ConfigurationException($"{WorkspaceSettings.ManifestFile}: {key} must be \"none\", \"tests\", \"all\" or a list of bug classes; got \"{other}\"."),
            };
        }
        if (v.ValueKind == JsonValueKind.Array && v.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String))
            return result with { ApplyHeals = HealAutoApply.Classes, ApplyHealClasses = v.EnumerateArray().Select(e => e.GetString()!.Trim()).Where(s => s.Length > 0).ToList() };
        throw new ConfigurationException($"{WorkspaceSettings.ManifestFile}: {key} must be \"none\", \"tests\", \"all\" or a list of bug classes.");
    }

    private static PolicySettings ParseBudget(PolicySettings result, JsonElement v, string key)
    {
        if (v.ValueKind != JsonValueKind.Object)
            throw new ConfigurationException($"{WorkspaceSettings.ManifestFile}: {key} must be an object.");
        foreach (var property in v.EnumerateObject())
        {
            var name = $"{key}.{property.Name}";
            result = property.Name.ToLowerInvariant() switch
            {
                "llmcalls" => result with { MaxLlmCallsPerRun = NonNegative(property.Value, name) },
                "llmtokens" => result with { MaxLlmTokensPerRun = NonNegative(property.Value, name) },
                "walltimeseconds" => result with { MaxWallTimePerRun = TimeSpan.FromSeconds(NonNegative(property.Value, name)) },
                _ => result,
            };
        }
        return result;
    }

    private static bool Bool(JsonElement v, string key) => v.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => throw new ConfigurationException($"{WorkspaceSettings.ManifestFile}: {key} must be true or false."),
    };

    private static int NonNegative(JsonElement v, string key) =>
        v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var n) && n >= 0
            ? n
            : throw new ConfigurationException($"{WorkspaceSettings.ManifestFile}: {key} must be a whole number ≥ 0.");
}

/// <summary>How much of the verified heals is applied without approval.</summary>
public enum HealAutoApply
{
    /// <summary>Nothing: heals are suggestions.</summary>
    None,
    /// <summary>Test-side heals only (re-recorded expectations, regenerated tests, adjusted given rows).</summary>
    Tests,
    /// <summary>Test-side heals and code heals of the listed bug classes.</summary>
    Classes,
    /// <summary>Every verified heal.</summary>
    All,
}
