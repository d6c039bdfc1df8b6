using System.Text.Json;
using System.Text.Json.Serialization;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Syntax;

namespace EtlAgent.Core.Workspace;

/// <summary>
/// Settings from the optional `etl-agent.json` manifest at the workspace root, plus `.etlagentignore`.
/// Unknown keys are tolerated; wrong types are a configuration error naming the file and key.
/// </summary>
public sealed record WorkspaceSettings
{
    public const string ManifestFile = "etl-agent.json";
    public const string IgnoreFile = ".etlagentignore";

    public string? Name { get; init; }
    public int CompatibilityLevel { get; init; } = SqlParser.DefaultCompatibilityLevel;
    public IReadOnlyList<string> Include { get; init; } = Array.Empty<string>();
    public IReadOnlyList<string> Exclude { get; init; } = Array.Empty<string>();
    /// <summary>Live catalog connection string; when set the catalog is read from that database.</summary>
    public string? CatalogConnectionString { get; init; }
    /// <summary>Per-rule severity overrides ("ETL0010": "error" | "warning" | "information" | "off").</summary>
    public IReadOnlyDictionary<string, string> RuleSeverities { get; init; } = new Dictionary<string, string>();
    public IgnoreRules Ignore { get; init; } = IgnoreRules.None;
    /// <summary>The `sandbox` section: which engine runs tests and which SQL Server database may be used.</summary>
    public SandboxSettings Sandbox { get; init; } = SandboxSettings.Default;
    /// <summary>Values for `$(Name)` in sqlcmd-mode scripts; a script's own `:setvar` wins.</summary>
    public IReadOnlyDictionary<string, string> SqlcmdVariables { get; init; } = new Dictionary<string, string>();
    /// <summary>Objects made outside the repository (e.g. staging tables a pipeline creates at run time).</summary>
    public IReadOnlyList<ExternalObject> ExternalObjects { get; init; } = Array.Empty<ExternalObject>();
    /// <summary>What may happen without approval (the `policy` section and `heal.autoApply`).</summary>
    public PolicySettings Policy { get; init; } = PolicySettings.Default;
    /// <summary>Where the memory of past runs is kept (the `memory` section).</summary>
    public MemorySettings Memory { get; init; } = MemorySettings.Default;
    /// <summary>The workspace's database projects (.sqlproj), found when the settings are loaded.</summary>
    public DatabaseProjects DatabaseProjects { get; init; } = DatabaseProjects.None;

    /// <summary>The model the heal search may ask for candidates (the `llm` section); null when none is configured.</summary>
    public LlmSettings? Llm { get; init; }

    public static WorkspaceSettings Default { get; } = new();

    /// <summary>Loads settings; throws <see cref="ConfigurationException"/> on a malformed manifest.</summary>
    public static WorkspaceSettings Load(IFileSource files)
    {
        var settings = Default;
        if (files.Exists(ManifestFile))
        {
            var text = files.ReadAllText(ManifestFile);
            Manifest? manifest;
            try
            {
                manifest = JsonSerializer.Deserialize<Manifest>(text, new JsonSerializerOptions
                {
                    PropertyNameCaseInsensitive = true,
                    ReadCommentHandling = JsonCommentHandling.Skip,
                    AllowTrailingCommas = true,
                });
            }
            catch (JsonException e)
            {
                var line = e.LineNumber is long l ? $":{l + 1}" : "";
                throw new ConfigurationException($"{ManifestFile}{line}: {e.Message}");
            }
            if (manifest is not null)
            {
                if (manifest.CompatibilityLevel is int level && !SqlParser.IsSupportedLevel(level))
                    throw new ConfigurationException($"{ManifestFile}: compatibilityLevel {level} is not one of 100, 110, 120, 130, 140, 150, 160, 170.");
                settings = settings with
                {
                    Name = manifest.Name,
                    CompatibilityLevel = manifest.CompatibilityLevel ?? settings.CompatibilityLevel,
                    Include = manifest.Include ?? settings.Include,
                    Exclude = manifest.Exclude ?? settings.Exclude,
                    CatalogConnectionString = manifest.Catalog?.ConnectionString,
                    RuleSeverities = manifest.Rules ?? settings.RuleSeverities,
                    Sandbox = SandboxSettings.From(manifest.Sandbox),
                    SqlcmdVariables = manifest.SqlcmdVariables ?? settings.SqlcmdVariables,
                    ExternalObjects = manifest.ExternalObjects is { } external ? ExternalObject.From(external) : settings.ExternalObjects,
                    Policy = PolicySettings.From(manifest.Policy, manifest.Heal),
                    Memory = MemorySettings.From(manifest.Memory),
                    Llm = LlmSettings.From(manifest.Llm),
                };
            }
        }
        var patterns = new List<string>(settings.Exclude);
        if (files.Exists(IgnoreFile))
            patterns.AddRange(files.ReadAllText(IgnoreFile).Split('\n'));
        return settings with { Ignore = new IgnoreRules(patterns), DatabaseProjects = DatabaseProjects.From(files) };
    }

    private sealed class Manifest
    {
        public string? Name { get; set; }
        public int? CompatibilityLevel { get; set; }
        public List<string>? Include { get; set; }
        public List<string>? Exclude { get; set; }
        public CatalogSection? Catalog { get; set; }
        public Dictionary<string, string>? Rules { get; set; }
        public SandboxSection? Sandbox { get; set; }
        public Dictionary<string, string>? SqlcmdVariables { get; set; }
        public JsonElement? ExternalObjects { get; set; }
        public JsonElement? Policy { get; set; }
        public JsonElement? Heal { get; set; }
        public JsonElement? Memory { get; set; }
        public JsonElement? Llm { get; set; }
    }

    internal sealed class SandboxSection
    {
        public string? Engine { get; set; }
        public string? ConnectionString { get; set; }
        /// <summary>A database name or a list of them.</summary>
        public JsonElement? AllowDatabase { get; set; }
    }

    private sealed class CatalogSection
    {
        public string? ConnectionString { get; set; }
    }
}

/// <summary>
/// The manifest's `sandbox` section:
/// <code>"sandbox": { "engine": "auto|embedded|sqlserver", "connectionString": "...", "allowDatabase": "Warehouse_CI" }</code>
/// The SQL Server connection string comes from the ETLAGENT_SQLSERVER environment variable first,
/// then from here. `allowDatabase` explicitly marks databases (by exact name) as sandboxes when
/// their names do not say so (see <see cref="Sandbox.SqlServer.ProductionGuard"/>).
/// </summary>
public sealed record SandboxSettings
{
    public const string EnvironmentVariable = "ETLAGENT_SQLSERVER";

    public static SandboxSettings Default { get; } = new();

    /// <summary>"auto" (SQL Server when a connection string is configured, else embedded), "embedded" or "sqlserver".</summary>
    public string Engine { get; init; } = "auto";
    public string? ConnectionString { get; init; }
    public IReadOnlyList<string> AllowDatabases { get; init; } = Array.Empty<string>();

    internal static SandboxSettings From(WorkspaceSettings.SandboxSection? section)
    {
        if (section is null) return Default;
        var engine = (section.Engine ?? "auto").Trim().ToLowerInvariant();
        if (engine is not ("auto" or "embedded" or "sqlserver"))
            throw new ConfigurationException($"{WorkspaceSettings.ManifestFile}: sandbox.engine must be \"auto\", \"embedded\" or \"sqlserver\"; got \"{section.Engine}\".");
        var allowed = new List<string>();
        if (section.AllowDatabase is { } a)
        {
            switch (a.ValueKind)
            {
                case JsonValueKind.String:
                    allowed.Add(a.GetString()!);
                    break;
                case JsonValueKind.Array when a.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String):
                    allowed.AddRange(a.EnumerateArray().Select(e => e.GetString()!));
                    break;
                case JsonValueKind.Null:
                    break;
                default:
                    throw new ConfigurationException($"{WorkspaceSettings.ManifestFile}: sandbox.allowDatabase must be a database name or a list of names.");
            }
        }
        return new SandboxSettings
        {
            Engine = engine,
            ConnectionString = string.IsNullOrWhiteSpace(section.ConnectionString) ? null : section.ConnectionString,
            AllowDatabases = allowed.Where(n => !string.IsNullOrWhiteSpace(n)).Select(n => n.Trim()).ToList(),
        };
    }
}

/// <summary>A workspace or command-line configuration problem (exit code 2 in the CLI).</summary>
public sealed class ConfigurationException(string message) : Exception(message);
