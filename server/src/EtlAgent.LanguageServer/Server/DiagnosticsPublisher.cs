using EtlAgent.Core.WorkspaceModel;
using EtlAgent.Core.Agent;
using EtlAgent.LanguageServer.Conversions;
using EtlAgent.LanguageServer.Protocol;

namespace EtlAgent.LanguageServer.Server;

/// <summary>
/// Turns session publications into textDocument/publishDiagnostics, $/progress and
/// etlAgent/status. Open documents get diagnostics at once; the rest of the workspace once
/// indexing is done (the Problems panel's whole-workspace review), and after that whenever a
/// file's findings change. A file whose findings went away gets an empty list.
/// </summary>
public sealed class DiagnosticsPublisher
{
    private const string ProgressToken = "etlAgent/indexing";
    private readonly ServerContext _server;
    private readonly WorkspaceSession _session;
    private readonly HashSet<string> _published = new(StringComparer.Ordinal); // outbox thread only
    private volatile bool _detached;
    private bool _progressStarted;
    private int _lastPercentage = -1;
    private (int Files, int Findings) _lastStatus = (-1, -1);

    public DiagnosticsPublisher(ServerContext server, WorkspaceSession session)
    {
        _server = server;
        _session = session;
        session.Updated += OnUpdated;
        session.Progress += OnProgress;
    }

    public void Detach()
    {
        _detached = true;
        _session.Updated -= OnUpdated;
        _session.Progress -= OnProgress;
    }

    private void OnUpdated(SessionUpdate update)
    {
        if (_detached) return;
        _server.Outbox.Post(() => PublishAsync(update));
    }

    private async Task PublishAsync(SessionUpdate update)
    {
        if (_detached) return;
        var snapshot = update.Snapshot;
        IEnumerable<string> files = update.ChangedFiles;
        if (update.IndexingCompleted)
            files = files.Concat(snapshot.FilesWithFindings).Concat(_published).Distinct(StringComparer.Ordinal).ToList();

        // findings someone dismissed ("Dismiss finding…", the memory) are not shown; read once per update
        var known = _server.Engine.KnownFindings();
        foreach (var path in files)
        {
            bool open = _server.Documents.IsOpenPath(path);
            if (!open && !snapshot.IndexingComplete) continue; // the whole-workspace review comes when indexing ends
            var findings = Dismissals.Apply(known, snapshot.FindingsFor(path), _server.Engine.Clock.UtcNow).Kept;
            var layered = _server.Layers.For(path, snapshot.Document(path)?.Facts.Document.Text);
            if (findings.Count == 0 && layered.Count == 0 && !open && !_published.Contains(path)) continue;
            var version = snapshot.Document(path)?.Version;
            var p = new PublishDiagnosticsParams
            {
                Uri = _server.Paths.ToUri(path),
                Version = version,
                Diagnostics = findings.Select(f => LspConvert.Diagnostic(f, _server.Paths, version)).Concat(layered).ToList(),
            };
            if (findings.Count > 0 || layered.Count > 0) _published.Add(path); else _published.Remove(path);
            await _server.Rpc.NotifyWithParameterObjectAsync("textDocument/publishDiagnostics", p).ConfigureAwait(false);
        }

        if (update.IndexingCompleted)
        {
            if (_progressStarted)
            {
                await Progress(new WorkDoneProgress { Kind = "end", Message = $"{snapshot.Documents.Count} files" }).ConfigureAwait(false);
                _progressStarted = false;
            }
            _server.Log.Info($"indexed {snapshot.Documents.Count} files (revision {snapshot.Revision})");
            if (_server.ClientCapabilities.Workspace?.CodeLens?.RefreshSupport == true)
                _ = _server.Rpc.InvokeWithParameterObjectAsync<object?>("workspace/codeLens/refresh", null);
        }
        if (snapshot.IndexingComplete) await StatusAsync(snapshot, update.IndexingCompleted).ConfigureAwait(false);
    }

    /// <summary>Publishes a SQL file again, with its findings and the other layers' diagnostics (a layer changed).</summary>
    public void Republish(string path)
    {
        if (_detached) return;
        _server.Outbox.Post(() => PublishAsync(new SessionUpdate(_session.Current, new[] { path }, IndexingCompleted: false)));
    }

    private async Task StatusAsync(WorkspaceSnapshot snapshot, bool force)
    {
        int findings = snapshot.Documents.Values.Sum(d => d.Analysis?.Findings.Count ?? 0) + snapshot.CatalogFindings.Values.Sum(f => f.Length);
        var status = (snapshot.Documents.Count, findings);
        if (!force && status == _lastStatus) return;
        _lastStatus = status;
        await _server.Rpc.NotifyWithParameterObjectAsync(EtlAgentMethods.Status, new StatusParams
        {
            State = "ready",
            Percentage = 100,
            Files = snapshot.Documents.Count,
            Findings = findings,
            Revision = snapshot.Revision,
        }).ConfigureAwait(false);
    }

    private void OnProgress(IndexProgress progress)
    {
        if (_detached) return;
        _server.Outbox.Post(async () =>
        {
            if (_detached) return;
            int pct = progress.Percentage;
            if (pct == _lastPercentage && pct != 0) return;
            _lastPercentage = pct;
            if (_server.SupportsProgress && !_progressStarted && pct < 100)
            {
                try
                {
                    await _server.Rpc.InvokeWithParameterObjectAsync<object?>("window/workDoneProgress/create",
                        new WorkDoneProgressCreateParams { Token = ProgressToken }).WaitAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
                    _progressStarted = true;
                    await Progress(new WorkDoneProgress { Kind = "begin", Title = "ETL Agent: indexing", Cancellable = false, Message = progress.Message, Percentage = pct }).ConfigureAwait(false);
                }
                catch (Exception e)
                {
                    _server.Log.Debug($"client refused progress: {e.Message}");
                }
            }
            else if (_progressStarted && pct < 100)
            {
                await Progress(new WorkDoneProgress { Kind = "report", Message = progress.Message, Percentage = pct }).ConfigureAwait(false);
            }
            if (pct < 100)
                await _server.Rpc.NotifyWithParameterObjectAsync(EtlAgentMethods.Status, new StatusParams
                {
                    State = "indexing",
                    Percentage = pct,
                    Files = progress.Total / 2,
                }).ConfigureAwait(false);
        });
    }

    private Task Progress(WorkDoneProgress value) =>
        _server.Rpc.NotifyWithParameterObjectAsync("$/progress", new ProgressParams { Token = ProgressToken, Value = LspConvert.ToNode(value) });
}
