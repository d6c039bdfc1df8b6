using EtlAgent.Core.Catalog;
using EtlAgent.Core.Discovery;
using EtlAgent.Core.Lineage;
using EtlAgent.Core.Model;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Rules;
using EtlAgent.Core.Rules.Correctness;
using EtlAgent.Core.Rules.Maintainability;
using EtlAgent.Core.Syntax;
using EtlAgent.Core.Workspace;

namespace EtlAgent.Core.WorkspaceModel;

/// <summary>
/// Discover + static check over a whole workspace: parse every source file (in parallel, each by its source kind), build the
/// catalog, resolve transformations and their column lineage, link pipelines and run the rules.
/// </summary>
public sealed partial class WorkspaceAnalyzer
{
    private readonly WorkspaceSettings _settings;
    private readonly RuleRunner _rules;
    private readonly SchemaCatalog? _liveCatalog;
    private readonly IgnoreRules _include;

    public WorkspaceAnalyzer(WorkspaceSettings settings, SchemaCatalog? liveCatalog = null, IEnumerable<Rule>? rules = null, SourceKinds? kinds = null)
    {
        _settings = settings;
        Kinds = kinds ?? SourceKinds.Default;
        _liveCatalog = liveCatalog;
        _include = new IgnoreRules(settings.Include);
        _rules = new RuleRunner(rules, settings.RuleSeverities, settings.CompatibilityLevel, settings.DatabaseProjects);
    }

    public WorkspaceSettings Settings => _settings;

    public RuleRunner Rules => _rules;

    /// <summary>The kinds of source file the workspace is read with (which files are documents, and how each is scanned).</summary>
    public SourceKinds Kinds { get; }

    /// <summary>Threads used to parse and check documents (-1: as many as the machine has).</summary>
    public int MaxDegreeOfParallelism { get; init; } = -1;

    /// <summary>
    /// Keep syntax trees (and column assignments, which point into them) in the result. Off, a
    /// document's tree is dropped as soon as it is checked, which keeps a large workspace's
    /// memory flat and its garbage young; transformations, lineage and findings are unaffected.
    /// </summary>
    public bool RetainSyntax { get; init; } = true;

    /// <summary>The workspace's source files (those a source kind owns) that are not ignored, in a stable order.</summary>
    public IReadOnlyList<string> SourceFiles(IFileSource files) =>
        files.EnumerateFiles()
            .Where(IsIncluded)
            .OrderBy(f => f, StringComparer.Ordinal)
            .ToList();

    /// <summary>True when a source kind owns <paramref name="path"/> and the settings do not exclude it.</summary>
    public bool IsIncluded(string path) =>
        Kinds.Owns(path) && !_settings.Ignore.IsIgnored(path) &&
        (_settings.Include.Count == 0 || _include.IsIgnored(path));

    /// <summary>Parses and scans a document with the kind that owns its path (T-SQL, the first kind, for a path none owns: text passed in directly).</summary>
    public DocumentFacts ParseAndScan(string path, string text) => KindOf(path).Scan(path, text, _settings);

    /// <summary>
    /// Like <see cref="ParseAndScan(string, string)"/>, re-parsing only the edited part of
    /// <paramref name="previous"/> where the kind can prove that equivalent. The previous tree may be
    /// reused and changed in place: only for a caller that owns it (the editor's session).
    /// </summary>
    public DocumentFacts ParseAndScan(string path, string text, DocumentFacts? previous)
    {
        if (previous is not null && previous.Document.Path == path && KindOf(path).Rescan(previous, text, _settings) is { } facts)
            return facts;
        return ParseAndScan(path, text);
    }

    private SourceKind KindOf(string path) => Kinds.For(path) ?? Kinds.All[0];

    public WorkspaceAnalysis Analyze(IFileSource files, IProgress<(int Done, int Total)>? progress = null, CancellationToken cancellationToken = default)
    {
        var paths = SourceFiles(files);
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

        // Parsing and the walks run on large stacks (see DeepStack); a document that still fails is
        // analysed as empty and its failure is reported, so one file never stops the others.
        var parseFailures = new System.Collections.Concurrent.ConcurrentBag<RuleFailure>();
        DocumentFacts SafeParseAndScan(int i)
        {
            try { return ParseAndScan(paths[i], texts[i]); }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                parseFailures.Add(new RuleFailure(ParseFailureId, paths[i], e));
                return ParseAndScan(paths[i], "");
            }
        }

        if (RetainSyntax)
        {
            var facts = new DocumentFacts[paths.Count];
            DeepStack.For(paths.Count, MaxDegreeOfParallelism, i => { facts[i] = SafeParseAndScan(i); Tick(); }, cancellationToken);
            return AnalyzeFacts(facts, parseFailures, cancellationToken);
        }

        // Streaming: files that can define catalog objects first (kept until the catalog is built),
        // then every other file parsed, checked and released one at a time.
        var definers = new DocumentFacts?[paths.Count];
        var largeDefiners = new List<DocumentFacts>?[paths.Count];
        var isDefiner = new bool[paths.Count];
        DeepStack.For(paths.Count, MaxDegreeOfParallelism, i =>
        {
            if (!KindOf(paths[i]).MayDefineCatalogObjects(texts[i])) return;
            isDefiner[i] = true;
            if (IsLarge(texts[i]))
            {
                try { largeDefiners[i] = ScanLarge(paths[i], texts[i]); }
                catch (Exception e) when (e is not OperationCanceledException) { parseFailures.Add(new RuleFailure(ParseFailureId, paths[i], e)); }
            }
            else definers[i] = SafeParseAndScan(i);
            Tick();
        }, cancellationToken);
        // Stand-ins need every document's code: gathered while each is checked, added once all are.
        var catalog = CatalogAssembler.Assemble(definers.Where(d => d is not null).Concat(largeDefiners.Where(l => l is not null).SelectMany(l => l!))!,
            _liveCatalog, null, _settings.ExternalObjects, _settings.CompatibilityLevel, standIns: false, projects: _settings.DatabaseProjects);
        Array.Clear(largeDefiners);
        var uses = new StandInUses?[paths.Count];

        var lean = new DocumentFacts[paths.Count];
        var perDocument = new DocumentAnalysis[paths.Count];
        DeepStack.For(paths.Count, MaxDegreeOfParallelism, i =>
        {
            if (IsLarge(texts[i]))
            {
                try { (lean[i], perDocument[i]) = AnalyzeLarge(paths[i], texts[i], catalog, cancellationToken); }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    lean[i] = ParseAndScan(paths[i], "");
                    perDocument[i] = Failed(new[] { new RuleFailure(ParseFailureId, paths[i], e) });
                }
                if (!isDefiner[i]) Tick();
                return;
            }
            var doc = definers[i] ?? SafeParseAndScan(i);
            uses[i] = StandInInference.Collect(doc, catalog);
            var result = AnalyzeDocument(doc, catalog, cancellationToken);
            perDocument[i] = result with { Transformations = result.Transformations.Select(t => t.WithoutSyntax()).ToList() };
            lean[i] = doc.WithoutSyntax();
            definers[i] = null;
            if (!isDefiner[i]) Tick();
        }, cancellationToken);
        var complete = catalog.WithStandIns(StandInInference.Merge(uses.OfType<StandInUses>()));
        // the rules ran before the workspace's undefined tables were known: unknown objects of a
        // schema full of them are made outside the repository, left out as a retained analysis leaves them
        var outside = ObjectsMadeOutside.Schemas(complete.StandIns);
        if (outside.Count > 0)
            for (int i = 0; i < perDocument.Length; i++)
                if (perDocument[i] is { } analysis && analysis.Findings.Any(f => ObjectsMadeOutside.Names(f, outside)))
                    perDocument[i] = analysis with { Findings = analysis.Findings.Where(f => !ObjectsMadeOutside.Names(f, outside)).ToList() };
        if (complete.StandIns.Count > 0)
        {
            var firstUses = complete.StandIns.Select(t => t.StandIn!.FirstUse.File).ToHashSet(StringComparer.Ordinal);
            for (int i = 0; i < paths.Count; i++)
                if (firstUses.Contains(paths[i]) && perDocument[i] is { } analysis)
                    perDocument[i] = analysis with
                    {
                        Findings = analysis.Findings.Concat(_rules.Run(lean[i].Document, complete.Declared, Array.Empty<TransformationAnalysis>(),
                            r => r is Rules.Maintainability.StandInTableRule, cancellationToken: cancellationToken)).OrderBy(f => f, FindingOrder.Instance).ToList(),
                    };
        }
        return Compose(lean, complete, perDocument.Append(Failed(parseFailures)), projects: _settings.DatabaseProjects);
    }

    /// <summary>Analyses already-scanned documents (the language server passes cached facts).</summary>
    public WorkspaceAnalysis Analyze(IReadOnlyList<DocumentFacts> documents, CancellationToken cancellationToken = default) =>
        AnalyzeFacts(documents, Array.Empty<RuleFailure>(), cancellationToken);

    private WorkspaceAnalysis AnalyzeFacts(IReadOnlyList<DocumentFacts> documents, IEnumerable<RuleFailure> failures, CancellationToken cancellationToken)
    {
        // Duplicate definitions are reported by the duplicate-definition rule (ETL0099), per document.
        var catalog = BuildCatalog(documents);

        var perDocument = new DocumentAnalysis[documents.Count];
        DeepStack.For(documents.Count, MaxDegreeOfParallelism, i =>
            perDocument[i] = AnalyzeDocument(documents[i], catalog, cancellationToken), cancellationToken);

        return Compose(documents, catalog, perDocument.Append(Failed(failures)), projects: _settings.DatabaseProjects);
    }

    private static DocumentAnalysis Failed(IEnumerable<RuleFailure> failures) =>
        new(Array.Empty<TransformationAnalysis>(), Array.Empty<Finding>(), failures.ToList());

    /// <summary>The catalog the documents define (over the live catalog when one is configured).</summary>
    public SchemaCatalog BuildCatalog(IEnumerable<DocumentFacts> documents, List<CatalogProblem>? problems = null) =>
        CatalogAssembler.Assemble(documents, _liveCatalog, problems, _settings.ExternalObjects, _settings.CompatibilityLevel, projects: _settings.DatabaseProjects);

    /// <summary>
    /// The per-document step: resolves the document's transformations against the catalog and runs
    /// the rules over it. A transformation whose lineage cannot be resolved (a bug, not bad SQL) is
    /// reported as a failure and skipped; the other transformations and the rules still run.
    /// </summary>
    public DocumentAnalysis AnalyzeDocument(DocumentFacts doc, SchemaCatalog catalog, CancellationToken cancellationToken = default)
    {
        // each database project is its own database: its code reads its own table of a name two projects define
        catalog = catalog.ForProject(_settings.DatabaseProjects.ProjectOf(doc.Document.Path));
        var failures = new List<RuleFailure>();
        var transformations = new List<TransformationAnalysis>(doc.Transformations.Count);
        foreach (var t in doc.Transformations)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try { transformations.Add(Resolve(doc, t, catalog)); }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                failures.Add(new RuleFailure(LineageFailureId, doc.Document.Path, e));
            }
        }
        // rules check what is defined: a stand-in is an assumption of the sandbox, not a definition
        var findings = _rules.Run(doc.Document, catalog.Declared, transformations, failures, cancellationToken: cancellationToken);
        return new DocumentAnalysis(transformations, findings, failures);
    }

    /// <summary>
    /// The analysis with some documents' text replaced or removed (a mutant, a heal candidate, the
    /// editor's unsaved buffers): only those documents are parsed, resolved and checked again; the
    /// others keep their facts, lineage and findings. When a change alters what a document
    /// contributes to the catalog and <paramref name="rebuildCatalog"/> is set, the catalog is built
    /// again and every document resolved against it (still without parsing the unchanged ones).
    /// </summary>
    /// <param name="changes">Path → new text; null removes the document.</param>
    /// <param name="runRules">Check the changed documents with the rules (a mutant needs no findings).</param>
    public WorkspaceAnalysis Patch(WorkspaceAnalysis original, IReadOnlyDictionary<string, string?> changes,
        bool runRules = true, bool rebuildCatalog = true, CancellationToken cancellationToken = default)
    {
        var documents = original.Documents.ToList();
        var changed = new Dictionary<string, DocumentFacts>(StringComparer.Ordinal);
        bool catalogChanged = false;
        foreach (var (path, text) in changes.OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            int at = documents.FindIndex(d => d.Document.Path == path);
            var before = at >= 0 ? documents[at] : null;
            if (text is null || !IsIncluded(path))
            {
                if (before is null) continue;
                catalogChanged |= CatalogFingerprint.OfDocument(before).Length > 0;
                documents.RemoveAt(at);
                continue;
            }
            var facts = ParseAndScan(path, text);
            catalogChanged |= CatalogFingerprint.OfDocument(facts) != (before is null ? "" : CatalogFingerprint.OfDocument(before));
            if (at >= 0) documents[at] = facts;
            else documents.Add(facts);
            changed[path] = facts;
        }
        if (catalogChanged && rebuildCatalog) return Analyze(documents, cancellationToken);

        var perDocument = new List<DocumentAnalysis>(documents.Count);
        var kept = documents.Where(d => !changed.ContainsKey(d.Document.Path)).Select(d => d.Document.Path).ToHashSet(StringComparer.Ordinal);
        var transformations = original.Transformations.Where(t => kept.Contains(t.Transformation.File)).ToLookup(t => t.Transformation.File, StringComparer.Ordinal);
        var findings = original.Findings.Where(f => kept.Contains(f.Location.File)).ToLookup(f => f.Location.File, StringComparer.Ordinal);
        var failures = original.RuleFailures.Where(f => kept.Contains(f.File)).ToLookup(f => f.File, StringComparer.Ordinal);
        foreach (var path in kept)
            perDocument.Add(new DocumentAnalysis(transformations[path].ToList(), findings[path].ToList(), failures[path].ToList()));
        foreach (var facts in changed.Values)
        {
            cancellationToken.ThrowIfCancellationRequested();
            perDocument.Add(runRules ? AnalyzeDocument(facts, original.Catalog, cancellationToken)
                : ResolveOnly(facts, original.Catalog.ForProject(_settings.DatabaseProjects.ProjectOf(facts.Document.Path))));
        }
        return Compose(documents, original.Catalog, perDocument, projects: _settings.DatabaseProjects);
    }

    /// <summary>Lineage without rules; a transformation that cannot be resolved is a failure, as in <see cref="AnalyzeDocument"/>.</summary>
    private static DocumentAnalysis ResolveOnly(DocumentFacts doc, SchemaCatalog catalog)
    {
        var transformations = new List<TransformationAnalysis>(doc.Transformations.Count);
        var failures = new List<RuleFailure>();
        foreach (var t in doc.Transformations)
        {
            try { transformations.Add(Resolve(doc, t, catalog)); }
            catch (Exception e) when (e is not OperationCanceledException) { failures.Add(new RuleFailure(LineageFailureId, doc.Document.Path, e)); }
        }
        return new DocumentAnalysis(transformations, Array.Empty<Finding>(), failures);
    }

    /// <summary>The id a lineage failure is reported under in <see cref="RuleFailure"/>.</summary>
    public const string LineageFailureId = "lineage";

    private static IEnumerable<TransformationAnalysis> InPreferenceOrder(IEnumerable<TransformationAnalysis> sameName, DatabaseProjects projects)
    {
        var ordered = DefinitionPreference.Order(sameName, t => t.Transformation.File, t => t.Transformation.HeaderRange.StartOffset, projects).ToList();
        for (int i = 0; i < ordered.Count; i++)
        {
            var supersededBy = i == 0 ? null : ordered[0].Transformation.File;
            if (ordered[i].Transformation.SupersededBy != supersededBy)
                ordered[i] = ordered[i] with { Transformation = ordered[i].Transformation with { SupersededBy = supersededBy } };
        }
        return ordered;
    }

    /// <summary>The id a document that could not be parsed or scanned is reported under in <see cref="RuleFailure"/>.</summary>
    public const string ParseFailureId = "parse";

    /// <summary>The diagnostic a document gets when its analysis failed as a whole (a bug, not bad SQL).</summary>
    public static Finding AnalysisFailure(string path, Exception e) => new(
        WorkspaceAnalysis.SyntaxRuleId, Severity.Warning,
        $"This file could not be analysed ({e.GetType().Name}: {e.Message}); findings and lineage for it are missing. The log has the details.",
        new Location(path, default), Finding.NoRelated, Finding.NoFixes);

    /// <summary>Assembles a workspace snapshot from per-document results (in any order).</summary>
    public static WorkspaceAnalysis Compose(IReadOnlyList<DocumentFacts> documents, SchemaCatalog catalog,
        IEnumerable<DocumentAnalysis> perDocument, IEnumerable<Finding>? workspaceFindings = null, DatabaseProjects? projects = null)
    {
        var analyses = perDocument.ToList();
        // every reader finds a name's first definition: make it the one a person edits, whatever order the documents came in
        var transformations = analyses.SelectMany(d => d.Transformations)
            .GroupBy(t => t.Transformation.Name, StringComparer.OrdinalIgnoreCase)
            .OrderBy(g => g.Key, StringComparer.OrdinalIgnoreCase)
            .SelectMany(g => InPreferenceOrder(g, projects ?? DatabaseProjects.None))
            .ToList();
        // tSQLt's framework and test classes are known only with every document (a class is marked in one file, its tests are in others)
        var tsqlt = TsqltTests.Recognise(documents, transformations.Select(t => t.Transformation).ToList());
        for (int i = 0; i < transformations.Count; i++)
            if (tsqlt.RoleOf(transformations[i].Transformation.Name) is var role && role != transformations[i].Transformation.Tsqlt)
                transformations[i] = transformations[i] with { Transformation = transformations[i].Transformation with { Tsqlt = role } };
        var pipelines = PipelineBuilder.Build(transformations.Select(t => t.Transformation).ToList());
        var findings = analyses.SelectMany(d => d.Findings).Concat(workspaceFindings ?? Array.Empty<Finding>()).ToList();
        // which tables only scripts write is known only now, with every document's transformations
        var tableFree = SelectStarInLoadRule.TableFreeFunctions(transformations.Select(t => t.Transformation));
        if (tableFree.Count > 0) findings.RemoveAll(f => SelectStarInLoadRule.OverTableFreeFunctions(f, tableFree));
        var seeded = NoLockInLoadRule.SeededOnly(transformations.Select(t => t.Transformation), catalog.Declared);
        if (seeded.Count > 0) findings.RemoveAll(f => NoLockInLoadRule.ReadsOnly(f, seeded));
        var written = NoLockInLoadRule.WrittenByModules(transformations.Select(t => t.Transformation));
        IReadOnlySet<QualifiedName>? writtenOrViewed = null;
        for (int i = 0; i < findings.Count; i++)
            if ((NoLockInLoadRule.AsUnwrittenKeyLookup(findings[i], written) ?? (findings[i].RuleId == "ETL0010"
                    ? NoLockInLoadRule.AsUnwrittenReferenceRead(findings[i], writtenOrViewed ??= NoLockInLoadRule.WithViewsOver(written, transformations.Select(t => t.Transformation)))
                    : null)) is { } lowered)
                findings[i] = lowered;
        // which NULL-able columns every writer fills is known only now as well
        FilledColumns? filled = null;
        findings.RemoveAll(f => f.RuleId == "ETL0006" && f.Evidence is not null &&
            NullableIntoNotNullRule.FilledByEveryWriter(f, filled ??= new FilledColumns(transformations, catalog, projects)));
        // which lookups every writer of the table keeps to one row is known only now too
        WriterUniqueKeys? writerKeys = null;
        WriterConstantColumns? writerConstants = null;
        findings.RemoveAll(f => f.RuleId == "ETL0001" && f.Evidence is not null &&
            (TopWithoutOrderByRule.PinsWriterUniqueKey(f, writerKeys ??= new WriterUniqueKeys(transformations, catalog)) ||
             TopWithoutOrderByRule.SelectsWriterConstants(f, writerConstants ??= new WriterConstantColumns(transformations, catalog))));
        // whether a procedure's callees in other files write anything is known only now too
        ReadOnlyProcedures? readOnly = null;
        for (int i = 0; i < findings.Count; i++)
            if (findings[i].RuleId == "ETL0010" && findings[i].Evidence?.ContainsKey(NoLockInLoadRule.CalleesEvidenceKey) == true &&
                NoLockInLoadRule.AsReadOnlyAcrossFiles(findings[i], (readOnly ??= new ReadOnlyProcedures(transformations)).WritesNothing) is { } lowered)
                findings[i] = lowered;
        findings.Sort(FindingOrder.Instance);
        return new WorkspaceAnalysis(documents, catalog, transformations, pipelines, findings, analyses.SelectMany(d => d.Failures).ToList()) { Tsqlt = tsqlt, Projects = projects ?? DatabaseProjects.None };
    }

    /// <summary>Names as the catalog has them: a three-part name of the workspace's own database is its own object.</summary>
    private static IReadOnlyList<QualifiedName> Canonical(IReadOnlyList<QualifiedName> names, SchemaCatalog catalog) =>
        names.Any(n => n.Database is not null) ? names.Select(catalog.Resolve).Distinct().OrderBy(n => n).ToList() : names;

    /// <summary>Adds column lineage (which needs the catalog) to a scanned transformation.</summary>
    public static TransformationAnalysis Resolve(DocumentFacts doc, TransformationSyntax t, SchemaCatalog catalog)
    {
        // lineage (and the rules that read it) follows what is defined, not the sandbox's stand-ins
        catalog = catalog.Declared;
        // parameters were read per document; their alias types are the catalog's
        if (t.Parameters.Any(p => p.Type.UserType is not null)) t = t with { Parameters = t.Parameters.Select(catalog.AliasTypes.Resolve).ToList() };
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
            Canonical(t.Reads, catalog), Canonical(t.Writes, catalog), t.Calls, t.Parameters, lineage)
            { ReturnsRows = t.Kind == TransformationKind.Procedure && Discovery.ResultSetStatements.Any(t.Body) };
        return new TransformationAnalysis(transformation, t, doc.Document, assignments, analyzer.Unresolved)
            {
                Fills = analyzer.Fills(transformation.Writes, catalog.Resolve),
                DynamicFills = ReadOnlyProcedures.RunsDynamicSql(doc.Document.Text, t.BodyRange) ? FilledColumns.DynamicFills(t, catalog) : null,
                KeptKeys = WriterKeys.Of(t, catalog.Resolve, catalog),
                ReturnsValue = t.Kind == TransformationKind.Function && LineageAnalyzer.ReturnsValue(t.Definition, catalog),
            };
    }
}

/// <summary>What the per-document step produced: resolved transformations, findings, rule failures.</summary>
public sealed record DocumentAnalysis(
    IReadOnlyList<TransformationAnalysis> Transformations,
    IReadOnlyList<Finding> Findings,
    IReadOnlyList<RuleFailure> Failures)
{
    public static readonly DocumentAnalysis Empty = new(Array.Empty<TransformationAnalysis>(), Array.Empty<Finding>(), Array.Empty<RuleFailure>());
}
