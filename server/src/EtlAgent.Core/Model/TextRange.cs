namespace EtlAgent.Core.Model;

/// <summary>A zero-based line/character position (UTF-16 code units), the way LSP counts.</summary>
public readonly record struct LinePosition(int Line, int Character) : IComparable<LinePosition>
{
    public int CompareTo(LinePosition other) =>
        Line != other.Line ? Line.CompareTo(other.Line) : Character.CompareTo(other.Character);

    public override string ToString() => $"{Line + 1}:{Character + 1}";
}

/// <summary>
/// A span of a document: character offsets into the decoded text (BOM excluded) plus the
/// zero-based start and end positions. Both are kept so editors and reports need no re-scan.
/// </summary>
public readonly record struct TextRange(int StartOffset, int EndOffset, LinePosition Start, LinePosition End)
{
    public int Length => EndOffset - StartOffset;

    public bool Contains(int offset) => offset >= StartOffset && offset < EndOffset;

    public bool Intersects(TextRange other) => StartOffset < other.EndOffset && other.StartOffset < EndOffset;

    public override string ToString() => $"{Start}-{End}";
}

/// <summary>A range in a workspace file. <see cref="File"/> is workspace-relative with '/' separators.</summary>
public sealed record Location(string File, TextRange Range)
{
    public override string ToString() => $"{File}:{Range.Start}";
}
