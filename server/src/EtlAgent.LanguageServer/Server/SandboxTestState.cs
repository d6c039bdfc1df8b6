using EtlAgent.Core.Sandbox.Runner;

namespace EtlAgent.LanguageServer.Server;

/// <summary>
/// What the editor knows of the workspace's sandbox tests: which transformations have test files
/// (re-read when a test file changes) and the last run's result per transformation, for lens texts.
/// </summary>
public sealed class SandboxTestState(ServerContext server)
{
    private readonly object _gate = new();
    private IReadOnlyDictionary<string, IReadOnlyList<string>>? _index;
    private readonly Dictionary<string, TestRunResult> _last = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Test results as log lines and diagnostics in the test files.</summary>
    public TestDiagnostics Diagnostics { get; } = new(server);

    /// <summary>Verified heals of the failing cases, searched after each run.</summary>
    public HealDiagnostics Heals { get; } = new(server);

    /// <summary>Transformation → test files; read from disk on first use after an invalidation.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Index
    {
        get
        {
            lock (_gate)
            {
                if (_index is null)
                {
                    try { _index = WorkspaceTests.IndexByTransformation(server.Session.Files, server.Session.Analyzer.Settings); }
                    catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                    {
                        server.Log.Warn($"cannot list test files: {e.Message}");
                        _index = new Dictionary<string, IReadOnlyList<string>>();
                    }
                }
                return _index;
            }
        }
    }

    public void Invalidate()
    {
        lock (_gate) _index = null;
    }

    public TestRunResult? LastRun(string transformation)
    {
        lock (_gate) return _last.GetValueOrDefault(transformation);
    }

    public void Record(string transformation, TestRunResult run)
    {
        lock (_gate) _last[transformation] = run;
    }
}
