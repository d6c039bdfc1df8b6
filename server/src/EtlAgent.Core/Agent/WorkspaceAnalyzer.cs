using System.Collections.Concurrent;
using EtlAgent.Core.Catalog;
using EtlAgent.Core.Discovery;
using EtlAgent.Core.Lineage;
using EtlAgent.Core.Model;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Rules;
using EtlAgent.Core.Syntax;
using EtlAgent.Core.Workspace;

namespace EtlAgent.Core.Agent;

/// <summary>
/// Discover + static check over a whole workspace: parse every .sql file (in parallel), build the
/// catalog, resolve transformations and their column lineage, link pipelines and run the rules.
/// </summary>
public sealed class WorkspaceAnalyzer
{
    private readonly WorkspaceSettings _settings;
    private readonly RuleRunner _rules;
    private readonly SchemaCatalog? _liveCatalog;

    public WorkspaceAnalyzer(WorkspaceSettings settings, SchemaCatalog? liveCatalog = null, IEnumerable<Rule>? rules = null)
    {
        _settings = settings;
        _liveCatalog = liveCatalog;
        _rules = new RuleRunner(rules, settings.RuleSeverities);
    }

    public WorkspaceSettings Settings => _settings;

    /// <summary>The .sql files of the workspace that are not ignored, in a stable order.</summary>
    public IReadOnlyList<string> SqlFiles(IFileSource files) =>
        files.EnumerateFiles()
            .Where(f => f.EndsWith(".sql", StringComparison.OrdinalIgnoreCase))
            .Where(f => !_settings.Ignore.IsIgnored(f))
            .Where(f => _settings.Include.Count == 0 || new IgnoreRules(_settings.Include).IsIgnored(f))
            .OrderBy(f => f, StringComparer.Ordinal)
            .ToList();

    public DocumentFacts ParseAndScan(string path, string text) =>
        DocumentScanner.Scan(new SqlParser(_settings.CompatibilityLevel).Parse(path, text));

    public WorkspaceAnalysis Analyze(IFileSource files, IProgress<(int Done, int Total)>? progress = null, CancellationToken cancellationToken = default)
    {
        var paths = SqlFiles(files);
        var facts = new DocumentFacts[paths.Count];
        int done = 0;
        Parallel.For(0, paths.Count, new ParallelOptions { CancellationToken = cancellationToken }, i =>
        {
            string text;
            try { text = files.ReadAllText(paths[i]); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                text = ""; // unreadable: analysed as empty; the error surfaces through the file's absence of objects
            }
            facts[i] = ParseAndScan(paths[i], text);
            progress?.Report((Interlocked.Increment(ref done), paths.Count));
        });
        return Analyze(facts, cancellationToken);
    }

    /// <summary>Analyses already-scanned documents (the language server passes cached facts).</summary>
    public WorkspaceAnalysis Analyze(IReadOnlyList<DocumentFacts> documents, CancellationToken cancellationToken = default)
    {
        // Duplicate definitions are reported by the duplicate-definition rule (ETL0099), per document.
        var catalog = CatalogAssembler.Assemble(documents, _liveCatalog);

        var perDocument = new List<TransformationAnalysis>[documents.Count];
        var findings = new ConcurrentBag<Finding>();
        var failures = new ConcurrentBag<RuleFailure>();
        Parallel.For(0, documents.Count, new ParallelOptions { CancellationToken = cancellationToken }, i =>
        {
            var doc = documents[i];
            perDocument[i] = doc.Transformations.Select(t => Resolve(doc, t, catalog)).ToList();
            var localFailures = new List<RuleFailure>();
            foreach (var f in _rules.Run(doc.Document, catalog, perDocument[i], localFailures, cancellationToken: cancellationToken))
                findings.Add(f);
            foreach (var f in localFailures) failures.Add(f);
        });

        var transformations = perDocument.SelectMany(d => d).OrderBy(t => t.Transformation.Name, StringComparer.OrdinalIgnoreCase).ToList();
        var pipelines = PipelineBuilder.Build(transformations.Select(t => t.Transformation).ToList());
        var sorted = findings.ToList();
        sorted.Sort(FindingOrder.Instance);
        return new WorkspaceAnalysis(documents, catalog, transformations, pipelines, sorted, failures.ToList());
    }

    /// <summary>Adds column lineage (which needs the catalog) to a scanned transformation.</summary>
    public static TransformationAnalysis Resolve(DocumentFacts doc, TransformationSyntax t, SchemaCatalog catalog)
    {
        var analyzer = new LineageAnalyzer(catalog, t.Parameters);
        List<ColumnAssignment> assignments;
        if (t.Kind == TransformationKind.View && t.Definition is Microsoft.SqlServer.TransactSql.ScriptDom.ViewStatementBody view)
        {
            // A view writes nothing; its lineage maps the view's own columns to their sources.
            var name = Catalog.DdlReader.NameOf(view.SchemaObjectName);
            var outputs = analyzer.QueryOutputs(view.SelectStatement);
            var declared = view.Columns.Select(c => c.Value).ToList();
            var def = catalog.Find(name);
            assignments = outputs.Select((o, i) => new ColumnAssignment(name, i < declared.Count ? declared[i] : o.Name,
                def?.FindColumn(i < declared.Count ? declared[i] : o.Name), o.Origin, null, view)).Where(a => a.Column.Length > 0).ToList();
        }
        else
        {
            analyzer.Analyze(t.Body);
            assignments = analyzer.Assignments.ToList();
        }
        var lineage = LineageAnalyzer.ToLineage(assignments, f => doc.Document.LocationOf(f));
        var transformation = new Transformation(t.Name, t.Kind, doc.Document.Path, t.HeaderRange, t.BodyRange,
            t.Reads, t.Writes, t.Calls, t.Parameters, lineage);
        return new TransformationAnalysis(transformation, t, doc.Document, assignments, analyzer.Unresolved);
    }
}
