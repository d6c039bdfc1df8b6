using EtlAgent.LanguageServer.Conversions;
using EtlAgent.Core.Healing;
using EtlAgent.Core.WorkspaceModel;
using EtlAgent.Core.Agent;
using EtlAgent.Core.Sandbox.TestFiles;
using EtlAgent.LanguageServer.Protocol;

namespace EtlAgent.LanguageServer.Server;

/// <summary>
/// Publishes "out of date with the schema" diagnostics in test files (Core's
/// <see cref="SchemaDrift"/>): for a test file when it is opened or edited, and for every test file
/// when indexing ends or the catalog changes (a table definition edited). Also holds the
/// "Update test to the new schema" rewrite per file and text, so the code action computes it once.
/// </summary>
public sealed class SchemaDriftDiagnostics(ServerContext server)
{
    public const string Layer = "schema-drift";

    private readonly object _runGate = new();
    private readonly object _cacheGate = new();
    private readonly Dictionary<string, (string Text, object Catalog, Task<SchemaDriftUpdate> Update)> _updates = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _published = new(StringComparer.Ordinal);
    private object? _checkedCatalog;

    /// <summary>Session publications: once indexed, a new catalog re-checks every test file.</summary>
    public void OnSessionUpdated(SessionUpdate update)
    {
        var snapshot = update.Snapshot;
        if (!snapshot.IndexingComplete) return;
        if (!update.IndexingCompleted && ReferenceEquals(Volatile.Read(ref _checkedCatalog), snapshot.Catalog)) return;
        Volatile.Write(ref _checkedCatalog, snapshot.Catalog);
        Schedule(null);
    }

    /// <summary>A test file was opened, edited, closed or changed on disk.</summary>
    public void Changed(string path)
    {
        if (TestFile.IsTestFile(path)) Schedule(path);
    }

    private void Schedule(string? path) => _ = Task.Run(() =>
    {
        try { Run(path); }
        catch (Exception e) { server.Log.Error("schema drift check failed", e); }
    });

    // One check at a time, each reading the latest text and catalog, so the last publication is current.
    private void Run(string? only)
    {
        lock (_runGate)
        {
            var session = server.Session;
            var snapshot = session.Current;
            if (!snapshot.IndexingComplete) return; // the end of indexing checks every file
            var paths = only is not null
                ? new List<string> { only }
                : TestFileLoader.FindTestFiles(session.Files, session.Analyzer.Settings)
                    .Concat(server.Documents.All.Select(d => d.Path).Where(TestFile.IsTestFile))
                    .Concat(server.Layers.Paths(Layer)).Distinct(StringComparer.Ordinal).ToList();
            foreach (var path in paths)
            {
                var text = Text(path);
                var changes = text is null ? Array.Empty<SchemaChange>() : SchemaDrift.Detect(snapshot.Catalog, path, text).Changes;
                var signature = string.Join("\n", changes.Select(c => c.ToString()));
                if (_published.GetValueOrDefault(path, "") == signature) continue;
                if (signature.Length == 0) _published.Remove(path); else _published[path] = signature;
                server.Layers.Set(Layer, path, changes.Select(c => LspConvert.Diagnostic(SchemaDriftedTestFile.For(c, text!), server.Paths, null)).ToList());
                server.PublishLayers(path);
            }
        }
    }

    /// <summary>A test file's text: the editor's buffer when open (test files never reach the session's overlay), else disk; null when gone.</summary>
    public string? Text(string path)
    {
        if (server.Documents.All.FirstOrDefault(d => d.Path == path) is { } open) return open.Text;
        try { return server.Session.Files.Disk.Exists(path) ? server.Session.Files.Disk.ReadAllText(path) : null; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    /// <summary>
    /// "Update test to the new schema" for the file as it is now: computed once per text and catalog
    /// (it runs the transformation in the sandbox), off the request thread.
    /// </summary>
    public Task<SchemaDriftUpdate> UpdateAsync(string path)
    {
        var session = server.Session;
        var text = Text(path) ?? "";
        var catalog = session.Current.Catalog;
        lock (_cacheGate)
        {
            if (_updates.TryGetValue(path, out var cached) && cached.Text == text && ReferenceEquals(cached.Catalog, catalog)) return cached.Update;
            var engine = server.Engine;
            var update = Task.Run(() => engine.UpdateTestToSchemaAsync(path, text));
            _updates[path] = (text, catalog, update);
            return update;
        }
    }
}
