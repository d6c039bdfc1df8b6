using EtlAgent.Core.Ports;
using EtlAgent.Core.Sandbox.TestFiles;

namespace EtlAgent.Core.Generation;

/// <summary>What became of one transformation's generation: the file written, or why none was.</summary>
public sealed record GeneratedTestFile(string Transformation, string? Path, GenerationResult? Result, string? Skipped)
{
    public bool Written => Path is not null && Skipped is null;

    /// <summary>Nothing was written because something went wrong (the generator failed, the write was refused), not by choice.</summary>
    public bool Failed { get; init; }

    /// <summary>The defect of the tool that stopped generation, for the log (stderr, the server's log).</summary>
    public Model.InternalErrorException? Error { get; init; }
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

    /// <summary>`DIR/&lt;Schema&gt;.&lt;Name&gt;.etltest.yaml`, the name generation writes by default (<see cref="FileStem"/>).</summary>
    public static string DefaultPath(string directory, string transformation) =>
        $"{Normalize(directory)}/{FileStem(transformation)}{TestFile.Extension}";

    /// <summary>Longest stem kept whole; a longer one is cut and ends with a hash of the whole name.</summary>
    private const int MaxStem = 120;

    private static readonly HashSet<string> WindowsReservedNames = new(StringComparer.OrdinalIgnoreCase)
    {
        "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$",
        "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9", "COM¹", "COM²", "COM³",
        "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9", "LPT¹", "LPT²", "LPT³",
    };

    /// <summary>
    /// The one place an object name becomes a file name: a single file name (no separator, so it
    /// cannot leave its folder), valid on Windows, macOS and Linux. A character that is not
    /// (<c>/ \ : * ? " &lt; &gt; |</c>, control characters, '%' itself, a leading dot or a
    /// trailing dot or space, the first letter of a reserved device name such as CON or COM1) is
    /// written %XX, so distinct names stay distinct and an ordinary name is unchanged. A stem longer
    /// than <see cref="MaxStem"/> is cut and ends with a hash of the whole name (stable across runs).
    /// </summary>
    public static string FileStem(string transformation)
    {
        var sb = new System.Text.StringBuilder(transformation.Length);
        for (int i = 0; i < transformation.Length; i++)
        {
            char c = transformation[i];
            bool escape = c < 0x20 || c == 0x7F || c is '/' or '\\' or ':' or '*' or '?' or '"' or '<' or '>' or '|' or '%'
                || (i == 0 && c == '.')
                || (i == transformation.Length - 1 && c is '.' or ' ')
                || (i == 0 && WindowsReservedNames.Contains(transformation.Split('.')[0].TrimEnd(' ')));
            if (!escape) { sb.Append(c); continue; }
            foreach (var b in System.Text.Encoding.UTF8.GetBytes(c.ToString())) sb.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
        }
        var stem = sb.ToString();
        if (stem.Length == 0) stem = "%00";
        if (stem.Length <= MaxStem) return stem;
        var hash = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(transformation)))[..12].ToLowerInvariant();
        var cut = stem[..(MaxStem - hash.Length - 1)];
        if (char.IsHighSurrogate(cut[^1])) cut = cut[..^1];
        int pct = cut.LastIndexOf('%');
        if (pct >= cut.Length - 2) cut = cut[..pct]; // never cut an escape in half
        return $"{cut.TrimEnd('.', ' ')}~{hash}";
    }

    /// <summary>
    /// Where generation writes for <paramref name="transformation"/>: the default path when it is
    /// free or still recorded behaviour; otherwise `&lt;name&gt;.generated.etltest.yaml` when that one
    /// is free or recorded; null when both are hand-owned. <paramref name="force"/>: the default path.
    /// </summary>
    public static string? TargetPath(IFileSource files, string directory, string transformation, bool force)
    {
        var path = DefaultPath(directory, transformation);
        if (force || Replaceable(files, path)) return path;
        var beside = $"{Normalize(directory)}/{FileStem(transformation)}{GeneratedSuffix}{TestFile.Extension}";
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
        catch (Exception e) when (e is Model.InternalErrorException || Model.InternalErrorException.IsDefect(e))
        {
            // a defect of the tool: named, the .NET exception kept for the log (Error), not for the message
            var error = e as Model.InternalErrorException ?? new Model.InternalErrorException($"the generation of tests for {transformation}", "its candidate inputs and mutants", null, e);
            return new GeneratedTestFile(transformation, null, null, error.Message) { Failed = true, Error = error };
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return new GeneratedTestFile(transformation, null, null, $"generation failed: {e.Message}") { Failed = true };
        }
        if (result.File is null || result.File.Cases.Count == 0 || result.Text is null)
            return new GeneratedTestFile(transformation, null, result, result.NoTestsReason ?? "no case could be generated");
        if (!force && Better(files, path, transformation, result) is { } kept)
            return new GeneratedTestFile(transformation, null, result, kept);
        try { writer.WriteAllText(path, result.Text); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new GeneratedTestFile(transformation, null, result, $"cannot write the tests of {transformation}: {e.Message}") { Failed = true };
        }
        return new GeneratedTestFile(transformation, path, result, null);
    }

    /// <summary>
    /// Why the recorded file already at <paramref name="path"/> is kept: it tests the same
    /// transformation with more cases than a generation that did not try every mutant (its budget
    /// ran out, or mutants were off). Null when the new file should be written.
    /// </summary>
    private static string? Better(IFileSource files, string path, string transformation, GenerationResult result)
    {
        if (result.Complete || !files.Exists(path)) return null;
        TestFileOutline? old;
        try { old = TestFileOutline.Read(files.ReadAllText(path)); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
        if (old?.TransformationKey is not { } target || !TestFileOutline.NameComparer.Equals(target, transformation)) return null;
        int now = result.File!.Cases.Count;
        if (old.CaseNames.Count <= now) return null;
        var why = result.Notes.FirstOrDefault(n => n.StartsWith("mutation budget spent", StringComparison.Ordinal)) ?? "mutants were not tried";
        return $"kept {path}: it has {old.CaseNames.Count} cases, this generation only {now} ({why}); a larger --budget generates as many, --force replaces it";
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
