namespace EtlAgent.Core.Analysis;

/// <summary>Which failure an analysis is about: the test file (workspace-relative), the case, and the transformation it calls.</summary>
public sealed record FailureId(string TestFile, string Case, string Transformation)
{
    public override string ToString() => $"{Transformation} › {Case}";
}

/// <summary>
/// A statement suspected of causing a failure: where it is (file, 1-based lines, offsets into the
/// file's text for edits), its text, the columns responsible, the bug class and a confidence in
/// [0, 1]. A heal takes <see cref="Start"/>/<see cref="Length"/> as the span to repair around.
/// </summary>
public sealed record SuspectStatement(
    string File,
    int Line,
    int EndLine,
    int Start,
    int Length,
    string Statement,
    IReadOnlyList<string> Columns,
    string Class,
    double Confidence)
{
    /// <summary>The edit inside the statement that the evidence points at (a mutant that turns the case green, or the change since the base), when there is one.</summary>
    public SuspectEdit? Edit { get; init; }
}

/// <summary>A span of the file and the text that, put there, made the failing case pass (or the base version's text).</summary>
public sealed record SuspectEdit(int Start, int Length, string Original, string Replacement, string Operator);
