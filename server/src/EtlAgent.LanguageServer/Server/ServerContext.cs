using EtlAgent.Core.WorkspaceModel;
using EtlAgent.Core.Agent;
using EtlAgent.Core.Workspace;
using EtlAgent.LanguageServer.Conversions;
using EtlAgent.LanguageServer.Protocol;
using StreamJsonRpc;

namespace EtlAgent.LanguageServer.Server;

/// <summary>
/// The server's state, shared by the handlers: the connection, open documents, the workspace
/// session and what the client said it supports. Handlers read snapshots from
/// <see cref="Session"/>; only the document-sync and configuration handlers change state, and
/// JsonRpc runs those one at a time in arrival order (see <see cref="LanguageServerHost"/>).
/// </summary>
public sealed class ServerContext : IDisposable
{
    private WorkspaceSession? _session;
    private Engine? _engine;
    private DiagnosticsPublisher? _publisher;

    public ServerContext(JsonRpc rpc, Logger log, Outbox outbox)
    {
        Rpc = rpc;
        Log = log;
        Outbox = outbox;
        Tests = new SandboxTestState(this);
        Drift = new SchemaDriftDiagnostics(this);
        WorkProgress = new WorkDoneProgressTracker(this);
    }

    /// <summary>Progress notifications of long commands, and their cancellation by the user.</summary>
    public WorkDoneProgressTracker WorkProgress { get; }

    /// <summary>The workspace's sandbox tests: which transformations have them, and the last results.</summary>
    public SandboxTestState Tests { get; }

    /// <summary>Diagnostics besides the session's findings (test results, schema drift, mutation survivors).</summary>
    public DiagnosticLayers Layers { get; } = new();

    /// <summary>Schema drift of the workspace's test files, published as diagnostics with an update fix.</summary>
    public SchemaDriftDiagnostics Drift { get; }

    /// <summary>Publishes a file's diagnostics again after a layer changed: a SQL file with its findings, another file with its layers alone.</summary>
    public void PublishLayers(string path)
    {
        if (Session.Analyzer.Kinds.Owns(path) && _publisher is { } publisher) { publisher.Republish(path); return; }
        var p = new PublishDiagnosticsParams { Uri = Paths.ToUri(path), Diagnostics = Layers.For(path, null).ToList() };
        Outbox.Post(() => Rpc.NotifyWithParameterObjectAsync("textDocument/publishDiagnostics", p));
    }

    /// <summary>Held while the session is swapped and while a document change reaches it, so no edit is lost in a swap.</summary>
    public object SyncRoot { get; } = new();

    public JsonRpc Rpc { get; }
    public Logger Log { get; }
    public Outbox Outbox { get; }
    public DocumentStore Documents { get; } = new();
    public WorkspacePaths Paths { get; private set; } = new(Directory.GetCurrentDirectory());
    public ClientCapabilities ClientCapabilities { get; private set; } = new();
    public ClientSettings Settings { get; private set; } = ClientSettings.None;
    public bool Initialized { get; private set; }
    public bool ShutdownRequested { get; set; }
    public TaskCompletionSource<int> Exit { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The engine over the editor's view of the workspace (open buffers over the disk); commands get what they run from it.</summary>
    public Engine Engine => _engine ?? throw new LocalRpcException("The server is not initialized.") { ErrorCode = ErrorCodes.ServerNotInitialized };

    public WorkspaceSession Session => _session ?? throw new LocalRpcException("The server is not initialized.") { ErrorCode = ErrorCodes.ServerNotInitialized };

    public bool SupportsShowDocument => ClientCapabilities.Window?.ShowDocument?.Support == true;
    public bool SupportsProgress => ClientCapabilities.Window?.WorkDoneProgress == true;
    public bool SupportsCodeLensRefresh => ClientCapabilities.Workspace?.CodeLens?.RefreshSupport == true;

    /// <summary>Throws the LSP "server not initialized" error for requests that come before initialize.</summary>
    public void EnsureInitialized()
    {
        if (!Initialized) throw new LocalRpcException("The server is not initialized.") { ErrorCode = ErrorCodes.ServerNotInitialized };
    }

    public void Initialize(string root, ClientCapabilities capabilities, ClientSettings settings)
    {
        Paths = new WorkspacePaths(root);
        ClientCapabilities = capabilities;
        Settings = settings;
        CreateSession(startIndexing: false);
        Initialized = true;
    }

    /// <summary>Starts indexing the workspace (after `initialized`, once the client can take progress).</summary>
    public void StartIndexing() => Session.Start();

    /// <summary>New editor settings or a changed manifest: a new session over the same open documents, re-indexed.</summary>
    public void Reconfigure(ClientSettings? settings = null)
    {
        if (settings is not null) Settings = settings;
        CreateSession(startIndexing: true);
    }

    private void CreateSession(bool startIndexing)
    {
        lock (SyncRoot) CreateSessionLocked(startIndexing);
    }

    private void CreateSessionLocked(bool startIndexing)
    {
        var disk = new PhysicalFileSource(Paths.Root);
        WorkspaceSettings manifest;
        try { manifest = WorkspaceSettings.Load(disk); }
        catch (ConfigurationException e)
        {
            Log.Error($"{e.Message} (using default settings)");
            manifest = WorkspaceSettings.Default;
        }
        var settings = Settings.Apply(manifest, disk);
        var engine = Engine.Create(disk, settings, EngineHost.ForWorkspace(Paths.Root, "editor"));
        var session = new WorkspaceSession(engine.Analyzer(), disk);
        session.Failed += (where, e) => Log.Error($"analysis failed in {where}", e);
        var publisher = new DiagnosticsPublisher(this, session);
        session.Updated += Drift.OnSessionUpdated;

        var old = _session;
        var oldEngine = _engine;
        _publisher?.Detach();
        _session = session;
        _engine = engine.WithFiles(session.Files);
        _publisher = publisher;
        old?.Dispose();
        oldEngine?.Pool.Dispose();

        Tests.Invalidate();
        foreach (var doc in Documents.All)
            if (!Core.Sandbox.TestFiles.TestFile.IsTestFile(doc.Path)) session.Open(doc.Path, doc.Text, doc.Version);
        Log.Info($"workspace {Paths.Root} (compatibility level {settings.CompatibilityLevel})");
        if (startIndexing) session.Start();
    }

    /// <summary>
    /// Waits (bounded) until the snapshot reflects every open document's latest version, for
    /// requests that should answer for what the user sees. Never used on the keystroke path.
    /// </summary>
    public async Task<WorkspaceSnapshot> CurrentSnapshotAsync(CancellationToken cancellationToken, TimeSpan? limit = null)
    {
        var deadline = DateTime.UtcNow + (limit ?? TimeSpan.FromSeconds(5));
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var snapshot = Session.Current;
            bool current = Documents.All.All(d => snapshot.Document(d.Path) is { IsChecked: true } s && s.Version == d.Version);
            if (current || DateTime.UtcNow > deadline) return snapshot;
            await Task.Delay(5, cancellationToken).ConfigureAwait(false);
        }
    }

    public void Dispose()
    {
        _publisher?.Detach();
        _session?.Dispose();
        _engine?.Pool.Dispose();
    }
}
