using System.Text.RegularExpressions;

namespace EtlAgent.Core.Syntax;

/// <summary>
/// Files that are clearly another SQL dialect's scripts (PostgreSQL and psql, or a dialect's CREATE OR
/// REPLACE), kept beside T-SQL in many repositories. Reporting their every line as a T-SQL syntax error
/// would be noise: such a file is not parsed and gets one information finding naming the construct that
/// gave it away. Only constructs T-SQL has no reading of count, and only in code (comments, strings and
/// quoted identifiers are skipped), so a T-SQL file is never taken for another dialect. A code-generation
/// template (`DROP TABLE ${temp_table}`, placeholders a generator replaces with names and column lists) is
/// treated alike: `${` has no reading in T-SQL, and what the placeholders stand for is not known.
/// </summary>
public static partial class ForeignDialect
{
    /// <summary>The number a foreign-dialect document's <see cref="SyntaxError"/> carries (ScriptDom's own numbers are ≥ 46000).</summary>
    public const int ErrorNumber = 2;

    /// <summary>
    /// The first construct that shows the text is not T-SQL: its offset, length, a description, and whether it is a
    /// code-generation template's placeholder rather than another dialect's construct; null for T-SQL.
    /// </summary>
    public static (int Offset, int Length, string What, bool Template)? Detect(string text)
    {
        int i = 0, n = text.Length;
        bool lineStart = true; // only whitespace since the last newline
        while (i < n)
        {
            char c = text[i];
            if (c == '\n') { lineStart = true; i++; continue; }
            if (char.IsWhiteSpace(c)) { i++; continue; }
            if (c == '-' && i + 1 < n && text[i + 1] == '-') { while (i < n && text[i] != '\n') i++; continue; }
            if (c == '/' && i + 1 < n && text[i + 1] == '*') { i = SkipBlockComment(text, i); lineStart = false; continue; }
            if (c is '\'' or '"' or '[') { i = SkipQuoted(text, i, c == '[' ? ']' : c); lineStart = false; continue; }
            if (c == '\\' && lineStart && i + 1 < n && char.IsAsciiLetter(text[i + 1]))
            {
                int end = i + 1;
                while (end < n && char.IsAsciiLetter(text[end])) end++;
                return (i, end - i, $"the psql meta-command {text[i..end]} at the start of a line", false);
            }
            if (c == '$' && i + 1 < n && text[i + 1] == '$') return (i, 2, "a $$-quoted body (PostgreSQL)", false);
            if (IsPlaceholderStart(text, i))
            {
                int end = text.IndexOf('}', i + 2);
                end = end < 0 || text.AsSpan(i, end - i).IndexOfAny('\n', ' ') >= 0 ? i + 2 : end + 1;
                return (i, end - i, $"the placeholder {text[i..end]}", true);
            }
            if (c != '$' && IsWordChar(c))
            {
                var m = Keywords().Match(text, i);
                if (m.Success)
                    return (i, m.Length, m.Value.StartsWith("LANGUAGE", StringComparison.OrdinalIgnoreCase)
                        ? "LANGUAGE plpgsql (a PostgreSQL function)"
                        : "CREATE OR REPLACE (T-SQL writes CREATE OR ALTER)", false);
                while (i < n && IsWordChar(text[i]) && !IsPlaceholderStart(text, i)) i++;
                lineStart = false;
                continue;
            }
            lineStart = false;
            i++;
        }
        return null;
    }

    /// <summary>`${`: a template placeholder (`${table}`); T-SQL has no `${` (sqlcmd variables are `$(name)`).</summary>
    private static bool IsPlaceholderStart(string text, int i) => text[i] == '$' && i + 1 < text.Length && text[i + 1] == '{';

    private static bool IsWordChar(char c) => char.IsLetterOrDigit(c) || c is '_' or '@' or '#' or '$';

    private static int SkipBlockComment(string text, int i)
    {
        int depth = 0;
        while (i < text.Length)
        {
            if (text[i] == '/' && i + 1 < text.Length && text[i + 1] == '*') { depth++; i += 2; continue; }
            if (text[i] == '*' && i + 1 < text.Length && text[i + 1] == '/') { i += 2; if (--depth == 0) return i; continue; }
            i++;
        }
        return i;
    }

    private static int SkipQuoted(string text, int i, char close)
    {
        i++;
        while (i < text.Length)
        {
            if (text[i] == close)
            {
                if (i + 1 < text.Length && text[i + 1] == close) { i += 2; continue; } // doubled: an escaped quote
                return i + 1;
            }
            i++;
        }
        return i;
    }

    [GeneratedRegex(@"\G(?:LANGUAGE\s+'?plpgsql\b'?|CREATE\s+OR\s+REPLACE\b)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Keywords();
}
