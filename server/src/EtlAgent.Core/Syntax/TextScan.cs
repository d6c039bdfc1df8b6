namespace EtlAgent.Core.Syntax;

/// <summary>Skipping T-SQL's quoted text and comments in raw text, for the scanners that work before (or instead of) the parser.</summary>
public static class TextScan
{
    /// <summary>The offset after a quoted run that ends with <paramref name="close"/> (doubled, it is part of the text), starting inside it.</summary>
    public static int SkipQuoted(string text, int i, char close)
    {
        while (i < text.Length)
        {
            if (text[i] == close)
            {
                if (i + 1 < text.Length && text[i + 1] == close) { i += 2; continue; }
                return i + 1;
            }
            i++;
        }
        return i;
    }

    /// <summary>The offset after a block comment, starting inside it; T-SQL block comments nest.</summary>
    public static int SkipBlockComment(string text, int i)
    {
        int level = 1;
        while (i < text.Length && level > 0)
        {
            if (text[i] == '/' && i + 1 < text.Length && text[i + 1] == '*') { level++; i += 2; }
            else if (text[i] == '*' && i + 1 < text.Length && text[i + 1] == '/') { level--; i += 2; }
            else i++;
        }
        return i;
    }

    /// <summary>
    /// When <paramref name="i"/> starts a string, a quoted name or a comment, the offset after it;
    /// otherwise <paramref name="i"/> itself (so a scanner looks only at code).
    /// </summary>
    public static int SkipTrivia(string text, int i)
    {
        if (i >= text.Length) return i;
        bool next(char c) => i + 1 < text.Length && text[i + 1] == c;
        switch (text[i])
        {
            case '\'': return SkipQuoted(text, i + 1, '\'');
            case '"': return SkipQuoted(text, i + 1, '"');
            case '[': return SkipQuoted(text, i + 1, ']');
            case '-' when next('-'):
                while (i < text.Length && text[i] != '\n') i++;
                return i;
            case '/' when next('*'): return SkipBlockComment(text, i + 2);
            default: return i;
        }
    }
}
