namespace EtlAgent.Core.Syntax;

/// <summary>
/// Cuts a very large script into slices that parse on their own, so that only one slice's syntax
/// tree is alive at a time (a ScriptDom tree takes tens of bytes per byte of text). A cut is made
/// only where a statement provably ends: after a ';' outside parentheses, CASE and BEGIN…END, not
/// before ELSE, and never inside a batch that defines a procedure, function, view or trigger (whose
/// body runs to the end of the batch); or at a GO line. A script with no such point stays whole.
/// </summary>
public static class StatementChunker
{
    /// <summary>Slices of about <paramref name="targetChars"/> characters covering <paramref name="text"/>, in order.</summary>
    public static IReadOnlyList<(int Start, int Length)> Split(string text, int targetChars)
    {
        var slices = new List<(int, int)>();
        int sliceStart = 0, parens = 0, blocks = 0, i = 0, n = text.Length;
        bool moduleBatch = false, atBatchStart = true;
        void CutAt(int at)
        {
            if (at - sliceStart < targetChars || at >= n) return;
            slices.Add((sliceStart, at - sliceStart));
            sliceStart = at;
        }
        while (i < n)
        {
            if (TextScan.SkipTrivia(text, i) is var after && after != i) { i = after; continue; }
            char c = text[i];
            switch (c)
            {
                case '(': parens++; i++; continue;
                case ')': if (parens > 0) parens--; i++; continue;
                case ';':
                    i++;
                    if (parens == 0 && blocks == 0 && !moduleBatch && !NextWordIs(text, i, "ELSE")) CutAt(i);
                    continue;
            }
            if (!char.IsLetter(c) && c != '_' && c != '@' && c != '#') { i++; continue; }
            int start = i;
            while (i < n && (char.IsLetterOrDigit(text[i]) || text[i] is '_' or '@' or '#' or '$')) i++;
            var word = text.AsSpan(start, i - start);
            if (Is(word, "GO") && LineIsOnly(text, start, i))
            {
                parens = blocks = 0;
                moduleBatch = false;
                atBatchStart = true;
                CutAt(start);
                continue;
            }
            if (atBatchStart)
            {
                atBatchStart = false;
                if (Is(word, "CREATE") || Is(word, "ALTER")) moduleBatch = DefinesModule(text, i);
            }
            if (Is(word, "CASE")) blocks++;
            else if (Is(word, "BEGIN") && !NextWordIs(text, i, "TRAN") && !NextWordIs(text, i, "TRANSACTION") &&
                     !NextWordIs(text, i, "DISTRIBUTED") && !NextWordIs(text, i, "DIALOG") && !NextWordIs(text, i, "CONVERSATION"))
                blocks++;
            else if (Is(word, "END") && blocks > 0) blocks--;
        }
        slices.Add((sliceStart, n - sliceStart));
        return slices;
    }

    // CREATE [OR ALTER] PROC[EDURE] | FUNCTION | VIEW | TRIGGER: the body runs to the end of the batch.
    private static bool DefinesModule(string text, int i)
    {
        var next = NextWord(text, ref i);
        if (Is(next, "OR")) { NextWord(text, ref i); next = NextWord(text, ref i); }
        return Is(next, "PROC") || Is(next, "PROCEDURE") || Is(next, "FUNCTION") || Is(next, "VIEW") || Is(next, "TRIGGER");
    }

    private static ReadOnlySpan<char> NextWord(string text, ref int i)
    {
        while (i < text.Length && char.IsWhiteSpace(text[i])) i++;
        int start = i;
        while (i < text.Length && (char.IsLetterOrDigit(text[i]) || text[i] == '_')) i++;
        return text.AsSpan(start, i - start);
    }

    private static bool NextWordIs(string text, int i, string keyword) => Is(NextWord(text, ref i), keyword);

    private static bool LineIsOnly(string text, int start, int end)
    {
        for (int k = start - 1; k >= 0 && text[k] != '\n'; k--) if (!char.IsWhiteSpace(text[k])) return false;
        for (int k = end; k < text.Length && text[k] != '\n'; k++) if (!char.IsWhiteSpace(text[k])) return false;
        return true;
    }

    private static bool Is(ReadOnlySpan<char> word, string keyword) => word.Equals(keyword, StringComparison.OrdinalIgnoreCase);
}
