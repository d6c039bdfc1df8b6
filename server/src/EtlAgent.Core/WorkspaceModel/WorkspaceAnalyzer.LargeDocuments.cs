using EtlAgent.Core.Catalog;
using EtlAgent.Core.Discovery;
using EtlAgent.Core.Model;
using EtlAgent.Core.Rules;
using EtlAgent.Core.Syntax;

namespace EtlAgent.Core.WorkspaceModel;

/// <summary>
/// Very large scripts (generated loads, data dumps) in the streaming mode: a ScriptDom tree takes
/// tens of bytes per byte of text, so such a document is parsed, scanned and checked one
/// <see cref="StatementChunker"/> slice at a time and only the slices' results are kept. A
/// script's slices make one script transformation again. What a slice cannot see: a temporary
/// table or variable of an earlier slice (lineage through it is not followed across the cut), and
/// rules that relate statements (a transaction and its XACT_ABORT) relate them within a slice.
/// </summary>
public sealed partial class WorkspaceAnalyzer
{
    /// <summary>Documents longer than this (in characters) are analysed slice by slice when syntax is not retained.</summary>
    public int LargeDocumentChars { get; init; } = 4 * 1024 * 1024;

    /// <summary>The size a slice aims at.</summary>
    public int SliceChars { get; init; } = 512 * 1024;

    private bool IsLarge(string text) => !RetainSyntax && text.Length > LargeDocumentChars;

    /// <summary>The catalog facts of a large document: lean slices, and whole slices where views or functions need their trees.</summary>
    private List<DocumentFacts> ScanLarge(string path, string text)
    {
        var facts = new List<DocumentFacts>();
        foreach (var slice in ParseSlices(path, text))
        {
            var scanned = DocumentScanner.Scan(slice);
            facts.Add(scanned.Views.Count > 0 || scanned.Functions.Count > 0 ? scanned : scanned.WithoutSyntax());
        }
        return facts;
    }

    /// <summary>Parses, scans and checks a large document slice by slice; returns its lean facts and merged analysis.</summary>
    private (DocumentFacts Facts, DocumentAnalysis Analysis) AnalyzeLarge(string path, string text, SchemaCatalog catalog, CancellationToken cancellationToken)
    {
        var facts = new List<DocumentFacts>();
        var analyses = new List<DocumentAnalysis>();
        foreach (var slice in ParseSlices(path, text))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var scanned = DocumentScanner.Scan(slice);
            var result = AnalyzeDocument(scanned, catalog, cancellationToken);
            analyses.Add(result with { Transformations = result.Transformations.Select(t => t.WithoutSyntax()).ToList() });
            facts.Add(scanned.WithoutSyntax());
        }
        return (MergeFacts(path, facts), MergeAnalyses(path, analyses));
    }

    private IEnumerable<SqlDocument> ParseSlices(string path, string text)
    {
        var parser = new SqlParser(_settings.CompatibilityLevel, _settings.SqlcmdVariables);
        if (text.Length > 0 && text[0] == '\uFEFF') text = text[1..];
        var lines = new LineIndex(text);
        foreach (var (start, length) in StatementChunker.Split(text, SliceChars))
            yield return parser.ParseSlice(path, text, lines, start, length);
    }

    private static DocumentFacts MergeFacts(string path, List<DocumentFacts> slices)
    {
        var first = slices[0].Document;
        var document = new SqlDocument(path, first.Text, null, slices.SelectMany(s => s.Document.Errors).ToList(), first.Lines);
        var transformations = slices.SelectMany(s => s.Transformations).Where(t => t.Kind != TransformationKind.Script).ToList();
        var scripts = slices.SelectMany(s => s.Transformations).Where(t => t.Kind == TransformationKind.Script).ToList();
        if (scripts.Count > 0)
            transformations.Add(scripts[0] with
            {
                Reads = Union(scripts.Select(s => s.Reads)),
                Writes = Union(scripts.Select(s => s.Writes)),
                Calls = Union(scripts.Select(s => s.Calls)),
            });
        return new DocumentFacts(document, slices.SelectMany(s => s.Tables).ToList(), slices.SelectMany(s => s.Sequences).ToList(),
            transformations, Array.Empty<Microsoft.SqlServer.TransactSql.ScriptDom.ViewStatementBody>(),
            Array.Empty<Microsoft.SqlServer.TransactSql.ScriptDom.FunctionStatementBody>())
        {
            Synonyms = slices.SelectMany(s => s.Synonyms).ToList(),
            AddedColumns = slices.SelectMany(s => s.AddedColumns).ToList(),
            AlteredColumns = slices.SelectMany(s => s.AlteredColumns).ToList(),
            AddedDefaults = slices.SelectMany(s => s.AddedDefaults).ToList(),
            GuardedTables = slices.SelectMany(s => s.GuardedTables).ToList(),
            GuardedSequences = slices.SelectMany(s => s.GuardedSequences).ToList(),
            ColumnRenames = slices.SelectMany(s => s.ColumnRenames).ToList(),
            TestClasses = slices.SelectMany(s => s.TestClasses).ToList(),
        };
    }

    private static DocumentAnalysis MergeAnalyses(string path, List<DocumentAnalysis> slices)
    {
        var transformations = slices.SelectMany(s => s.Transformations).Where(t => t.Transformation.Kind != TransformationKind.Script).ToList();
        var scripts = slices.SelectMany(s => s.Transformations).Where(t => t.Transformation.Kind == TransformationKind.Script).ToList();
        if (scripts.Count > 0)
        {
            var t = scripts[0].Transformation;
            var merged = t with
            {
                Reads = Union(scripts.Select(s => s.Transformation.Reads)),
                Writes = Union(scripts.Select(s => s.Transformation.Writes)),
                Calls = Union(scripts.Select(s => s.Transformation.Calls)),
                Columns = scripts.SelectMany(s => s.Transformation.Columns).ToList(),
            };
            transformations.Add(scripts[0] with
            {
                Transformation = merged,
                Syntax = scripts[0].Syntax with { Reads = merged.Reads, Writes = merged.Writes, Calls = merged.Calls },
            });
        }
        var findings = slices.SelectMany(s => s.Findings).ToList();
        findings.Sort(FindingOrder.Instance);
        return new DocumentAnalysis(transformations, findings, slices.SelectMany(s => s.Failures).ToList());
    }

    private static IReadOnlyList<QualifiedName> Union(IEnumerable<IReadOnlyList<QualifiedName>> lists) =>
        lists.SelectMany(l => l).Distinct().OrderBy(n => n).ToList();
}
