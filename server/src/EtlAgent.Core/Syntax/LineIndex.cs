using EtlAgent.Core.Model;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace EtlAgent.Core.Syntax;

/// <summary>Maps character offsets to zero-based line/character positions (\r\n, \n and \r end a line).</summary>
public sealed class LineIndex
{
    private readonly int[] _lineStarts;
    private readonly int _length;

    public LineIndex(string text)
    {
        var starts = new List<int> { 0 };
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '\r')
            {
                if (i + 1 < text.Length && text[i + 1] == '\n') i++;
                starts.Add(i + 1);
            }
            else if (c == '\n')
            {
                starts.Add(i + 1);
            }
        }
        _lineStarts = starts.ToArray();
        _length = text.Length;
    }

    public int LineCount => _lineStarts.Length;

    public int LineStart(int line) => _lineStarts[Math.Clamp(line, 0, _lineStarts.Length - 1)];

    public LinePosition PositionOf(int offset)
    {
        offset = Math.Clamp(offset, 0, _length);
        int line = Array.BinarySearch(_lineStarts, offset);
        if (line < 0) line = ~line - 1;
        return new LinePosition(line, offset - _lineStarts[line]);
    }

    public int OffsetOf(LinePosition position)
    {
        if (position.Line >= _lineStarts.Length) return _length;
        return Math.Min(_lineStarts[Math.Max(0, position.Line)] + position.Character, _length);
    }

    public TextRange Range(int start, int end) => new(start, end, PositionOf(start), PositionOf(end));

    /// <summary>
    /// The rest of a one-based line of <paramref name="text"/> from a one-based column (how YAML
    /// and compilers place a problem); without the text, an empty range at that line and column.
    /// </summary>
    public static TextRange At(string? text, int line, int column = 1)
    {
        if (text is not null) return new LineIndex(text).RestOfLine(text, line, column);
        var at = new LinePosition(Math.Max(0, line - 1), Math.Max(0, column - 1));
        return new TextRange(0, 0, at, at);
    }

    /// <summary>From a one-based line and column (as YAML and compilers count) to the end of that line, clamped to the text.</summary>
    public TextRange RestOfLine(string text, int line, int column)
    {
        int l = Math.Clamp(line - 1, 0, _lineStarts.Length - 1);
        int lineEnd = l + 1 < _lineStarts.Length ? _lineStarts[l + 1] : _length;
        while (lineEnd > _lineStarts[l] && text[lineEnd - 1] is '\n' or '\r') lineEnd--;
        int start = Math.Min(_lineStarts[l] + Math.Max(0, column - 1), lineEnd);
        return Range(start, lineEnd);
    }

    public TextRange RangeOf(TSqlFragment fragment)
    {
        int start = Math.Max(0, fragment.StartOffset);
        return Range(start, start + Math.Max(0, fragment.FragmentLength));
    }

    /// <summary>The range from the start of <paramref name="first"/> to the end of <paramref name="last"/>.</summary>
    public TextRange RangeOf(TSqlFragment first, TSqlFragment last) =>
        Range(first.StartOffset, last.StartOffset + last.FragmentLength);
}
