using System.Collections.Immutable;
using EtlAgent.Core.Catalog;
using EtlAgent.Core.Discovery;
using EtlAgent.Core.Lineage;
using EtlAgent.Core.Model;
using EtlAgent.Core.Rules;

namespace EtlAgent.Core.WorkspaceModel;

/// <summary>
/// One document as the session knows it: its facts (parse + scan), the editor version they came
/// from (null for a file read from disk), and its analysis once checked against the catalog.
/// </summary>
public sealed record DocumentState(DocumentFacts Facts, int? Version, string DdlFingerprint, DocumentAnalysis? Analysis)
{
    public string Path => Facts.Document.Path;

    /// <summary>False while the document waits to be (re-)checked against the current catalog.</summary>
    public bool IsChecked => Analysis is not null;
}

/// <summary>
/// An immutable view of the workspace at one revision. Readers (code lens, code actions, custom
/// requests) answer from a snapshot while the session's worker computes the next one.
/// </summary>
public sealed class WorkspaceSnapshot
{
    private readonly Lazy<WorkspaceAnalysis> _analysis;
    private readonly Workspace.DatabaseProjects _projects;

    internal WorkspaceSnapshot(
        long revision,
        ImmutableDictionary<string, DocumentState> documents,
        SchemaCatalog catalog,
        ImmutableDictionary<string, ImmutableArray<Finding>> catalogFindings,
        bool indexingComplete,
        Workspace.DatabaseProjects? projects = null)
    {
        _projects = projects ?? Workspace.DatabaseProjects.None;
        Revision = revision;
        Documents = documents;
        Catalog = catalog;
        CatalogFindings = catalogFindings;
        IndexingComplete = indexingComplete;
        _analysis = new Lazy<WorkspaceAnalysis>(Compose, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public static WorkspaceSnapshot Empty { get; } = new(0, ImmutableDictionary.Create<string, DocumentState>(StringComparer.Ordinal),
        SchemaCatalog.Empty, ImmutableDictionary.Create<string, ImmutableArray<Finding>>(StringComparer.Ordinal), false);

    /// <summary>Bumped by every published change.</summary>
    public long Revision { get; }
    public ImmutableDictionary<string, DocumentState> Documents { get; }
    public SchemaCatalog Catalog { get; }
    /// <summary>Catalog problems (ETL0099) by the file they point at.</summary>
    public ImmutableDictionary<string, ImmutableArray<Finding>> CatalogFindings { get; }
    /// <summary>True once every workspace file has been parsed and checked at least once.</summary>
    public bool IndexingComplete { get; }

    /// <summary>The whole-workspace view (the same model `etl-agent discover`/`check` report), built on first use.</summary>
    public WorkspaceAnalysis Analysis => _analysis.Value;

    public DocumentState? Document(string path) => Documents.GetValueOrDefault(path);

    /// <summary>Every finding located in <paramref name="path"/>, in report order.</summary>
    public IReadOnlyList<Finding> FindingsFor(string path)
    {
        var own = Documents.TryGetValue(path, out var doc) && doc.Analysis is { } a ? a.Findings : Array.Empty<Finding>();
        if (!CatalogFindings.TryGetValue(path, out var catalog) || catalog.IsEmpty) return own;
        var all = own.Concat(catalog).ToList();
        all.Sort(FindingOrder.Instance);
        return all;
    }

    /// <summary>Resolved transformations defined in <paramref name="path"/> (none until it is checked).</summary>
    public IReadOnlyList<TransformationAnalysis> TransformationsIn(string path) =>
        Documents.TryGetValue(path, out var doc) && doc.Analysis is { } a ? a.Transformations : Array.Empty<TransformationAnalysis>();

    public TransformationAnalysis? FindTransformation(string name)
    {
        foreach (var doc in Documents.Values)
            if (doc.Analysis is { } a)
                foreach (var t in a.Transformations)
                    if (string.Equals(t.Transformation.Name, name, StringComparison.OrdinalIgnoreCase)) return t;
        return null;
    }

    /// <summary>Files that have at least one finding.</summary>
    public IEnumerable<string> FilesWithFindings =>
        Documents.Values.Where(d => d.Analysis is { Findings.Count: > 0 }).Select(d => d.Path)
            .Concat(CatalogFindings.Where(kv => !kv.Value.IsEmpty).Select(kv => kv.Key))
            .Distinct(StringComparer.Ordinal)
            .OrderBy(p => p, StringComparer.Ordinal);

    private WorkspaceAnalysis Compose()
    {
        var docs = Documents.Values.OrderBy(d => d.Path, StringComparer.Ordinal).ToList();
        return WorkspaceAnalyzer.Compose(
            docs.Select(d => d.Facts).ToList(),
            Catalog,
            docs.Select(d => d.Analysis ?? DocumentAnalysis.Empty),
            CatalogFindings.Values.SelectMany(f => f),
            _projects);
    }
}
