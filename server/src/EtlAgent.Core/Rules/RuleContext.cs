using EtlAgent.Core.Catalog;
using EtlAgent.Core.Lineage;
using EtlAgent.Core.Model;
using EtlAgent.Core.Syntax;
using EtlAgent.Core.Workspace;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace EtlAgent.Core.Rules;

/// <summary>What a rule sees of one document, and where it reports.</summary>
public sealed class RuleContext
{
    private readonly List<Finding> _findings;
    private Rule? _current;
    private Severity _severity;

    internal RuleContext(SqlDocument document, SyntaxIndex index, SchemaCatalog catalog,
        IReadOnlyList<TransformationAnalysis> transformations, List<Finding> sink)
    {
        Document = document;
        Index = index;
        Catalog = catalog;
        Transformations = transformations;
        _findings = sink;
    }

    public SqlDocument Document { get; }
    public SyntaxIndex Index { get; }
    public SchemaCatalog Catalog { get; }
    /// <summary>Transformations defined in this document, with their column assignments.</summary>
    public IReadOnlyList<TransformationAnalysis> Transformations { get; }
    /// <summary>The workspace's SQL Server compatibility level: a fix may use only syntax the target accepts.</summary>
    public int CompatibilityLevel { get; init; } = SqlParser.DefaultCompatibilityLevel;
    /// <summary>The workspace's database projects: which database a file belongs to.</summary>
    public DatabaseProjects Projects { get; init; } = DatabaseProjects.None;

    internal void Begin(Rule rule, Severity severity)
    {
        _current = rule;
        _severity = severity;
    }

    public void Report(TSqlFragment at, string message, IReadOnlyList<Fix>? fixes = null, IReadOnlyList<RelatedLocation>? related = null) =>
        Report(Document.Lines.RangeOf(at), message, fixes, related);

    public void Report(TextRange range, string message, IReadOnlyList<Fix>? fixes = null, IReadOnlyList<RelatedLocation>? related = null) =>
        Report(range, message, Severity.Error, null, fixes, related);

    /// <summary>Reports at the rule's configured severity or <paramref name="atMost"/>, whichever is lower.</summary>
    public void Report(TextRange range, string message, Severity atMost) => Report(range, message, atMost, null, null, null);

    /// <summary>
    /// Reports at the rule's configured severity or <paramref name="atMost"/>, whichever is lower (a
    /// finding the rule is less sure of), with <paramref name="evidence"/> a later workspace-wide step can read.
    /// </summary>
    public void Report(TSqlFragment at, string message, Severity atMost, IReadOnlyDictionary<string, object?>? evidence,
        IReadOnlyList<Fix>? fixes = null, IReadOnlyList<RelatedLocation>? related = null) =>
        Report(Document.Lines.RangeOf(at), message, atMost, evidence, fixes, related);

    private void Report(TextRange range, string message, Severity atMost, IReadOnlyDictionary<string, object?>? evidence,
        IReadOnlyList<Fix>? fixes, IReadOnlyList<RelatedLocation>? related)
    {
        var rule = _current ?? throw new InvalidOperationException("Report called outside a rule.");
        var severity = atMost < _severity ? atMost : _severity;
        _findings.Add(new Finding(rule.Id, severity, message, Document.LocationOf(range),
            related ?? Finding.NoRelated, fixes ?? Finding.NoFixes, evidence)
        {
            Anchor = FindingFingerprint.Normalize(TextOf(range)),
        });
    }

    private string TextOf(TextRange range)
    {
        int start = Math.Clamp(range.StartOffset, 0, Document.Text.Length);
        int end = Math.Clamp(range.EndOffset, start, Document.Text.Length);
        return Document.Text[start..end];
    }

    // ---- span edits, anchored to nodes -------------------------------------------------------

    public TextEdit Replace(TSqlFragment node, string newText) => new(Document.Path, Document.Lines.RangeOf(node), newText);

    public TextEdit Replace(int start, int end, string newText) => new(Document.Path, Document.Lines.Range(start, end), newText);

    public TextEdit InsertBefore(TSqlFragment node, string text) => new(Document.Path, Document.Lines.Range(node.StartOffset, node.StartOffset), text);

    public TextEdit InsertAfter(TSqlFragment node, string text)
    {
        int end = node.StartOffset + node.FragmentLength;
        return new(Document.Path, Document.Lines.Range(end, end), text);
    }

    public Fix Fix(string title, params TextEdit[] edits) => new(title, edits);

    public RelatedLocation Related(Location? location, string message) =>
        new(location ?? Document.LocationOf(new TextRange()), message);

    public string TextOf(TSqlFragment node) => Document.TextOf(node);

    /// <summary>The transformation whose body contains <paramref name="node"/>, if any.</summary>
    /// <remarks>The innermost one: a script's body is the whole file, so a procedure in it wins.</remarks>
    public TransformationAnalysis? TransformationAt(TSqlFragment node)
    {
        TransformationAnalysis? best = null;
        foreach (var t in Transformations)
        {
            var range = t.Transformation.BodyRange;
            if (range.Contains(node.StartOffset) && (best is null || range.Length < best.Transformation.BodyRange.Length)) best = t;
        }
        return best;
    }
}
