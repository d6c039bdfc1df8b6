using System.Collections.Concurrent;
using System.Text.RegularExpressions;
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
public sealed partial class WorkspaceAnalyzer
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

    public RuleRunner Rules => _rules;

    /// <summary>Threads used to parse and check documents (-1: as many as the machine has).</summary>
    public int MaxDegreeOfParallelism { get; init; } = -1;

    /// <summary>
    /// Keep syntax trees (and column assignments, which point into them) in the result. Off, a
    /// document's tree is dropped as soon as it is checked, which keeps a large workspace's
    /// memory flat and its garbage young; transformations, lineage and findings are unaffected.
    /// </summary>
    public bool RetainSyntax { get; init; } = true;

    /// <summary>The .sql files of the workspace that are not ignored, in a stable order.</summary>
    public IReadOnlyList<string> SqlFiles(IFileSource files)
    {
        var include = _settings.Include.Count == 0 ? null : new IgnoreRules(_settings.Include);
        return files.EnumerateFiles()
            .Where(f => f.EndsWith(".sql", StringComparison.OrdinalIgnoreCase))
            .Where(f => !_settings.Ignore.IsIgnored(f))
            .Where(f => include is null || include.IsIgnored(f))
            .OrderBy(f => f, StringComparer.Ordinal)
            .ToList();
    }

    public DocumentFacts ParseAndScan(string path, string text) =>
        DocumentScanner.Scan(new SqlParser(_settings.CompatibilityLevel).Parse(path, text));

    public WorkspaceAnalysis Analyze(IFileSource files, IProgress<(int Done, int Total)>? progress = null, CancellationToken cancellationToken = default)
    {
        var paths = SqlFiles(files);
        var texts = new string[paths.Count];
        var options = new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = MaxDegreeOfParallelism };
        Parallel.For(0, paths.Count, options, i =>
        {
            try { texts[i] = files.ReadAllText(paths[i]); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                texts[i] = ""; // unreadable (locked, deleted meanwhile): analysed as empty
            }
        });

        int done = 0;
        void Tick() => progress?.Report((Interlocked.Increment(ref done), paths.Count));

        if (RetainSyntax)
        {
            var facts = new DocumentFacts[paths.Count];
            Parallel.For(0, paths.Count, options, i => { facts[i] = ParseAndScan(paths[i], texts[i]); Tick(); });
            return Analyze(facts, cancellationToken);
        }

        // Streaming: files that can define catalog objects first (kept until the catalog is built),
        // then every other file parsed, checked and released one at a time.
        var definers = new DocumentFacts?[paths.Count];
        Parallel.For(0, paths.Count, options, i =>
        {
            if (DefinesCatalogObjects(texts[i])) { definers[i] = ParseAndScan(paths[i], texts[i]); Tick(); }
        });
        var problems = new List<CatalogProblem>();
        var catalog = CatalogAssembler.Assemble(definers.Where(d => d is not null)!, _liveCatalog, problems);

        var lean = new DocumentFacts[paths.Count];
        var perDocument = new List<TransformationAnalysis>[paths.Count];
        var findings = new ConcurrentBag<Finding>();
        var failures = new ConcurrentBag<RuleFailure>();
        Parallel.For(0, paths.Count, options, i =>
        {
            var doc = definers[i] ?? ParseAndScan(paths[i], texts[i]);
            var (transformations, docFindings, docFailures) = AnalyzeDocument(doc, catalog, cancellationToken);
            perDocument[i] = transformations.Select(t => t.WithoutSyntax()).ToList();
            lean[i] = doc.WithoutSyntax();
            definers[i] = null;
            foreach (var f in docFindings) findings.Add(f);
            foreach (var f in docFailures) failures.Add(f);
            if (!DefinesCatalogObjects(texts[i])) Tick();
        });
        return Assemble(lean, catalog, perDocument, findings, failures);
    }

    /// <summary>Analyses already-scanned documents (the language server passes cached facts).</summary>
    public WorkspaceAnalysis Analyze(IReadOnlyList<DocumentFacts> documents, CancellationToken cancellationToken = default)
    {
        var problems = new List<CatalogProblem>();
        var catalog = CatalogAssembler.Assemble(documents, _liveCatalog, problems);

        var perDocument = new List<TransformationAnalysis>[documents.Count];
        var findings = new ConcurrentBag<Finding>();
        var failures = new ConcurrentBag<RuleFailure>();
        Parallel.For(0, documents.Count, new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = MaxDegreeOfParallelism }, i =>
        {
            var (transformations, docFindings, docFailures) = AnalyzeDocument(documents[i], catalog, cancellationToken);
            perDocument[i] = transformations;
            foreach (var f in docFindings) findings.Add(f);
            foreach (var f in docFailures) failures.Add(f);
        });
        return Assemble(documents, catalog, perDocument, findings, failures);
    }

    /// <summary>One document against a catalog: its transformations with lineage, and the rules' findings.</summary>
    public (List<TransformationAnalysis> Transformations, IReadOnlyList<Finding> Findings, List<RuleFailure> Failures) AnalyzeDocument(
        DocumentFacts doc, SchemaCatalog catalog, CancellationToken cancellationToken = default)
    {
        var transformations = doc.Transformations.Select(t => Resolve(doc, t, catalog)).ToList();
        var failures = new List<RuleFailure>();
        var findings = _rules.Run(doc.Document, catalog, transformations, failures, cancellationToken: cancellationToken);
        return (transformations, findings, failures);
    }

    private static WorkspaceAnalysis Assemble(IReadOnlyList<DocumentFacts> documents, SchemaCatalog catalog,
        List<TransformationAnalysis>[] perDocument, IEnumerable<Finding> findings, IEnumerable<RuleFailure> failures)
    {
        var transformations = perDocument.SelectMany(d => d).OrderBy(t => t.Transformation.Name, StringComparer.OrdinalIgnoreCase).ToList();
        var pipelines = PipelineBuilder.Build(transformations.Select(t => t.Transformation).ToList());
        var sorted = findings.ToList();
        sorted.Sort(FindingOrder.Instance);
        return new WorkspaceAnalysis(documents, catalog, transformations, pipelines, sorted, failures.ToList());
    }

    /// <summary>
    /// A cheap text test: could this file define a table, type, sequence, view or function?
    /// False positives (the words in a comment) only cost memory; a file it rejects cannot define one.
    /// </summary>
    public static bool DefinesCatalogObjects(string text) => CatalogDdl().IsMatch(text);

    [GeneratedRegex(@"\b(?:CREATE|ALTER)\s+(?:OR\s+ALTER\s+)?(?:TABLE\s+(?![\[""]?#)|TYPE\b|SEQUENCE\b|VIEW\b|FUNCTION\b)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex CatalogDdl();

    /// <summary>Adds column lineage (which needs the catalog) to a scanned transformation.</summary>
    public static TransformationAnalysis Resolve(DocumentFacts doc, TransformationSyntax t, SchemaCatalog catalog)
    {
        var analyzer = new LineageAnalyzer(catalog, t.Parameters);
        List<ColumnAssignment> assignments;
        if (t.Kind == TransformationKind.View && t.Definition is Microsoft.SqlServer.TransactSql.ScriptDom.ViewStatementBody view)
        {
            // A view writes nothing; its lineage maps the view's own columns to their sources.
            var name = DdlReader.NameOf(view.SchemaObjectName);
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
