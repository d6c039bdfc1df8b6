using EtlAgent.Core.Ports;
using EtlAgent.Core.Sandbox.TestFiles;

namespace EtlAgent.Core.Generation;

/// <summary>What became of one transformation's generation: the file written, or why none was.</summary>
public sealed record GeneratedTestFile(string Transformation, string? Path, GenerationResult? Result, string? Skipped)
{
    public bool Written => Path is not null && Skipped is null;
}

/// <summary>
/// The life of a generated test file, shared by `etl-agent generate`, `etl-agent run` and the
/// editor: where generation writes (never over a file a person owns), whether a file is still
/// recorded behaviour (<see cref="TestGenerator.Header"/> at its top), and the edit that accepts it
/// as reviewed. A reviewed file no longer starts with the header, so from then on it is hand-owned:
/// generation writes next to it, and overwrites it only with --force.
/// </summary>
public static class GeneratedTestFiles
{
    public const string DefaultDirectory = "tests/etl";

    /// <summary>What replaces the header once a person has reviewed the expectations.</summary>
    public const string ReviewedMarker =
        "# Reviewed: these expectations are the specification of the transformation (accepted from recorded behaviour).\n";

    public const string GeneratedSuffix = ".generated";

    private static readonly string[] HeaderLines = TestGenerator.Header.TrimEnd('\n').Split('\n');

    /// <summary>True when the file starts with the generator's header: recorded behaviour nobody has accepted yet.</summary>
    public static bool IsRecorded(string text) => HeaderSpan(text) is not null;

    /// <summary>True when the file starts with the reviewed marker.</summary>
    public static bool IsReviewed(string text) => StripBom(text).StartsWith(ReviewedMarker.TrimEnd('\n'), StringComparison.Ordinal);

    /// <summary>`DIR/&lt;Schema&gt;.&lt;Name&gt;.etltest.yaml`, the name generation writes by default.</summary>
    public static string DefaultPath(string directory, string transformation) =>
        $"{Normalize(directory)}/{transformation}{TestFile.Extension}";

    /// <summary>
    /// Where generation writes for <paramref name="transformation"/>: the default path when it is
    /// free or still recorded behaviour; otherwise `&lt;name&gt;.generated.etltest.yaml` when that one
    /// is free or recorded; null when both are hand-owned. <paramref name="force"/>: the default path.
    /// </summary>
    public static string? TargetPath(IFileSource files, string directory, string transformation, bool force)
    {
        var path = DefaultPath(directory, transformation);
        if (force || Replaceable(files, path)) return path;
        var beside = $"{Normalize(directory)}/{transformation}{GeneratedSuffix}{TestFile.Extension}";
        return Replaceable(files, beside) ? beside : null;
    }

    /// <summary>Offset and length of the header lines at the top of the file (BOM excluded); null when there is none.</summary>
    public static (int Start, int Length)? HeaderSpan(string text)
    {
        int start = text.Length > 0 && text[0] == '\uFEFF' ? 1 : 0;
        int at = start;
        foreach (var expected in HeaderLines)
        {
            int end = text.IndexOf('\n', at);
            var line = (end < 0 ? text[at..] : text[at..end]).TrimEnd('\r');
            if (line != expected) return at == start ? null : (start, at - start);
            at = end < 0 ? text.Length : end + 1;
        }
        return (start, at - start);
    }

    /// <summary>The text with the header replaced by <see cref="ReviewedMarker"/>; null when the file is not recorded behaviour.</summary>
    public static string? Accept(string text) =>
        HeaderSpan(text) is { } span ? string.Concat(text.AsSpan(0, span.Start), ReviewedMarker, text.AsSpan(span.Start + span.Length)) : null;

    /// <summary>
    /// Generates the tests of one transformation and writes them where <see cref="TargetPath"/> says.
    /// A failure of the generator is reported in the result, never thrown (cancellation is).
    /// </summary>
    public static async Task<GeneratedTestFile> GenerateAsync(TestGenerator generator, string transformation,
        IFileSource files, IFileWriter writer, string directory, bool force, CancellationToken cancellationToken = default)
    {
        var path = TargetPath(files, directory, transformation, force);
        if (path is null)
            return new GeneratedTestFile(transformation, null, null,
                $"{DefaultPath(directory, transformation)} and its {GeneratedSuffix}{TestFile.Extension} are reviewed or hand-written; --force overwrites");
        GenerationResult result;
        try { result = await generator.GenerateAsync(transformation, path, cancellationToken).ConfigureAwait(false); }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return new GeneratedTestFile(transformation, null, null, $"generation failed: {e.Message}");
        }
        if (result.File is null || result.File.Cases.Count == 0 || result.Text is null)
            return new GeneratedTestFile(transformation, null, result, "no case could be generated");
        writer.WriteAllText(path, result.Text);
        return new GeneratedTestFile(transformation, path, result, null);
    }

    private static bool Replaceable(IFileSource files, string path)
    {
        if (!files.Exists(path)) return true;
        try { return IsRecorded(files.ReadAllText(path)); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return false; }
    }

    private static string Normalize(string directory) => directory.Replace('\\', '/').Trim('/');

    private static string StripBom(string text) => text.Length > 0 && text[0] == '\uFEFF' ? text[1..] : text;
}
