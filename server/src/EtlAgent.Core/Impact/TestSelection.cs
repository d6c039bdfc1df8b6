using System.Text;
using System.Text.Json.Nodes;

namespace EtlAgent.Core.Impact;

/// <summary>One reason something was selected, and when the change behind it was made (for ranking).</summary>
/// <param name="Uncommitted">The change is in the working tree, not yet committed: the most recent of all.</param>
public sealed record SelectionReason(string Text, string File, DateTimeOffset? Changed, bool Uncommitted);

/// <summary>A transformation the change affects, with every reason.</summary>
public sealed record AffectedTransformation(string Name, IReadOnlyList<SelectionReason> Reasons);

/// <summary>A test file selected to run, with why.</summary>
public sealed record SelectedTestFile(string Path, string? Transformation, IReadOnlyList<SelectionReason> Reasons);

/// <summary>
/// What `--changed-since REF` runs: the files that changed, the transformations the changes reach
/// (through calls, views and lineage), and the test files of those transformations, each with the
/// reasons, most recently changed first.
/// </summary>
public sealed record TestSelection(
    string Reference,
    IReadOnlyList<string> ChangedFiles,
    IReadOnlyList<AffectedTransformation> Transformations,
    IReadOnlyList<SelectedTestFile> Tests)
{
    public bool Selects(string testPath) => Tests.Any(t => string.Equals(t.Path, testPath, StringComparison.Ordinal));

    public bool Affects(string transformation) => Transformations.Any(t => string.Equals(t.Name, transformation, StringComparison.OrdinalIgnoreCase));

    public string Text()
    {
        var sb = new StringBuilder();
        sb.Append($"Changed since {Reference}: {ChangedFiles.Count} {(ChangedFiles.Count == 1 ? "file" : "files")}; ")
          .Append($"{Transformations.Count} affected {(Transformations.Count == 1 ? "transformation" : "transformations")}, ")
          .AppendLine($"{Tests.Count} test {(Tests.Count == 1 ? "file" : "files")} selected");
        foreach (var t in Tests)
        {
            sb.Append("  ").AppendLine(t.Path);
            foreach (var r in t.Reasons) sb.Append("      ").AppendLine(r.Text);
        }
        var untested = Transformations.Where(t => !Tests.Any(s => string.Equals(s.Transformation, t.Name, StringComparison.OrdinalIgnoreCase))).ToList();
        if (untested.Count > 0)
            sb.Append("  affected, without a test file: ").AppendLine(string.Join(", ", untested.Select(t => t.Name)));
        return sb.ToString();
    }

    public JsonObject ToJson() => new()
    {
        ["changedSince"] = Reference,
        ["changedFiles"] = new JsonArray(ChangedFiles.Select(f => (JsonNode)f).ToArray()),
        ["transformations"] = new JsonArray(Transformations.Select(t => (JsonNode)new JsonObject
        {
            ["name"] = t.Name,
            ["reasons"] = Reasons(t.Reasons),
        }).ToArray()),
        ["tests"] = new JsonArray(Tests.Select(t => (JsonNode)new JsonObject
        {
            ["path"] = t.Path,
            ["transformation"] = t.Transformation,
            ["reasons"] = Reasons(t.Reasons),
        }).ToArray()),
    };

    private static JsonArray Reasons(IEnumerable<SelectionReason> reasons) => new(reasons.Select(r => (JsonNode)new JsonObject
    {
        ["reason"] = r.Text,
        ["file"] = r.File,
        ["changed"] = r.Uncommitted ? "uncommitted" : r.Changed?.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture),
    }).ToArray());
}
