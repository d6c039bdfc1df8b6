using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace EtlAgent.Core.Syntax;

/// <summary>
/// Re-parses only the statement an edit falls in, instead of the whole document: ScriptDom has no
/// incremental parser, but a statement that ends with ';' can be parsed on its own and spliced back,
/// with the tokens after it shifted (fragment positions are computed from their tokens).
///
/// The splice mutates the previous tree, so it is only for callers that own that tree and read
/// trees on one thread (the workspace session's worker). Anything it cannot prove equivalent to a
/// full parse — syntax errors before or after, an edit across statements, a statement without a
/// terminating ';', a snippet that does not parse as exactly one statement — returns null, and the
/// caller parses the whole document.
/// </summary>
public static class IncrementalReparser
{
    /// <summary>After this many splices the next edit parses the whole document again (and drops old streams).</summary>
    public const int MaxStreams = 64;

    public static SqlDocument? TryReparse(SqlDocument previous, string newText, int compatibilityLevel)
    {
        if (previous.Tree is not TSqlScript script || previous.Errors.Count > 0 || previous.TokenStreams.Count >= MaxStreams) return null;
        if (previous.Rewritten || SqlcmdText.Applies(newText)) return null; // offsets do not map one to one
        if (newText.Length > 0 && newText[0] == '\uFEFF') newText = newText[1..];
        var old = previous.Text;
        if (old == newText) return previous;

        // The edit: old[start, oldEnd) became newText[start, newEnd).
        int start = 0, max = Math.Min(old.Length, newText.Length);
        while (start < max && old[start] == newText[start]) start++;
        int suffix = 0;
        while (suffix < max - start && old[old.Length - 1 - suffix] == newText[newText.Length - 1 - suffix]) suffix++;
        int oldEnd = old.Length - suffix, delta = newText.Length - old.Length;

        var finder = new InnermostStatement(start, oldEnd);
        finder.Find(script);
        if (finder.List is not { } list || finder.Statement is not { } statement) return null;

        int sStart = statement.StartOffset, sEnd = sStart + statement.FragmentLength;
        // The edit must lie strictly inside the statement (its first character and terminating ';'
        // untouched) and the statement before must be terminated too, so the statement's extent
        // cannot depend on its neighbours and the fragments around it keep their first token.
        if (sEnd < 1 || old[sEnd - 1] != ';' || oldEnd >= sEnd || start <= sStart) return null;
        if (finder.Index > 0 && !EndsWithSemicolon(old, list[finder.Index - 1])) return null;

        var snippet = newText.Substring(sStart, sEnd + delta - sStart);
        if (NestingGuard.FindTooDeep(snippet) >= 0) return null; // the full parse reports it
        var parsed = SqlParser.CreateParser(compatibilityLevel).ParseStatementList(new StringReader(snippet), out var errors);
        if (errors.Count > 0 || parsed is null || parsed.Statements.Count != 1) return null;
        var replacement = parsed.Statements[0];
        if (replacement.StartOffset != 0 || replacement.FragmentLength != snippet.Length) return null;

        var lines = new LineIndex(newText);
        var at = previous.Lines.PositionOf(sStart);
        foreach (var token in replacement.ScriptTokenStream)
        {
            if (token.Line == 1) token.Column += at.Character;
            token.Line += at.Line;
            token.Offset += sStart;
        }

        // Shift every token after the edit, in every stream the tree uses (earlier splices brought
        // their own). That includes the replaced statement's own tokens after the edit: a parent may
        // end on one of them (a block's closing ';'). Tokens the edit overlapped are left behind.
        var oldEndPos = previous.Lines.PositionOf(oldEnd);
        var newEndPos = lines.PositionOf(oldEnd + delta);
        foreach (var stream in previous.TokenStreams)
        {
            foreach (var token in stream)
            {
                if (token.Offset < oldEnd) continue;
                if (token.Line == oldEndPos.Line + 1) token.Column += newEndPos.Character - oldEndPos.Character;
                token.Line += newEndPos.Line - oldEndPos.Line;
                token.Offset += delta;
            }
        }
        // A replaced statement's stream may still be used by its siblings (when a whole block was
        // spliced in before), so streams are kept; MaxStreams bounds them with a periodic full parse.
        var streams = previous.TokenStreams.ToList();
        streams.Add(replacement.ScriptTokenStream);
        list[finder.Index] = replacement;
        return new SqlDocument(previous.Path, newText, script, Array.Empty<SyntaxError>(), lines, streams);
    }

    private static bool EndsWithSemicolon(string text, TSqlStatement s)
    {
        int end = s.StartOffset + s.FragmentLength;
        return end > 0 && end <= text.Length && text[end - 1] == ';';
    }

    /// <summary>
    /// The smallest statement held in a statement list whose span contains the edit, found by
    /// descending only into the statements that contain it (not a walk of the whole tree).
    /// </summary>
    private sealed class InnermostStatement(int start, int end)
    {
        public IList<TSqlStatement>? List;
        public int Index;
        public TSqlStatement? Statement;

        public void Find(TSqlScript script)
        {
            foreach (var batch in script.Batches)
                if (Contains(batch)) Search(batch.Statements);
        }

        private bool Contains(TSqlFragment f) => f.StartOffset >= 0 && f.StartOffset <= start && end <= f.StartOffset + f.FragmentLength;

        private void Search(IList<TSqlStatement>? statements)
        {
            if (statements is null) return;
            for (int i = 0; i < statements.Count; i++)
            {
                var s = statements[i];
                if (!Contains(s)) continue;
                List = statements;
                Index = i;
                Statement = s;
                Descend(s);
                return;
            }
        }

        private void Descend(TSqlStatement s)
        {
            switch (s)
            {
                case ProcedureStatementBody p: Search(p.StatementList?.Statements); break;
                case FunctionStatementBody f: Search(f.StatementList?.Statements); break;
                case TriggerStatementBody t: Search(t.StatementList?.Statements); break;
                case BeginEndBlockStatement b: Search(b.StatementList?.Statements); break;
                case TryCatchStatement tc: Search(tc.TryStatements?.Statements); if (Statement == s) Search(tc.CatchStatements?.Statements); break;
                case IfStatement i:
                    if (i.ThenStatement is { } then && Contains(then)) Descend(then);
                    else if (i.ElseStatement is { } @else && Contains(@else)) Descend(@else);
                    break;
                case WhileStatement w when w.Statement is { } body && Contains(body): Descend(body); break;
            }
        }
    }
}
