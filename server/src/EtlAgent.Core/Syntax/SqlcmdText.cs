namespace EtlAgent.Core.Syntax;

/// <summary>
/// A script in sqlcmd mode (SSDT deployment scripts, `sqlcmd -i`) rewritten to text the T-SQL
/// parser accepts: command lines (`:setvar`, `:r`, `:on error exit`, `!!`) become blanks of the
/// same length, and `$(Name)` references are replaced by the variable's value (from the script's
/// own `:setvar` lines, else from the configured values) or, when it has none, by a bracketed
/// identifier in code (inside strings and quoted identifiers the reference is left as it is:
/// any text parses there). <see cref="MapStart"/> and <see cref="MapEnd"/> take an offset in the
/// rewritten text back to the original, so diagnostics point at what the user wrote.
/// </summary>
public sealed class SqlcmdText
{
    private readonly List<(int ParsedStart, int ParsedEnd, int OriginalStart, int OriginalEnd)> _segments;

    private SqlcmdText(string text, List<(int, int, int, int)> segments)
    {
        Text = text;
        _segments = segments;
    }

    /// <summary>The rewritten text, for the parser.</summary>
    public string Text { get; }

    /// <summary>True when <paramref name="text"/> has anything sqlcmd would interpret (a cheap test).</summary>
    public static bool Applies(string text)
    {
        if (text.Contains("$(", StringComparison.Ordinal)) return true;
        for (int i = 0; i < text.Length; i++)
        {
            if (i > 0 && text[i - 1] != '\n') { i = text.IndexOf('\n', i); if (i < 0) return false; continue; }
            int j = i;
            while (j < text.Length && text[j] is ' ' or '\t') j++;
            if (j + 1 < text.Length && ((text[j] == ':' && char.IsLetter(text[j + 1])) || (text[j] == '!' && text[j + 1] == '!'))) return true;
        }
        return false;
    }

    /// <summary>The rewritten script, or null when <paramref name="text"/> uses no sqlcmd syntax.</summary>
    public static SqlcmdText? Rewrite(string text, IReadOnlyDictionary<string, string>? variables)
    {
        if (!Applies(text)) return null;
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (variables is not null)
            foreach (var (k, v) in variables) values[k] = v;

        var output = new System.Text.StringBuilder(text.Length);
        var segments = new List<(int, int, int, int)>();
        var mode = Mode.Code;
        int depth = 0;
        bool lineStart = true;
        for (int i = 0; i < text.Length;)
        {
            char c = text[i];
            if (lineStart && mode == Mode.Code && CommandLineEnd(text, i) is int end)
            {
                if (SetVar(text[i..end]) is { } setvar) values[setvar.Name] = setvar.Value;
                for (int k = i; k < end; k++) output.Append(text[k] is '\t' ? '\t' : ' ');
                i = end;
                continue;
            }
            lineStart = c == '\n';
            if (mode is not (Mode.LineComment or Mode.BlockComment) && c == '$' && i + 1 < text.Length && text[i + 1] == '(' &&
                VariableEnd(text, i + 2) is int close)
            {
                var name = text[(i + 2)..close];
                string? replacement = values.TryGetValue(name, out var value) ? value : mode == Mode.Code ? "[" + name + "]" : null;
                if (replacement is not null)
                {
                    segments.Add((output.Length, output.Length + replacement.Length, i, close + 1));
                    output.Append(replacement);
                    i = close + 1;
                    continue;
                }
            }
            output.Append(c);
            i++;
            switch (mode)
            {
                case Mode.Code:
                    if (c == '-' && i < text.Length && text[i] == '-') { mode = Mode.LineComment; output.Append('-'); i++; }
                    else if (c == '/' && i < text.Length && text[i] == '*') { mode = Mode.BlockComment; depth = 1; output.Append('*'); i++; }
                    else if (c == '\'') mode = Mode.String;
                    else if (c == '"') mode = Mode.QuotedIdentifier;
                    else if (c == '[') mode = Mode.Bracket;
                    break;
                case Mode.LineComment:
                    if (c == '\n') mode = Mode.Code;
                    break;
                case Mode.BlockComment:
                    if (c == '*' && i < text.Length && text[i] == '/') { output.Append('/'); i++; if (--depth == 0) mode = Mode.Code; }
                    else if (c == '/' && i < text.Length && text[i] == '*') { output.Append('*'); i++; depth++; }
                    break;
                case Mode.String:
                    if (c == '\'') mode = Mode.Code; // a doubled quote re-enters the string on the next character
                    break;
                case Mode.QuotedIdentifier:
                    if (c == '"') mode = Mode.Code;
                    break;
                case Mode.Bracket:
                    if (c == ']') mode = Mode.Code;
                    break;
            }
        }
        var rewritten = output.ToString();
        return segments.Count == 0 && rewritten == text ? null : new SqlcmdText(rewritten, segments); // `$(` only inside strings: nothing to do
    }

    /// <summary>The original offset of a token starting at <paramref name="parsed"/> in the rewritten text.</summary>
    public int MapStart(int parsed) => Map(parsed, start: true);

    /// <summary>The original offset of a token ending at <paramref name="parsed"/> in the rewritten text.</summary>
    public int MapEnd(int parsed) => Map(parsed, start: false);

    private int Map(int parsed, bool start)
    {
        int delta = 0;
        foreach (var (ps, pe, os, oe) in _segments)
        {
            if (parsed < ps || (parsed == ps && !(start && pe == ps))) return parsed - ps + os;
            if (parsed <= pe) return parsed == ps && !start ? os : oe;
            delta = oe - pe;
        }
        return parsed + delta;
    }

    private enum Mode { Code, LineComment, BlockComment, String, QuotedIdentifier, Bracket }

    /// <summary>The end (before the line break) of a sqlcmd command line starting at <paramref name="i"/>, or null.</summary>
    private static int? CommandLineEnd(string text, int i)
    {
        int j = i;
        while (j < text.Length && text[j] is ' ' or '\t') j++;
        if (j + 1 >= text.Length) return null;
        bool command = (text[j] == ':' && char.IsLetter(text[j + 1])) || (text[j] == '!' && text[j + 1] == '!');
        if (!command) return null;
        int end = text.IndexOf('\n', j);
        if (end < 0) end = text.Length;
        if (end > i && text[end - 1] == '\r') end--;
        return end;
    }

    private static (string Name, string Value)? SetVar(string line)
    {
        var m = System.Text.RegularExpressions.Regex.Match(line, @"^\s*:setvar\s+(?<name>[A-Za-z_][\w-]*)(?:\s+(?:""(?<q>[^""]*)""|(?<v>\S+)))?",
            System.Text.RegularExpressions.RegexOptions.IgnoreCase);
        if (!m.Success) return null;
        return (m.Groups["name"].Value, m.Groups["q"].Success ? m.Groups["q"].Value : m.Groups["v"].Value);
    }

    private static int? VariableEnd(string text, int from)
    {
        int j = from;
        if (j >= text.Length || !(char.IsLetter(text[j]) || text[j] == '_')) return null;
        while (j < text.Length && (char.IsLetterOrDigit(text[j]) || text[j] is '_' or '-')) j++;
        return j < text.Length && text[j] == ')' ? j : null;
    }
}
