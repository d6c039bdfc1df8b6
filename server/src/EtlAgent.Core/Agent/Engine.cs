using EtlAgent.Core.Analysis;
using EtlAgent.Core.Catalog;
using EtlAgent.Core.Generation;
using EtlAgent.Core.Governance;
using EtlAgent.Core.Healing;
using EtlAgent.Core.Impact;
using EtlAgent.Core.Memory;
using EtlAgent.Core.Mutation;
using EtlAgent.Core.MutationAnalysis;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Sandbox;
using EtlAgent.Core.Sandbox.DuckDb;
using EtlAgent.Core.Sandbox.Runner;
using EtlAgent.Core.Sandbox.TestFiles;
using EtlAgent.Core.Workspace;
using EtlAgent.Core.WorkspaceModel;

namespace EtlAgent.Core.Agent;

/// <summary>
/// What the engine takes from its host: the wall clock, the environment (the core reads neither
/// itself), who is acting ("cli", "editor", "ci") and where the audit trail goes.
/// </summary>
public sealed record EngineHost(IClock Clock, IEnvironment Environment)
{
    /// <summary>The machine's clock and the process's environment variables.</summary>
    public static EngineHost System => new(new SystemClock(), new ProcessEnvironment());

    /// <summary>Who is acting, for the audit trail.</summary>
    public string Actor { get; init; } = "cli";

    /// <summary>Where every change the engine makes is recorded; in memory unless the host gives a durable one.</summary>
    public IAuditLog Audit { get; init; } = new InMemoryAuditLog();

    /// <summary>The workspace's version control, for `--changed-since`; null: none.</summary>
    public IVersionControl? VersionControl { get; init; }

    /// <summary>
    /// The host of a door working on the workspace at <paramref name="root"/>: the machine's clock and
    /// environment, the door as actor (the CLI is "ci" when the environment says CI=true; an editor is a person
    /// even on a machine that sets CI), and the
    /// workspace's durable trail (.etl-agent/audit.jsonl); <paramref name="also"/> gets a copy of each entry.
    /// </summary>
    public static EngineHost ForWorkspace(string root, string door, IAuditLog? also = null, IEnvironment? environment = null)
    {
        var host = environment is null ? System : System with { Environment = environment };
        var ci = string.Equals(host.Environment.Variable("CI")?.Trim(), "true", StringComparison.OrdinalIgnoreCase);
        var redactor = new SecretRedactor(new[] { host.Environment.Variable(SandboxSettings.EnvironmentVariable) ?? "" });
        return host with { Actor = ci && door == "cli" ? "ci" : door, Audit = HashChainedAuditLog.ForWorkspace(root, redactor, also), VersionControl = new GitRepository(root) };
    }

    /// <summary>The memory of past runs; null: the one etl-agent.json's `memory` section names (SQLite in the workspace by default).</summary>
    public IMemoryStore? Memory { get; init; }
}

/// <summary>
/// The composition root: the one place that puts the engine together for a workspace — its files,
/// settings (etl-agent.json, with the door's overrides), live catalog, clock, environment and the
/// sandbox provider with its pool of embedded instances. The CLI's verbs, the language server's
/// handlers, the full run and mutation analysis get what they need from here and build nothing
/// themselves. An engine is cheap to derive for another view of the same workspace (<see cref="WithFiles"/>).
/// </summary>
public sealed class Engine
{
    /// <summary>Total generation time of a full run unless the door says otherwise.</summary>
    public static readonly TimeSpan DefaultGenerationBudget = TimeSpan.FromSeconds(120);

    /// <summary>Mutant search time per transformation for `etl-agent generate` and the editor's Generate tests.</summary>
    public static readonly TimeSpan DefaultMutationBudget = TimeSpan.FromSeconds(45);

    private readonly SandboxFactoryProvider.EmbeddedSandbox? _embedded;
    private readonly Lazy<SandboxFactoryProvider> _sandboxes;
    private readonly Lazy<Governor> _governance;
    private readonly object _analysisGate = new();
    private (WorkspaceAnalysis Analysis, IReadOnlyDictionary<string, string> Texts)? _lastAnalysis;
    private readonly Lazy<IMemoryStore> _memory;

    private Engine(IFileSource files, WorkspaceSettings settings, SchemaCatalog? liveCatalog, EngineHost host,
        SandboxFactoryProvider.EmbeddedSandbox? embedded, SandboxPool pool, Lazy<IMemoryStore>? memory = null)
    {
        _memory = memory ?? new Lazy<IMemoryStore>(() => host.Memory ?? MemoryStores.Open(settings.Memory, RootOf(files)));
        Files = files;
        Settings = settings;
        LiveCatalog = liveCatalog;
        Host = host;
        Pool = pool;
        // one prepared catalog per workspace version, shared by every factory (and the engines derived from this one)
        var catalogs = new PreparedCatalogs();
        _embedded = embedded ?? ((setup, f) => new DuckDbSandboxFactory(setup, f, pool, catalogs: catalogs));
        _governance = new Lazy<Governor>(() => new Governor(settings.Policy, new CopyingAuditLog(host.Audit, () => Memory), host.Clock, host.Actor));
        _sandboxes = new Lazy<SandboxFactoryProvider>(() => new SandboxFactoryProvider(settings.Sandbox, files, host.Environment.Variable, _embedded) { Governor = Governance });
    }

    /// <summary>
    /// An engine for the workspace in <paramref name="files"/>: reads etl-agent.json (then
    /// <paramref name="adjust"/> applies the door's overrides) and, when it names one, the live catalog.
    /// </summary>
    /// <exception cref="ConfigurationException">The manifest is invalid or the live catalog cannot be read.</exception>
    public static async Task<Engine> OpenAsync(IFileSource files, EngineHost host, Func<WorkspaceSettings, WorkspaceSettings>? adjust = null,
        SandboxFactoryProvider.EmbeddedSandbox? embedded = null, CancellationToken cancellationToken = default)
    {
        var settings = WorkspaceSettings.Load(files);
        if (adjust is not null) settings = adjust(settings);
        SchemaCatalog? live = null;
        if (!string.IsNullOrWhiteSpace(settings.CatalogConnectionString))
        {
            try { live = await EtlAgent.Core.Catalog.LiveCatalog.ReadAsync(settings.CatalogConnectionString!, cancellationToken).ConfigureAwait(false); }
            catch (Exception e) when (e is Microsoft.Data.SqlClient.SqlException or InvalidOperationException or ArgumentException)
            {
                throw new ConfigurationException($"{WorkspaceSettings.ManifestFile}: catalog.connectionString: cannot read the live catalog: {e.Message}");
            }
        }
        return Create(files, settings, host, live, embedded);
    }

    /// <summary>An engine over settings the host already has (the language server merges the client's settings into the manifest).</summary>
    public static Engine Create(IFileSource files, WorkspaceSettings settings, EngineHost host, SchemaCatalog? liveCatalog = null,
        SandboxFactoryProvider.EmbeddedSandbox? embedded = null) =>
        new(files, settings, liveCatalog, host, embedded, new SandboxPool(host.Environment));

    public IFileSource Files { get; }
    public WorkspaceSettings Settings { get; }
    public SchemaCatalog? LiveCatalog { get; }
    public EngineHost Host { get; }
    public IClock Clock => Host.Clock;

    /// <summary>The workspace's policy with the host's audit trail: what may happen without approval, and the record of what did.</summary>
    public Governor Governance => _governance.Value;

    /// <summary>The embedded sandbox's reusable DuckDB instances, owned by this engine and the engines derived from it.</summary>
    public SandboxPool Pool { get; }

    /// <summary>The sandbox engine for the workspace's tests (SQL Server when configured, else the embedded one).</summary>
    public SandboxFactoryProvider Sandboxes => _sandboxes.Value;

    /// <summary>The same engine over another view of the workspace's files (the editor's open buffers over the disk).</summary>
    public Engine WithFiles(IFileSource files) =>
        ReferenceEquals(files, Files) ? this : new Engine(files, Settings, LiveCatalog, Host, _embedded, Pool, _memory);

    /// <summary>
    /// The memory of past runs (etl-agent.json's `memory`: SQLite at .etl-agent/memory.db unless
    /// it says otherwise; in memory only for a workspace that is not on disk). Opened on first use,
    /// shared by the engines derived from this one.
    /// </summary>
    public IMemoryStore Memory => _memory.Value;

    /// <summary>The folder on disk under the workspace's files, or null (files in memory).</summary>
    private static string? RootOf(IFileSource files) => files switch
    {
        PhysicalFileSource p => p.Root,
        OverlayFileSource o => RootOf(o.Disk),
        _ => null,
    };

    /// <summary>The findings not dismissed in the memory (and how many were); the memory's error leaves them all.</summary>
    public (List<Model.Finding> Kept, int Dismissed) WithoutDismissed(IReadOnlyList<Model.Finding> findings) =>
        Dismissals.Apply(KnownFindings(), findings, Clock.UtcNow);

    /// <summary>What the memory knows of findings (dismissals among them); nothing when it cannot be read: showing a dismissed finding beats failing.</summary>
    public IReadOnlyDictionary<string, FindingRecord> KnownFindings()
    {
        try { return Memory.Findings(); }
        catch (MemoryStoreException) { return new Dictionary<string, FindingRecord>(); }
    }

    /// <summary>An analyzer with the workspace's settings; <paramref name="retainSyntax"/> keeps the trees the sandbox and the generator translate from.</summary>
    public WorkspaceAnalyzer Analyzer(bool retainSyntax = true) => new(Settings, LiveCatalog) { RetainSyntax = retainSyntax };

    /// <summary>Discovers and checks the whole workspace.</summary>
    public WorkspaceAnalysis Analyze(bool retainSyntax = true, IProgress<(int Done, int Total)>? progress = null, CancellationToken cancellationToken = default) =>
        Analyzer(retainSyntax).Analyze(Files, progress, cancellationToken);

    /// <summary>
    /// The workspace's analysis with syntax as the files read now, incremental: after the first
    /// call only the documents whose text changed since the last one are parsed and checked again
    /// (<see cref="WorkspaceAnalyzer.Patch"/>), so the editor's commands do not re-analyse the workspace.
    /// </summary>
    public WorkspaceAnalysis CurrentAnalysis(CancellationToken cancellationToken = default)
    {
        var analyzer = Analyzer(retainSyntax: true);
        var paths = analyzer.SourceFiles(Files);
        var texts = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var path in paths)
        {
            try { texts[path] = Files.ReadAllText(path); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { texts[path] = ""; } // analysed as empty, as Analyze does
        }
        lock (_analysisGate)
        {
            WorkspaceAnalysis analysis;
            if (_lastAnalysis is { } last)
            {
                var changes = new Dictionary<string, string?>(StringComparer.Ordinal);
                foreach (var (path, text) in texts)
                    if (!last.Texts.TryGetValue(path, out var before) || before != text) changes[path] = text;
                foreach (var path in last.Texts.Keys)
                    if (!texts.ContainsKey(path)) changes[path] = null;
                if (changes.Count == 0) return last.Analysis;
                analysis = analyzer.Patch(last.Analysis, changes, cancellationToken: cancellationToken);
            }
            else analysis = analyzer.Analyze(new MemoryFileSource(texts), cancellationToken: cancellationToken);
            _lastAnalysis = (analysis, texts);
            return analysis;
        }
    }

    public TestRunner TestRunner(WorkspaceAnalysis analysis, TimeSpan? caseTimeout = null) =>
        caseTimeout is { } timeout ? new(analysis, Sandboxes.Create) { CaseTimeout = timeout } : new(analysis, Sandboxes.Create);

    /// <summary>A generator that tries first the mutants the memory's last run let survive (unless the options say otherwise).</summary>
    public TestGenerator Generator(WorkspaceAnalysis analysis, WorkspaceAnalyzer analyzer, GenerationOptions options, Action<GenerationProgress>? progress = null) =>
        new(analysis, analyzer, Sandboxes.Create, options.TryFirst is null ? options with { TryFirst = new RunMemory(Memory, "", Host.Actor, Files).LastSurvivors() } : options) { Progress = progress };

    public MutationRunner MutationRunner(WorkspaceAnalysis analysis, WorkspaceAnalyzer analyzer) =>
        new(analysis, analyzer, Sandboxes.Create);

    /// <summary>The files at a git revision as the base of root-cause analysis (--base); an unknown revision is a <see cref="ConfigurationException"/> at once.</summary>
    public static BaseVersions GitBases(IFileHistory history, string revision)
    {
        history.ReadAt(revision, WorkspaceSettings.ManifestFile); // an unknown revision is a configuration error before anything is analysed
        return BaseVersions.Git(revision, path => history.ReadAt(revision, path));
    }

    /// <summary>
    /// The memory's last green versions as the base of root-cause analysis: the default when no git
    /// revision is given (a user who ran green yesterday and broke the code today gets the differential).
    /// </summary>
    public BaseVersions LastGreenBases(IMemoryStore? store = null) => BaseVersions.Memory(store ?? Memory);

    /// <summary>
    /// The full run over this engine's files; reports go through <paramref name="writer"/>, stamped with
    /// the clock; its root-cause analysis compares with the memory's last green versions unless the options name other bases.
    /// </summary>
    public FullRun FullRun(IFileWriter writer, FullRunOptions options) =>
        new(Files, Governance.Writer(writer), Analyzer(retainSyntax: true), Sandboxes, options with
        {
            RootCause = options.RootCause is { Bases: null } rootCause ? rootCause with { Bases = LastGreenBases(options.Memory?.Store) } : options.RootCause,
            Timestamp = options.Timestamp == DateTime.UnixEpoch ? Clock.UtcNow : options.Timestamp,
            Memory = options.Memory ?? new RunMemory(Memory, Guid.NewGuid().ToString("N")[..12], Host.Actor, Files),
            History = options.History.Count > 0 ? options.History : Trend(),
        })
        { Governance = Governance, VersionControl = Host.VersionControl };

    /// <summary>The memory's last runs, oldest first, for the run report's trends (none when the memory cannot be read).</summary>
    private IReadOnlyList<Reporting.RunTrendPoint> Trend()
    {
        try
        {
            return Memory.Runs().OrderByDescending(r => r.Started).Take(TrendRuns).OrderBy(r => r.Started)
                .Select(r => new Reporting.RunTrendPoint(r.Started.UtcDateTime, r.Passed, r.Failed, r.Findings, r.MutationScore)).ToList();
        }
        catch (MemoryStoreException) { return Array.Empty<Reporting.RunTrendPoint>(); }
    }

    /// <summary>How many past runs the report's trends show.</summary>
    private const int TrendRuns = 20;

    /// <summary>
    /// Uploads a run's reports (`run --upload s3://bucket/prefix`) to S3, configured from the host's
    /// environment (<see cref="S3ObjectStore"/>), or to <paramref name="store"/>; each upload is recorded in the audit trail.
    /// </summary>
    /// <exception cref="FormatException">The destination is not s3://bucket/prefix.</exception>
    /// <exception cref="IOException">The store refused an object or could not be reached.</exception>
    public async Task<IReadOnlyList<string>> UploadReportsAsync(IReadOnlyList<string> reports, string destination, IObjectStore? store = null,
        CancellationToken cancellationToken = default)
    {
        var upload = Reporting.ReportUpload.Parse(destination);
        using var s3 = store is null ? new S3ObjectStore(Host.Environment) : null;
        return await upload.SendAsync(Files, reports, store ?? s3!,
            (report, uri) => Governance.Record(Model.AuditActions.FileWritten, uri, $"run report uploaded ({report})"), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The tests a change since <paramref name="reference"/> reaches, with the reasons (<see cref="ChangeImpact"/>).</summary>
    /// <exception cref="ConfigurationException">The host has no version control, or git refuses the revision.</exception>
    public TestSelection ChangedSince(string reference, WorkspaceAnalysis analysis)
    {
        var failed = LastRunFailures();
        return new ChangeImpact(analysis, Files, Settings, Host.VersionControl
            ?? throw new ConfigurationException("--changed-since needs the workspace's git repository, and this host gives none."))
        { RecentlyFailed = failed.Contains }.Select(reference);
    }

    /// <summary>The transformations with a case that did not pass in the memory's last run (none when the memory cannot be read).</summary>
    private HashSet<string> LastRunFailures()
    {
        try
        {
            return Memory.Runs().OrderByDescending(r => r.Started).FirstOrDefault() is { } last
                ? Memory.Cases(last.Id).Where(c => c.Outcome != "passed").Select(c => c.Transformation).ToHashSet(StringComparer.OrdinalIgnoreCase)
                : new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        }
        catch (MemoryStoreException) { return new HashSet<string>(StringComparer.OrdinalIgnoreCase); }
    }

    /// <summary>
    /// Generates the tests of one transformation and writes them (<see cref="GeneratedTestFiles.GenerateAsync"/>)
    /// through the policy and the audit trail: nothing is generated when policy.writeGeneratedTests is false.
    /// </summary>
    public async Task<GeneratedTestFile> GenerateTestFileAsync(TestGenerator generator, string transformation, IFileSource files, IFileWriter writer,
        string directory, bool force, CancellationToken cancellationToken = default)
    {
        if (Governance.RefuseGeneratedTests(GeneratedTestFiles.DefaultPath(directory, transformation)) is { } refused)
            return new GeneratedTestFile(transformation, null, null, refused);
        return await GeneratedTestFiles.GenerateAsync(generator, transformation, files, Governance.Writer(writer), directory, force, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs the test files of <paramref name="transformation"/> (all when null) on a fresh analysis
    /// with syntax. Throws <see cref="ConfigurationException"/> when no sandbox can be used.
    /// </summary>
    public async Task<WorkspaceTestRun> RunTestsAsync(string? transformation, CancellationToken cancellationToken = default)
    {
        var analysis = CurrentAnalysis(cancellationToken);
        var paths = transformation is null
            ? TestFileLoader.FindTestFiles(Files, Settings)
            : WorkspaceTests.IndexByTransformation(Files, Settings).GetValueOrDefault(transformation) ?? Array.Empty<string>();
        var loaded = new TestFileLoader(analysis).LoadAll(Files, paths);
        var errors = loaded.SelectMany(l => l.Errors).ToList();
        var sandbox = Sandboxes.Describe();
        if (errors.Count > 0 || paths.Count == 0) return new WorkspaceTestRun(null, errors, sandbox);
        var run = await TestRunner(analysis).RunAsync(loaded.Select(l => l.File!).ToList(), cancellationToken: cancellationToken).ConfigureAwait(false);
        return new WorkspaceTestRun(run, errors, sandbox);
    }

    /// <summary>
    /// Runs the tests (of <paramref name="transformation"/>, or all) and analyses the root cause of
    /// every case that fails; with <paramref name="baseRevision"/> the files' texts at that revision
    /// (read through <paramref name="history"/>) are the last green version for differential
    /// localisation, else the options' bases, else the memory's (<see cref="LastGreenBases"/>).
    /// Throws <see cref="ConfigurationException"/> when no sandbox can be used.
    /// </summary>
    public async Task<(WorkspaceTestRun Run, RootCauseReport Report)> AnalyzeFailuresAsync(string? transformation, IFileHistory? history, string? baseRevision,
        RootCauseOptions? options = null, CancellationToken cancellationToken = default)
    {
        var run = await RunTestsAsync(transformation, cancellationToken).ConfigureAwait(false);
        if (run.Run is not { } tests) return (run, RootCauseReport.Empty);
        options ??= new RootCauseOptions();
        if (history is not null && baseRevision is not null) options = options with { Bases = GitBases(history, baseRevision) };
        else if (options.Bases is null) options = options with { Bases = LastGreenBases() };
        var analyzer = Analyzer(retainSyntax: true);
        var report = await new RootCauseAnalyzer(CurrentAnalysis(cancellationToken), analyzer, Sandboxes.Create, options).AnalyseAsync(tests, cancellationToken).ConfigureAwait(false);
        return (run, report);
    }

    /// <summary>
    /// Mutation analysis of one transformation with its test files. Throws
    /// <see cref="ConfigurationException"/> when no sandbox can be used.
    /// </summary>
    public async Task<WorkspaceMutationRun> MutateAsync(string transformation, Action<int, int, Mutant>? progress = null, CancellationToken cancellationToken = default)
    {
        var analyzer = Analyzer(retainSyntax: true);
        var analysis = CurrentAnalysis(cancellationToken);
        var sandbox = Sandboxes.Describe();
        if (analysis.FindTransformation(transformation) is not { HasSyntax: true } t)
            return new(transformation, null, new[] { $"no transformation named {transformation}" }, sandbox);
        var paths = WorkspaceTests.IndexByTransformation(Files, Settings).GetValueOrDefault(t.Transformation.Name) ?? Array.Empty<string>();
        if (paths.Count == 0)
            return new(t.Transformation.Name, null, new[] { $"{t.Transformation.Name} has no test file: mutation analysis measures its tests" }, sandbox);
        var loaded = new TestFileLoader(analysis).LoadAll(Files, paths);
        var errors = loaded.SelectMany(l => l.Errors).Select(e => e.ToString()).ToList();
        if (errors.Count > 0) return new(t.Transformation.Name, null, errors, sandbox);
        var runner = new MutationRunner(analysis, analyzer, Sandboxes.Create) { Progress = progress };
        var report = await runner.RunAsync(t.Transformation.Name, loaded.Select(l => l.File!).ToList(), cancellationToken).ConfigureAwait(false);
        return new(t.Transformation.Name, report, Array.Empty<string>(), sandbox);
    }

    /// <summary>
    /// The "Update test to the new schema" rewrite of <paramref name="path"/>, whose text is
    /// <paramref name="text"/> (the editor's buffer). Throws <see cref="ConfigurationException"/>
    /// when no sandbox can be used.
    /// </summary>
    public async Task<SchemaDriftUpdate> UpdateTestToSchemaAsync(string path, string text, CancellationToken cancellationToken = default)
    {
        var analysis = CurrentAnalysis(cancellationToken);
        Sandboxes.Describe();
        var update = await new SchemaDriftRewriter(analysis, Sandboxes.Create) { Today = Clock.Today }.RewriteAsync(path, text, cancellationToken).ConfigureAwait(false);
        // the expectations were re-recorded in the sandbox; the text goes to the person who asked, who applies it
        if (update.Updated)
            Governance.ExpectationsRerecorded(path, $"re-recorded for \"{SchemaDriftRewriter.FixTitle}\" ({update.Changes.Count} schema changes); offered to the {Host.Actor}, who applies it");
        return update;
    }
}
