namespace EtlAgent.Core.Syntax;

/// <summary>
/// A cheap scan of the text, before parsing, for nesting so deep that the parser or a tree walk
/// would exhaust the stack (a stack overflow cannot be caught in .NET: it ends the process). It
/// over-estimates the syntax tree's depth from what the text shows: parentheses, CASE and
/// BEGIN…END blocks, IF/WHILE and ELSE IF chains, operators chained in one expression and chained
/// joins and set operators (ScriptDom builds `a OR b OR c` and `… UNION ALL …` as left-deep trees). Strings, quoted identifiers and comments
/// are skipped. The estimate only has to be above the real depth; the limit is far above code
/// people write and far below what <see cref="DeepStack"/>'s stack holds.
/// </summary>
public static class NestingGuard
{
    /// <summary>The deepest estimated nesting a document may have; deeper documents are not parsed.</summary>
    public const int MaxDepth = 4000;

    /// <summary>The number a too-deep document's <see cref="SyntaxError"/> carries (ScriptDom's own numbers are ≥ 46000).</summary>
    public const int ErrorNumber = 1;

    /// <summary>The offset where the estimated depth first exceeds <paramref name="limit"/>, or -1.</summary>
    public static int FindTooDeep(string text, int limit = MaxDepth)
    {
        var frames = new List<Frame> { new(FrameKind.Batch) };
        int depth = 1; // the sum over frames of 1 + their counters
        int i = 0, n = text.Length;
        while (i < n)
        {
            if (TextScan.SkipTrivia(text, i) is var after && after != i) { i = after; continue; }
            char c = text[i];
            int start = i;
            switch (c)
            {
                case '(':
                    frames.Add(new Frame(FrameKind.Paren));
                    depth++;
                    i++;
                    break;
                case ')':
                    i++;
                    // Close to the matching '(' (a CASE or BEGIN left open inside it ends with it).
                    int open = frames.FindLastIndex(f => f.Kind == FrameKind.Paren);
                    if (open > 0) depth = PopTo(frames, open, depth);
                    continue;
                case ',':
                    depth = ResetOperators(frames, depth);
                    i++;
                    continue;
                case ';':
                    depth = ResetOperators(frames, depth);
                    i++;
                    depth = Reset(frames, depth, ref frames[^1].Chained);
                    if (!NextWordIs(text, i, "ELSE")) depth = ResetStatements(frames, depth);
                    continue;
                default:
                    if (IsWordStart(c))
                    {
                        while (i < n && IsWordPart(text[i])) i++;
                        depth = Word(text, start, i, frames, depth);
                        break;
                    }
                    if (IsOperator(c))
                    {
                        while (i < n && IsOperator(text[i]) && !(text[i] == '-' && i + 1 < n && text[i + 1] == '-')) i++;
                        frames[^1].Operators++;
                        depth++;
                        break;
                    }
                    i++;
                    continue;
            }
            if (depth > limit) return start;
        }
        return -1;
    }

    private static int Word(string text, int start, int end, List<Frame> frames, int depth)
    {
        var word = text.AsSpan(start, end - start);
        if (Is(word, "AND") || Is(word, "OR") || Is(word, "NOT"))
        {
            frames[^1].Operators++;
            return depth + 1;
        }
        if (Is(word, "IF") || Is(word, "WHILE"))
        {
            frames[^1].Statements++;
            return ResetOperators(frames, depth) + 1;
        }
        if (Is(word, "JOIN") || Is(word, "APPLY") || Is(word, "UNION") || Is(word, "EXCEPT") || Is(word, "INTERSECT"))
        {
            frames[^1].Chained++;
            return ResetOperators(frames, depth) + 1;
        }
        if (Is(word, "CASE"))
        {
            frames.Add(new Frame(FrameKind.Case));
            return depth + 1;
        }
        if (Is(word, "BEGIN"))
        {
            // BEGIN TRAN / DISTRIBUTED / DIALOG / CONVERSATION open no block.
            if (NextWordIs(text, end, "TRAN") || NextWordIs(text, end, "TRANSACTION") || NextWordIs(text, end, "DISTRIBUTED") ||
                NextWordIs(text, end, "DIALOG") || NextWordIs(text, end, "CONVERSATION"))
                return depth;
            frames.Add(new Frame(FrameKind.Block));
            return depth + 1;
        }
        if (Is(word, "END"))
        {
            if (frames[^1].Kind == FrameKind.Case) return PopTo(frames, frames.Count - 1, depth);
            if (frames[^1].Kind != FrameKind.Block) return depth;
            depth = PopTo(frames, frames.Count - 1, depth);
            // The block was one statement: an IF before it nests no further, unless ELSE follows.
            if (!NextWordIs(text, end, "ELSE") && !NextWordIs(text, end, "TRY") && !NextWordIs(text, end, "CATCH"))
                depth = ResetStatements(frames, depth);
            return depth;
        }
        if (Is(word, "GO"))
        {
            frames.RemoveRange(1, frames.Count - 1);
            frames[0] = new Frame(FrameKind.Batch);
            return 1;
        }
        // A clause starts a new expression: what came before it is not chained to what follows.
        foreach (var k in ClauseWords)
            if (Is(word, k)) return ResetOperators(frames, depth);
        return depth;
    }

    private static readonly string[] ClauseWords =
    {
        "SELECT", "FROM", "WHERE", "ON", "WHEN", "THEN", "ELSE", "SET", "VALUES", "GROUP", "ORDER", "HAVING", "INSERT",
        "UPDATE", "DELETE", "MERGE", "DECLARE", "RETURN", "EXEC", "EXECUTE", "PRINT", "INTO",
    };

    private static int PopTo(List<Frame> frames, int index, int depth)
    {
        for (int k = frames.Count - 1; k >= index; k--) depth -= 1 + frames[k].Operators + frames[k].Statements + frames[k].Chained;
        frames.RemoveRange(index, frames.Count - index);
        return depth;
    }

    private static int ResetOperators(List<Frame> frames, int depth) => Reset(frames, depth, ref frames[^1].Operators);

    private static int ResetStatements(List<Frame> frames, int depth) => Reset(frames, depth, ref frames[^1].Statements);

    private static int Reset(List<Frame> frames, int depth, ref int counter)
    {
        depth -= counter;
        counter = 0;
        return depth;
    }

    private static bool Is(ReadOnlySpan<char> word, string keyword) => word.Equals(keyword, StringComparison.OrdinalIgnoreCase);

    private static bool NextWordIs(string text, int i, string keyword)
    {
        while (i < text.Length && char.IsWhiteSpace(text[i])) i++;
        int end = i;
        while (end < text.Length && IsWordPart(text[end])) end++;
        return Is(text.AsSpan(i, end - i), keyword);
    }

    private static bool IsWordStart(char c) => char.IsLetter(c) || c is '_' or '@' or '#';

    private static bool IsWordPart(char c) => char.IsLetterOrDigit(c) || c is '_' or '@' or '#' or '$';

    // Arithmetic, bitwise and unary operators chain (`a + b + c` nests); comparisons do not
    // (`a = b = c` is not T-SQL), so they add at most one level per term and are not counted.
    private static bool IsOperator(char c) => c is '+' or '-' or '*' or '/' or '%' or '&' or '|' or '^' or '~';

    private enum FrameKind { Batch, Paren, Case, Block }

    private sealed class Frame(FrameKind kind)
    {
        public FrameKind Kind { get; } = kind;
        public int Operators;   // binary and unary operators since the last clause, comma or ';'
        public int Statements;  // IF/WHILE whose statement has not ended yet
        public int Chained;     // joins and set operators of the current statement
    }
}
