using EtlAgent.Core.Model;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace EtlAgent.Core.Syntax;

/// <summary>A syntax error reported by the parser, already placed in the document.</summary>
public sealed record SyntaxError(int Number, string Message, TextRange Range);

/// <summary>
/// One parsed .sql file: immutable text, the ScriptDom tree (possibly partial) and its errors.
/// A document with errors is still a document: discovery analyses whatever parsed.
/// </summary>
public sealed class SqlDocument
{
    internal SqlDocument(string path, string text, TSqlFragment? tree, IReadOnlyList<SyntaxError> errors, LineIndex lines,
        IReadOnlyList<IList<TSqlParserToken>>? tokenStreams = null, bool rewritten = false)
    {
        Rewritten = rewritten;
        Path = path;
        Text = text;
        Tree = tree;
        Errors = errors;
        Lines = lines;
        TokenStreams = tokenStreams ?? (tree?.ScriptTokenStream is { } stream ? new[] { stream } : Array.Empty<IList<TSqlParserToken>>());
    }

    /// <summary>
    /// Every token stream the tree's fragments use: one after a full parse, more after statements
    /// were re-parsed on their own and spliced in (<see cref="IncrementalReparser"/>).
    /// </summary>
    internal IReadOnlyList<IList<TSqlParserToken>> TokenStreams { get; }

    /// <summary>Parsed from sqlcmd-rewritten text (<see cref="SqlcmdText"/>): tokens map back to <see cref="Text"/>, but not one to one.</summary>
    internal bool Rewritten { get; }

    /// <summary>Workspace-relative path with '/' separators.</summary>
    public string Path { get; }
    public string Text { get; }
    public TSqlFragment? Tree { get; }
    public IReadOnlyList<SyntaxError> Errors { get; }
    public LineIndex Lines { get; }

    public TSqlScript? Script => Tree as TSqlScript;

    public Location LocationOf(TSqlFragment fragment) => new(Path, Lines.RangeOf(fragment));

    public Location LocationOf(TextRange range) => new(Path, range);

    /// <summary>The same document without its tree, so a large workspace need not keep every tree alive.</summary>
    public SqlDocument WithoutTree() => Tree is null ? this : new SqlDocument(Path, Text, null, Errors, Lines, Array.Empty<IList<TSqlParserToken>>(), Rewritten);

    public string TextOf(TSqlFragment fragment) =>
        fragment.StartOffset < 0 ? "" : Text.Substring(fragment.StartOffset, Math.Min(fragment.FragmentLength, Text.Length - fragment.StartOffset));
}
