using EtlAgent.Core.Lineage;
using EtlAgent.Core.Model;
using EtlAgent.Core.Syntax;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace EtlAgent.Core.Analysis;

/// <summary>One statement of a body as the sandbox runs it: offsets, 1-based lines, the text, the node.</summary>
public sealed record IndexedStatement(int Start, int End, int Line, int EndLine, string Text, TSqlStatement Node)
{
    /// <summary>A block (BEGIN…END, TRY…CATCH) only holds other statements; an IF or WHILE also tests a condition, so it can be a suspect.</summary>
    public bool IsBlock => Node is BeginEndBlockStatement or TryCatchStatement;

    public bool Contains(int start, int length) => Start <= start && start + length <= End;
}

/// <summary>
/// The statements of one transformation's body in text order, as the interpreter runs them (those of
/// statement lists and IF/WHILE bodies), so a span maps to its innermost statement and a run's
/// coverage to statements.
/// </summary>
public sealed class StatementIndex
{
    public StatementIndex(TransformationAnalysis t)
    {
        File = t.Transformation.File;
        Document = t.Document;
        var statements = t.HasSyntax ? RunStatements.Of(t.Syntax.Body) : new List<TSqlStatement>();
        var lines = t.Document.Lines;
        Statements = statements
            .Where(s => s.StartOffset >= 0 && s.FragmentLength > 0)
            .DistinctBy(s => (s.StartOffset, s.FragmentLength))
            .OrderBy(s => s.StartOffset).ThenByDescending(s => s.FragmentLength)
            .Select(s => new IndexedStatement(s.StartOffset, s.StartOffset + s.FragmentLength,
                lines.PositionOf(s.StartOffset).Line + 1, lines.PositionOf(s.StartOffset + s.FragmentLength).Line + 1,
                t.Document.Text.Substring(s.StartOffset, s.FragmentLength), s))
            .ToList();
    }

    public string File { get; }
    public SqlDocument Document { get; }
    public IReadOnlyList<IndexedStatement> Statements { get; }

    /// <summary>The innermost statement holding the span, or null.</summary>
    public IndexedStatement? Innermost(int start, int length) =>
        Statements.Where(s => s.Contains(start, length)).OrderBy(s => s.End - s.Start).FirstOrDefault();

    /// <summary>Leaf statements a run reached (all leaves when the coverage is unknown).</summary>
    public IEnumerable<IndexedStatement> CoveredLeaves(IReadOnlySet<(string File, int Offset)>? covered) =>
        Statements.Where(s => !s.IsBlock && (covered is null || covered.Contains((File, s.Start))));

    public SuspectStatement Suspect(IndexedStatement s, IReadOnlyList<string> columns, string bugClass, double confidence, SuspectEdit? edit = null) =>
        new(File, s.Line, s.EndLine, s.Start, s.End - s.Start, Collapse(s.Text), columns, bugClass, Math.Round(confidence, 2)) { Edit = edit };

    /// <summary>The statement's text on one line, whitespace collapsed (reports show it beside the line numbers).</summary>
    public static string Collapse(string text) => System.Text.RegularExpressions.Regex.Replace(text.Trim(), @"\s+", " ");
}
