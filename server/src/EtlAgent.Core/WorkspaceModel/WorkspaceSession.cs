using EtlAgent.Core.Syntax;
using System.Collections.Immutable;
using System.Diagnostics;
using EtlAgent.Core.Catalog;
using EtlAgent.Core.Discovery;
using EtlAgent.Core.Model;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Workspace;

namespace EtlAgent.Core.WorkspaceModel;

public enum FileChangeKind
{
    Created,
    Changed,
    Deleted,
}

/// <summary>A published snapshot and the files whose findings (or transformations) it changed.</summary>
public sealed record SessionUpdate(WorkspaceSnapshot Snapshot, IReadOnlyCollection<string> ChangedFiles, bool IndexingCompleted);

/// <summary>Indexing progress: work units done out of total (each file is parsed, then checked).</summary>
public sealed record IndexProgress(int Done, int Total, string Message)
{
    public int Percentage => Total == 0 ? 100 : (int)Math.Min(100, Done * 100L / Total);
}

/// <summary>
/// The incremental workspace model behind the editor. Keeps per-document facts, overlays open
/// editor buffers on the files on disk, and on a change re-parses only that document, rebuilds the
/// catalog only when the document's DDL changed, and re-checks the changed document first (its
/// snapshot is published at once) and then the documents whose transformations read, write or
/// call a catalog object whose definition changed.
/// <para>
/// Invariants: all state changes happen on one worker thread; every publication is an immutable
/// <see cref="WorkspaceSnapshot"/> with a higher revision; new input cancels stale background
/// work (indexing and dependent re-checks), which resumes after the edit is handled; an exception
/// while handling one document is reported through <see cref="Failed"/> and never stops the worker.
/// </para>
/// </summary>
public sealed class WorkspaceSession : IDisposable
{
    private readonly WorkspaceAnalyzer _analyzer;
    private readonly OverlayFileSource _files;
    private readonly object _gate = new();
    private readonly SemaphoreSlim _signal = new(0);
    private readonly CancellationTokenSource _disposed = new();
    private readonly List<TaskCompletionSource> _idleWaiters = new();

    // Written under _gate by any thread; taken by the worker.
    private readonly HashSet<string> _dirty = new(StringComparer.Ordinal);
    private bool _indexRequested;
    private CancellationTokenSource _stale = new();

    // Worker-only state.
    private ImmutableDictionary<string, DocumentState> _docs = ImmutableDictionary.Create<string, DocumentState>(StringComparer.Ordinal);
    private SchemaCatalog _catalog = SchemaCatalog.Empty;
    private ImmutableDictionary<string, ImmutableArray<Finding>> _catalogFindings = ImmutableDictionary.Create<string, ImmutableArray<Finding>>(StringComparer.Ordinal);
    private readonly Queue<string> _indexQueue = new();
    private readonly HashSet<string> _recheck = new(StringComparer.Ordinal);
    private bool _catalogDirty;
    private bool _indexing;
    private bool _indexingComplete;
    private int _indexTotal;
    private int _indexDone;
    private long _revision;

    private WorkspaceSnapshot _snapshot = WorkspaceSnapshot.Empty;
    private Task? _worker;

    public WorkspaceSession(WorkspaceAnalyzer analyzer, IFileSource disk)
    {
        _analyzer = analyzer;
        _files = disk as OverlayFileSource ?? new OverlayFileSource(disk);
    }

    /// <summary>Raised on the worker thread after each publication.</summary>
    public event Action<SessionUpdate>? Updated;

    /// <summary>Raised on the worker thread while the workspace is indexed.</summary>
    public event Action<IndexProgress>? Progress;

    /// <summary>Raised when handling a document failed (a bug, not bad SQL); the session goes on.</summary>
    public event Action<string, Exception>? Failed;

    public WorkspaceAnalyzer Analyzer => _analyzer;

    public OverlayFileSource Files => _files;

    /// <summary>The latest published snapshot.</summary>
    public WorkspaceSnapshot Current => Volatile.Read(ref _snapshot);

    /// <summary>Starts the worker and queues the indexing of every workspace file.</summary>
    public void Start(bool index = true)
    {
        lock (_gate)
        {
            _worker ??= StartWorker();
            if (index) _indexRequested = true;
        }
        Wake();
    }

    public void Open(string path, string text, int? version)
    {
        _files.Set(path, text, version);
        MarkDirty(path);
    }

    public void Change(string path, string text, int? version) => Open(path, text, version);

    /// <summary>The editor closed the buffer: the file on disk (if any) is what counts again.</summary>
    public void Close(string path)
    {
        if (_files.Remove(path)) MarkDirty(path);
    }

    /// <summary>Files created, changed or deleted outside the editor.</summary>
    public void FilesChanged(IEnumerable<(string Path, FileChangeKind Kind)> changes)
    {
        var paths = changes.Select(c => c.Path).Where(p => !_files.IsOpen(p)).ToList();
        if (paths.Count == 0) return;
        lock (_gate)
        {
            foreach (var p in paths) _dirty.Add(p);
            _stale.Cancel();
        }
        Wake();
    }

    /// <summary>Completes when no work is pending (tests and benchmarks; the server never waits on it).</summary>
    public Task WhenIdleAsync()
    {
        lock (_gate)
        {
            var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _idleWaiters.Add(tcs);
            Wake();
            return tcs.Task;
        }
    }

    public void Dispose()
    {
        _disposed.Cancel();
        Wake();
        try { _worker?.Wait(TimeSpan.FromSeconds(2)); } catch (AggregateException) { }
    }

    // The worker builds catalogs and reads trees itself: a large stack, like the analysis threads.
    private Task StartWorker()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        DeepStack.Start(() =>
        {
            try { Run(); done.TrySetResult(); }
            catch (Exception e) { done.TrySetException(e); }
        }, "etl-agent workspace");
        return done.Task;
    }

    private void MarkDirty(string path)
    {
        lock (_gate)
        {
            _dirty.Add(path);
            _stale.Cancel();
        }
        Wake();
    }

    private void Wake() => _signal.Release();

    // ---- worker ------------------------------------------------------------------------------------

    private void Run()
    {
        while (!_disposed.IsCancellationRequested)
        {
            List<string> dirty;
            CancellationToken stale;
            bool index;
            lock (_gate)
            {
                dirty = _dirty.ToList();
                _dirty.Clear();
                index = _indexRequested;
                _indexRequested = false;
                if (_stale.IsCancellationRequested)
                {
                    _stale.Dispose();
                    _stale = new CancellationTokenSource();
                }
                stale = _stale.Token;
                if (dirty.Count == 0 && !index && !HasBackgroundWork())
                {
                    foreach (var w in _idleWaiters) w.TrySetResult();
                    _idleWaiters.Clear();
                }
            }

            try
            {
                if (index) QueueIndexing();
                if (dirty.Count > 0) ApplyEdits(dirty);
                else if (_indexQueue.Count > 0) IndexBatch(stale);
                else if (_catalogDirty) RebuildCatalog(Array.Empty<string>());
                else if (_recheck.Count > 0) RecheckBatch(stale);
                else if (_indexing) FinishIndexing();
                else { _signal.Wait(_disposed.Token); continue; }
            }
            catch (OperationCanceledException) when (_disposed.IsCancellationRequested) { return; }
            catch (OperationCanceledException) { /* stale: newer input first, then resume */ }
            catch (Exception e)
            {
                Failed?.Invoke("workspace", e);
            }
            // Drain extra wake-ups: the loop re-reads all state anyway.
            while (_signal.CurrentCount > 0) _signal.Wait(0);
        }
    }

    private bool HasBackgroundWork() => _indexQueue.Count > 0 || _catalogDirty || _recheck.Count > 0 || _indexing;

    private void QueueIndexing()
    {
        var files = _analyzer.SourceFiles(_files.Disk);
        _indexQueue.Clear();
        foreach (var f in files) _indexQueue.Enqueue(f);
        _indexing = true;
        _indexingComplete = false;
        _indexTotal = files.Count * 2;
        _indexDone = 0;
        Progress?.Invoke(new IndexProgress(0, _indexTotal, $"indexing {files.Count} files"));
    }

    /// <summary>Edits first: re-parse the changed documents, rebuild the catalog if their DDL changed, check them, publish.</summary>
    private void ApplyEdits(List<string> paths)
    {
        var parsed = new (string Path, DocumentState? State)[paths.Count];
        DeepStack.For(paths.Count, -1, i => parsed[i] = (paths[i], Load(paths[i])));

        bool ddlChanged = false;
        var changed = new List<string>();
        foreach (var (path, state) in parsed)
        {
            var old = _docs.GetValueOrDefault(path);
            if (state is null)
            {
                if (old is null) continue;
                _docs = _docs.Remove(path);
                _recheck.Remove(path);
                ddlChanged |= old.DdlFingerprint.Length > 0;
                changed.Add(path);
                continue;
            }
            if (old is not null && old.IsChecked && ReferenceEquals(old.Facts, state.Facts))
            {
                // Opened, saved or closed with the same text: keep the analysis, publish the new version.
                if (old.Version == state.Version) continue;
                _docs = _docs.SetItem(path, state);
                changed.Add(path);
                continue;
            }
            ddlChanged |= (old?.DdlFingerprint ?? "") != state.DdlFingerprint;
            _docs = _docs.SetItem(path, state);
            changed.Add(path);
        }
        if (changed.Count == 0) return;

        if (ddlChanged && !_indexing) RebuildCatalog(changed, publish: false);
        else if (ddlChanged) _catalogDirty = true;

        // Check the edited documents now, against the catalog as it stands; open ones even while indexing.
        var pending = changed.Where(p => _docs.TryGetValue(p, out var d) && !d.IsChecked).ToList();
        var toCheck = pending.Where(p => !_indexing || _files.IsOpen(p)).ToList();
        foreach (var p in pending.Except(toCheck)) _recheck.Add(p);
        foreach (var p in toCheck) _recheck.Remove(p);
        Check(toCheck, CancellationToken.None);
        Publish(changed.Concat(_lastCatalogFindingChanges).ToList());
        _lastCatalogFindingChanges.Clear();
    }

    private readonly List<string> _lastCatalogFindingChanges = new();

    /// <summary>Parses one document from the overlay (open buffer) or disk; null when it is gone or excluded.</summary>
    private DocumentState? Load(string path)
    {
        string text;
        int? version = null;
        // Open test files (YAML) live in the overlay for the test runner; no source kind reads them.
        if (!_analyzer.Kinds.Owns(path)) return null;
        if (_files.TryGetOpen(path, out var openText, out var openVersion))
        {
            text = openText;
            version = openVersion;
        }
        else
        {
            if (!_analyzer.IsIncluded(path) || !_files.Disk.Exists(path)) return null;
            try { text = _files.Disk.ReadAllText(path); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
        }
        var old = _docs.GetValueOrDefault(path);
        if (old is not null && old.Facts.Document.Text == text)
            return old with { Version = version };
        var facts = Scan(path, text, old?.Facts);
        return new DocumentState(facts, version, CatalogFingerprint.OfDocument(facts), null);
    }

    private DocumentFacts Scan(string path, string text, DocumentFacts? previous = null)
    {
        // Trees are read only on this worker thread, so the previous tree may be re-used in place.
        try { return _analyzer.ParseAndScan(path, text, previous); }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Failed?.Invoke(path, e);
            return _analyzer.ParseAndScan(path, ""); // analysed as empty; the failure is logged
        }
    }

    private void IndexBatch(CancellationToken stale)
    {
        int batch = Math.Clamp(_indexTotal / 40, 8, 64);
        var paths = new List<string>(batch);
        while (paths.Count < batch && _indexQueue.Count > 0)
        {
            var p = _indexQueue.Dequeue();
            if (!_docs.ContainsKey(p)) paths.Add(p); else _indexDone++; // opened (and parsed) while indexing
        }
        var states = new DocumentState?[paths.Count];
        try
        {
            DeepStack.For(paths.Count, -1, i => states[i] = Load(paths[i]), stale);
        }
        catch (OperationCanceledException)
        {
            // Put the batch back: the edit goes first, indexing resumes after it.
            foreach (var p in paths) _indexQueue.Enqueue(p);
            throw;
        }
        foreach (var s in states)
        {
            _indexDone++;
            if (s is null) continue;
            _docs = _docs.SetItem(s.Path, s);
            _recheck.Add(s.Path);
            if (s.DdlFingerprint.Length > 0) _catalogDirty = true;
        }
        Progress?.Invoke(new IndexProgress(_indexDone, _indexTotal, $"parsed {_docs.Count} files"));
    }

    /// <summary>Rebuilds the catalog and queues a re-check of every document that uses a changed object.</summary>
    private void RebuildCatalog(IReadOnlyCollection<string> exclude, bool publish = true)
    {
        _catalogDirty = false;
        var before = _catalog;
        _catalog = _analyzer.BuildCatalog(_docs.Values.Select(d => d.Facts));
        var changedNames = CatalogFingerprint.Changed(before, _catalog);

        // Workspace-level findings of the catalog: none today (duplicate definitions are rule ETL0099,
        // checked per document); the channel stays for findings that belong to no single document.
        var findings = ImmutableDictionary.Create<string, ImmutableArray<Finding>>(StringComparer.Ordinal);
        foreach (var file in findings.Keys.Union(_catalogFindings.Keys))
        {
            var a = findings.GetValueOrDefault(file, ImmutableArray<Finding>.Empty);
            var b = _catalogFindings.GetValueOrDefault(file, ImmutableArray<Finding>.Empty);
            if (!a.SequenceEqual(b)) _lastCatalogFindingChanges.Add(file);
        }
        _catalogFindings = findings;

        if (changedNames.Count > 0)
            foreach (var doc in _docs.Values)
                if (!exclude.Contains(doc.Path) && Uses(doc.Facts, changedNames))
                    _recheck.Add(doc.Path);

        if (publish && _lastCatalogFindingChanges.Count > 0)
        {
            Publish(_lastCatalogFindingChanges.ToList());
            _lastCatalogFindingChanges.Clear();
        }
    }

    private static bool Uses(DocumentFacts facts, HashSet<QualifiedName> names)
    {
        foreach (var t in facts.Transformations)
        {
            foreach (var r in t.Reads) if (names.Contains(r)) return true;
            foreach (var w in t.Writes) if (names.Contains(w)) return true;
            foreach (var c in t.Calls) if (names.Contains(c)) return true;
        }
        return false;
    }

    /// <summary>Re-checks queued documents a slice at a time, so that an edit never waits long behind them.</summary>
    private void RecheckBatch(CancellationToken stale)
    {
        if (_indexing && _indexQueue.Count > 0) return;
        var sw = Stopwatch.StartNew();
        var done = new List<string>();
        // Open documents first: that is what the user is looking at.
        var order = _recheck.OrderBy(p => _files.IsOpen(p) ? 0 : 1).ThenBy(p => p, StringComparer.Ordinal).ToList();
        int slice = Math.Max(Environment.ProcessorCount * 2, 4);
        for (int i = 0; i < order.Count && sw.ElapsedMilliseconds < 100; i += slice)
        {
            if (stale.IsCancellationRequested) break;
            var part = order.Skip(i).Take(slice).ToList();
            Check(part, stale);
            foreach (var p in part) _recheck.Remove(p);
            done.AddRange(part);
            if (_indexing) _indexDone += part.Count;
        }
        if (_indexing) Progress?.Invoke(new IndexProgress(_indexDone, _indexTotal, $"checked {_docs.Values.Count(d => d.IsChecked)} of {_docs.Count} files"));
        if (done.Count > 0) Publish(done);
    }

    private void Check(List<string> paths, CancellationToken cancellationToken)
    {
        var catalog = _catalog;
        var results = new DocumentState?[paths.Count];
        DeepStack.For(paths.Count, -1, i =>
        {
            var state = _docs.GetValueOrDefault(paths[i]);
            if (state is null) return;
            DocumentAnalysis analysis;
            try { analysis = _analyzer.AnalyzeDocument(state.Facts, catalog, cancellationToken); }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Isolated: this document shows one diagnostic, the log has the details, the others go on.
                Failed?.Invoke(state.Path, e);
                analysis = DocumentAnalysis.Empty with { Findings = new[] { WorkspaceAnalyzer.AnalysisFailure(state.Path, e) } };
            }
            foreach (var f in analysis.Failures) Failed?.Invoke($"{f.File} ({f.RuleId})", f.Exception);
            results[i] = state with { Analysis = analysis };
        }, cancellationToken);
        foreach (var r in results)
            if (r is not null && _docs.TryGetValue(r.Path, out var current) && ReferenceEquals(current.Facts, r.Facts))
                _docs = _docs.SetItem(r.Path, r);
    }

    private void FinishIndexing()
    {
        _indexing = false;
        _indexingComplete = true;
        Progress?.Invoke(new IndexProgress(_indexTotal, _indexTotal, "done"));
        Publish(Array.Empty<string>(), indexingCompleted: true);
    }

    private void Publish(IReadOnlyCollection<string> changed, bool indexingCompleted = false)
    {
        var snapshot = new WorkspaceSnapshot(++_revision, _docs, _catalog, _catalogFindings, _indexingComplete, _analyzer.Settings.DatabaseProjects);
        Volatile.Write(ref _snapshot, snapshot);
        try { Updated?.Invoke(new SessionUpdate(snapshot, changed, indexingCompleted)); }
        catch (Exception e) { Failed?.Invoke("publish", e); }
    }
}
