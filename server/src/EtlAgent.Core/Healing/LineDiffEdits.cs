using EtlAgent.Core.Model;

namespace EtlAgent.Core.Healing;

/// <summary>
/// The span edits that turn one text into another, one per run of changed lines (a longest common
/// subsequence of lines), so a test-side heal shows and applies only the lines it changes rather
/// than replacing the whole file.
/// </summary>
public static class LineDiffEdits
{
    /// <summary>Above this many line pairs the middle is replaced as one edit (the table would not pay off).</summary>
    private const long MaxCells = 4_000_000;

    public static IReadOnlyList<TextEdit> Between(string file, string before, string after)
    {
        if (before == after) return Array.Empty<TextEdit>();
        var a = Lines(before);
        var b = Lines(after);
        int head = 0;
        while (head < a.Count && head < b.Count && a[head].Text == b[head].Text) head++;
        int tail = 0;
        while (tail < a.Count - head && tail < b.Count - head && a[^(tail + 1)].Text == b[^(tail + 1)].Text) tail++;
        int n = a.Count - head - tail, m = b.Count - head - tail;
        var edits = new List<TextEdit>();
        void Hunk(int ai, int aEnd, int bi, int bEnd)
        {
            if (ai == aEnd && bi == bEnd) return;
            int start = ai < a.Count ? a[ai].Start : before.Length;
            int end = aEnd < a.Count ? a[aEnd].Start : before.Length;
            var text = string.Concat(Enumerable.Range(bi, bEnd - bi).Select(k => b[k].Text));
            edits.Add(SpanEdits.Replace(file, before, start, end, text));
        }
        if ((long)n * m > MaxCells || n == 0 || m == 0)
        {
            Hunk(head, head + n, head, head + m);
            return edits;
        }
        // lengths of the common subsequence of the suffixes
        var lcs = new int[n + 1, m + 1];
        for (int i = n - 1; i >= 0; i--)
            for (int j = m - 1; j >= 0; j--)
                lcs[i, j] = a[head + i].Text == b[head + j].Text ? lcs[i + 1, j + 1] + 1 : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);
        int x = 0, y = 0, hunkA = 0, hunkB = 0;
        while (x < n || y < m)
        {
            if (x < n && y < m && a[head + x].Text == b[head + y].Text)
            {
                Hunk(head + hunkA, head + x, head + hunkB, head + y);
                x++; y++;
                hunkA = x; hunkB = y;
            }
            else if (y < m && (x == n || lcs[x, y + 1] >= lcs[x + 1, y])) y++;
            else x++;
        }
        Hunk(head + hunkA, head + n, head + hunkB, head + m);
        return edits;
    }

    /// <summary>The lines of a text with their line ends, and where each starts.</summary>
    private static List<(int Start, string Text)> Lines(string text)
    {
        var lines = new List<(int, string)>();
        int at = 0;
        while (at < text.Length)
        {
            int end = text.IndexOf('\n', at);
            end = end < 0 ? text.Length : end + 1;
            lines.Add((at, text[at..end]));
            at = end;
        }
        return lines;
    }
}
