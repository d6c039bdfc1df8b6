using System.Text.Json;
using System.Text.Json.Serialization;

namespace EtlAgent.AnalysisBench;

/// <summary>
/// One seeded fault, kept as data (bench/analysis/faults/*.json): an edit applied at run time to a
/// file of a workspace (the fixture warehouse, or a corpus by path and commit), and what root-cause
/// analysis should name: the statement's first line, a column, the bug class.
/// </summary>
public sealed record Fault
{
    public required string Id { get; init; }
    /// <summary>Repository-relative folder of the workspace (tests/fixtures/warehouse).</summary>
    public required string Workspace { get; init; }
    public required string Transformation { get; init; }
    public required string File { get; init; }
    /// <summary>Where the edit starts in the original text (null in a hand-written spec: the unique occurrence of <see cref="Original"/>).</summary>
    public int? Offset { get; init; }
    public required string Original { get; init; }
    public required string Replacement { get; init; }
    /// <summary>First line (1-based) of the statement that holds the edit (filled by `make` for hand-written faults).</summary>
    public int? Line { get; init; }
    /// <summary>The column the fault is about; null when none is (a whole statement deleted).</summary>
    public string? Column { get; init; }
    public required string Class { get; init; }
    /// <summary>"mutation: OPERATOR" or "hand".</summary>
    public required string Source { get; init; }
    public string? Note { get; init; }

    public string Apply(string text)
    {
        int at = Offset ?? throw new InvalidOperationException($"{Id}: no offset (run `make` first)");
        if (at + Original.Length > text.Length || string.CompareOrdinal(text, at, Original, 0, Original.Length) != 0)
            throw new InvalidOperationException($"{Id}: {File} does not hold '{Original}' at offset {at}");
        return text[..at] + Replacement + text[(at + Original.Length)..];
    }

    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static List<Fault> Read(string path) => JsonSerializer.Deserialize<List<Fault>>(System.IO.File.ReadAllText(path), Json)!;

    public static void Write(string path, IEnumerable<Fault> faults) => System.IO.File.WriteAllText(path, JsonSerializer.Serialize(faults, Json) + "\n");
}
