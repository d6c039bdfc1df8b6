using System.Text.Json.Nodes;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Syntax;
using EtlAgent.Core.Workspace;

namespace EtlAgent.LanguageServer.Server;

/// <summary>
/// Settings the editor sends (initializationOptions, or `etlAgent` in didChangeConfiguration).
/// They refine the workspace manifest: include/exclude globs add to it, a compatibility level overrides it.
/// </summary>
public sealed record ClientSettings(IReadOnlyList<string> Include, IReadOnlyList<string> Exclude, int? CompatibilityLevel)
{
    public static ClientSettings None { get; } = new(Array.Empty<string>(), Array.Empty<string>(), null);

    public static ClientSettings From(JsonNode? node)
    {
        if (node is not JsonObject o) return None;
        if (o["etlAgent"] is JsonObject nested) o = nested;
        int? level = null;
        if (o["compatibilityLevel"] is JsonValue v && v.TryGetValue<int>(out var l) && SqlParser.IsSupportedLevel(l)) level = l;
        else if (o["compatibilityLevel"] is JsonValue s && s.TryGetValue<string>(out var text) && int.TryParse(text, out var l2) && SqlParser.IsSupportedLevel(l2)) level = l2;
        return new ClientSettings(Strings(o["include"]), Strings(o["exclude"]), level);
    }

    private static IReadOnlyList<string> Strings(JsonNode? node) =>
        node is JsonArray a ? a.Select(x => x?.GetValue<string>()).Where(x => !string.IsNullOrWhiteSpace(x)).Select(x => x!).ToList() : Array.Empty<string>();

    public WorkspaceSettings Apply(WorkspaceSettings manifest, IFileSource files)
    {
        var include = manifest.Include.Concat(Include).ToList();
        var exclude = manifest.Exclude.Concat(Exclude).ToList();
        return manifest with
        {
            CompatibilityLevel = CompatibilityLevel ?? manifest.CompatibilityLevel,
            Include = include,
            Exclude = exclude,
            Ignore = Exclude.Count == 0 ? manifest.Ignore : new IgnoreRules(exclude.Concat(IgnoreFile(files))),
        };
    }

    private static IEnumerable<string> IgnoreFile(IFileSource files) =>
        files.Exists(WorkspaceSettings.IgnoreFile) ? files.ReadAllText(WorkspaceSettings.IgnoreFile).Split('\n') : Array.Empty<string>();

    public bool SameAs(ClientSettings other) =>
        Include.SequenceEqual(other.Include) && Exclude.SequenceEqual(other.Exclude) && CompatibilityLevel == other.CompatibilityLevel;
}
