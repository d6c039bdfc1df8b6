using EtlAgent.Core.Model;
using EtlAgent.Core.Syntax;

namespace EtlAgent.Core.Healing;

/// <summary>Span edits made and applied: offsets into a file's text, applied back to front in one pass.</summary>
public static class SpanEdits
{
    /// <summary>An edit of <paramref name="text"/> replacing [start, end) with <paramref name="newText"/>.</summary>
    public static TextEdit Replace(string file, string text, int start, int end, string newText) =>
        new(file, new LineIndex(text).Range(start, end), newText);

    /// <summary>The text with the edits of <paramref name="file"/> applied; null when two of them overlap or one leaves the text.</summary>
    public static string? Apply(string text, IEnumerable<TextEdit> edits, string file)
    {
        var mine = edits.Where(e => e.File == file).OrderByDescending(e => e.Range.StartOffset).ToList();
        int limit = text.Length;
        foreach (var e in mine)
        {
            if (e.Range.StartOffset < 0 || e.Range.EndOffset > limit || e.Range.StartOffset > e.Range.EndOffset) return null;
            text = text[..e.Range.StartOffset] + e.NewText + text[e.Range.EndOffset..];
            limit = e.Range.StartOffset;
        }
        return text;
    }
}
