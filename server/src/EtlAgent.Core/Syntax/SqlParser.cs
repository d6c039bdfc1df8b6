using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace EtlAgent.Core.Syntax;

/// <summary>
/// Parses T-SQL with ScriptDom. The compatibility level picks the parser (SQL Server 2008 = 100
/// ... 2025 = 170); QUOTED_IDENTIFIER is on, as SSDT projects and SqlClient sessions default to.
/// </summary>
public sealed class SqlParser
{
    public const int DefaultCompatibilityLevel = 170;

    public SqlParser(int compatibilityLevel = DefaultCompatibilityLevel, IReadOnlyDictionary<string, string>? sqlcmdVariables = null)
    {
        CompatibilityLevel = compatibilityLevel;
        SqlcmdVariables = sqlcmdVariables;
    }

    public int CompatibilityLevel { get; }

    /// <summary>Values for `$(Name)` in sqlcmd-mode scripts (see <see cref="SqlcmdText"/>).</summary>
    public IReadOnlyDictionary<string, string>? SqlcmdVariables { get; }

    public TSqlParser CreateParser() => CreateParser(CompatibilityLevel);

    public static TSqlParser CreateParser(int compatibilityLevel) => compatibilityLevel switch
    {
        <= 100 => new TSql100Parser(true),
        110 => new TSql110Parser(true),
        120 => new TSql120Parser(true),
        130 => new TSql130Parser(true),
        140 => new TSql140Parser(true),
        150 => new TSql150Parser(true),
        160 => new TSql160Parser(true),
        _ => new TSql170Parser(true),
    };

    public static bool IsSupportedLevel(int level) => level is 100 or 110 or 120 or 130 or 140 or 150 or 160 or 170;

    /// <summary>
    /// Never throws on bad SQL: errors are returned with the tree of what parsed. A batch (between GO
    /// lines) with a syntax error is left out on its own; the batches before and after it are kept.
    /// </summary>
    public SqlDocument Parse(string path, string text)
    {
        if (text.Length > 0 && text[0] == '\uFEFF') text = text.Substring(1);
        var lines = new LineIndex(text);
        if (NestingGuard.FindTooDeep(text) is var deep and >= 0)
        {
            // Not parsed at all: the parser itself would exhaust the stack (see NestingGuard).
            var error = new SyntaxError(NestingGuard.ErrorNumber,
                $"Nesting too deep: more than {NestingGuard.MaxDepth} levels of parentheses, CASE, BEGIN…END, IF/WHILE, joins, " +
                "set operators or chained operators in one statement here. The file is not analysed; split the statement " +
                "(an IN list or a table of values instead of chained ORs, smaller statements instead of deep nesting).",
                lines.Range(deep, TokenEnd(text, deep)));
            return new SqlDocument(path, text, null, new[] { error }, lines);
        }
        if (ForeignDialect.Detect(text) is { } foreign)
        {
            // Another dialect's script, or a code generator's template, kept beside the T-SQL: not parsed, one
            // notice instead of a syntax error per line.
            var what = foreign.Template
                ? "so this is a code-generation template, T-SQL only once a generator fills in its placeholders"
                : "so this is another SQL dialect's script";
            var error = new SyntaxError(ForeignDialect.ErrorNumber,
                $"Not T-SQL: {foreign.What}, {what}. It is not analysed (no syntax errors, findings or tests for it); " +
                "list it in .etlagentignore to drop this notice.",
                lines.Range(foreign.Offset, foreign.Offset + foreign.Length));
            return new SqlDocument(path, text, null, new[] { error }, lines);
        }
        var sqlcmd = SqlcmdText.Rewrite(text, SqlcmdVariables);
        var parsed = sqlcmd?.Text ?? text;
        TSqlFragment? tree;
        IList<ParseError> parseErrors;
        using (var reader = new StringReader(parsed))
            tree = CreateParser().Parse(reader, out parseErrors);

        var errors = new List<SyntaxError>(parseErrors.Count);
        IReadOnlyList<IList<TSqlParserToken>>? streams = null;
        if (parseErrors.Count > 0 && BatchSplitter.Split(parsed) is { Count: > 1 } batches)
        {
            var script = new TSqlScript();
            var kept = new List<IList<TSqlParserToken>>();
            foreach (var (start, end) in batches)
            {
                IList<ParseError> batchErrors;
                TSqlFragment? batchTree;
                using (var reader = new StringReader(parsed[start..end]))
                    batchTree = CreateParser().Parse(reader, out batchErrors);
                if (batchErrors.Count > 0)
                {
                    var first = FirstOf(batchErrors);
                    errors.Add(Error(text, lines, first, MapStart(sqlcmd, start + first.Offset)));
                    continue;
                }
                if (batchTree is not TSqlScript { ScriptTokenStream: { } stream } batchScript) continue;
                Relocate(stream, text, lines, sqlcmd, start);
                kept.Add(stream);
                foreach (var b in batchScript.Batches) script.Batches.Add(b);
            }
            tree = script;
            streams = kept;
        }
        else
        {
            if (sqlcmd is not null && tree?.ScriptTokenStream is { } stream) Relocate(stream, text, lines, sqlcmd, 0);
            // one batch: its first error (see FirstOf)
            if (parseErrors.Count > 0) errors.Add(Error(text, lines, FirstOf(parseErrors), MapStart(sqlcmd, FirstOf(parseErrors).Offset)));
        }
        return new SqlDocument(path, text, tree, errors, lines, streams, rewritten: sqlcmd is not null);
    }

    /// <summary>
    /// A batch's first syntax error. The parser recovers after it by guessing where the broken statement ends,
    /// and what it reports after that guess is often a cascade of the first error (an `END CATCH` the failed
    /// statement left unmatched), valid code once the first is fixed. SQL Server rejects the batch on the first
    /// error anyway, and the batch is left out of the analysis, so one error per batch says all that is known.
    /// </summary>
    private static ParseError FirstOf(IList<ParseError> errors)
    {
        var first = errors[0];
        foreach (var e in errors)
            if (e.Offset < first.Offset) first = e;
        return first;
    }

    private static int MapStart(SqlcmdText? sqlcmd, int offset) => sqlcmd?.MapStart(offset) ?? offset;

    private static SyntaxError Error(string text, LineIndex lines, ParseError e, int offset)
    {
        int start = Math.Clamp(offset, 0, text.Length);
        return new SyntaxError(e.Number, e.Message, lines.Range(start, TokenEnd(text, start)));
    }

    /// <summary>
    /// Moves tokens parsed from rewritten or partial text to their place in the original text (fragment
    /// positions are computed from their tokens); a token's text becomes the original text it covers.
    /// </summary>
    private static void Relocate(IList<TSqlParserToken> stream, string text, LineIndex lines, SqlcmdText? sqlcmd, int batchStart)
    {
        foreach (var token in stream)
        {
            int s = batchStart + token.Offset, e = s + (token.Text?.Length ?? 0);
            int start = Math.Clamp(sqlcmd?.MapStart(s) ?? s, 0, text.Length);
            int end = Math.Clamp(sqlcmd?.MapEnd(e) ?? e, start, text.Length);
            var position = lines.PositionOf(start);
            token.Offset = start;
            token.Line = position.Line + 1;
            token.Column = position.Character + 1;
            if (sqlcmd is not null) token.Text = text[start..end];
        }
    }

    /// <summary>
    /// Parses text[start, start + length) on its own (see <see cref="StatementChunker"/>) as part of
    /// the whole document: positions, errors and <see cref="SqlDocument.TextOf"/> refer to the whole text.
    /// </summary>
    public SqlDocument ParseSlice(string path, string text, LineIndex lines, int start, int length)
    {
        var slice = Parse(path, text.Substring(start, length));
        if (start == 0) return new SqlDocument(path, text, slice.Tree, slice.Errors, lines);
        var at = lines.PositionOf(start);
        if (slice.Tree?.ScriptTokenStream is { } tokens)
            foreach (var token in tokens)
            {
                if (token.Line == 1) token.Column += at.Character;
                token.Line += at.Line;
                token.Offset += start;
            }
        var errors = slice.Errors.Select(e => e with
        {
            Range = lines.Range(e.Range.StartOffset + start, e.Range.EndOffset + start),
        }).ToList();
        return new SqlDocument(path, text, slice.Tree, errors, lines);
    }

    // The parser reports a point; underline the word (or character) it points at.
    private static int TokenEnd(string text, int start)
    {
        int i = start;
        while (i < text.Length && (char.IsLetterOrDigit(text[i]) || text[i] is '_' or '@' or '#' or '$')) i++;
        if (i == start && i < text.Length && text[i] is not ('\r' or '\n')) i++;
        return i;
    }
}
