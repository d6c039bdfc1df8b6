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
                };
            }
        }
        var patterns = new List<string>(settings.Exclude);
        if (files.Exists(IgnoreFile))
            patterns.AddRange(files.ReadAllText(IgnoreFile).Split('\n'));
        return settings with { Ignore = new IgnoreRules(patterns) };
    }

    private sealed class Manifest
    {
        public string? Name { get; set; }
        public int? CompatibilityLevel { get; set; }
        public List<string>? Include { get; set; }
        public List<string>? Exclude { get; set; }
        public CatalogSection? Catalog { get; set; }
        public Dictionary<string, string>? Rules { get; set; }
    }

    private sealed class CatalogSection
    {
        public string? ConnectionString { get; set; }
    }
}

/// <summary>A workspace or command-line configuration problem (exit code 2 in the CLI).</summary>
public sealed class ConfigurationException(string message) : Exception(message);
