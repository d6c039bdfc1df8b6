using System.Text.Json.Nodes;
using EtlAgent.Core.Reporting;
using EtlAgent.Core.Sandbox.Runner;
using EtlAgent.Core.Workspace;
using EtlAgent.LanguageServer.Protocol;
using EtlAgent.LanguageServer.Server;
using StreamJsonRpc;

namespace EtlAgent.LanguageServer.Handlers.Commands;

/// <summary>
/// etlAgent.runTests [name?]: runs the sandbox tests of a transformation (all tests without a
/// name) on a fresh analysis of the workspace as the editor sees it, then reports: each case in
/// the log (output channel), failing cases as diagnostics in their test files, a summary message,
/// and the lens text (refreshed). Returns the run as the CLI's JSON.
/// </summary>
public sealed class RunTestsCommand(ServerContext server) : IServerCommand
{
    public const string CommandId = "etlAgent.runTests";

    /// <summary>Test files that had failures last time, so a green run clears their diagnostics.</summary>
    private readonly HashSet<string> _filesWithDiagnostics = new(StringComparer.Ordinal);

    public string Id => CommandId;

    public static string LensTitle(TestRunResult? last) => last switch
    {
        null => "▶ Run sandbox test",
        { Success: true } => $"✓ {LineageReport.Count(last.Passed, "test")} passed · run again",
        _ => $"✗ {last.Failed} of {LineageReport.Count(last.Cases.Count, "test")} failed · run again",
    };

    public async Task<JsonNode?> ExecuteAsync(JsonArray arguments, CancellationToken cancellationToken)
    {
        var name = ServerCommands.StringArg(arguments, 0);
        var session = server.Session;
        WorkspaceTestRun result;
        try
        {
            // Off the request thread: a run parses the workspace and executes every case.
            result = await Task.Run(() => WorkspaceTests.RunAsync(session.Files, session.Analyzer.Settings, name,
                Environment.GetEnvironmentVariable, cancellationToken), cancellationToken).ConfigureAwait(false);
        }
        catch (ConfigurationException e)
        {
            await Message(MessageType.Error, $"ETL Agent: cannot run tests: {e.Message}").ConfigureAwait(false);
            throw new LocalRpcException(e.Message) { ErrorCode = ErrorCodes.RequestFailed };
        }

        var diagnostics = new Dictionary<string, List<Diagnostic>>(StringComparer.Ordinal);
        foreach (var e in result.FileErrors.Where(e => e.Drift is null)) // drift has its own diagnostics, with a fix
            Add(diagnostics, e.File, e.Line, e.Column, $"{e.Message}", DiagnosticSeverity.Error);

        if (result.Run is { } run)
        {
            if (name is not null) server.Tests.Record(name, run);
            foreach (var c in run.Cases)
            {
                server.Log.Info($"{(c.Outcome == TestOutcome.Passed ? "PASS" : c.Outcome.ToString().ToUpperInvariant())}  {c.FullName}  ({c.Elapsed.TotalMilliseconds:F0} ms)");
                foreach (var f in c.Failures)
                {
                    server.Log.Info($"      {f.Summary}");
                    Add(diagnostics, c.File.Path, f.Line > 0 ? f.Line : c.Case.Line, 1, $"{c.Case.Name}: {f.Summary}", DiagnosticSeverity.Error);
                }
            }
            server.Log.Info($"{run.Passed} passed, {run.Failed} failed ({result.Sandbox}, {run.Elapsed.TotalMilliseconds:F0} ms)");
            await Message(run.Success ? MessageType.Info : MessageType.Warning,
                $"ETL Agent: {(name ?? "all tests")}: {run.Passed} passed, {run.Failed} failed").ConfigureAwait(false);
        }
        else if (result.FileErrors.Count == 0)
        {
            await Message(MessageType.Info, $"ETL Agent: no test files for {name ?? "this workspace"}.").ConfigureAwait(false);
        }
        else
        {
            await Message(MessageType.Error, $"ETL Agent: {result.FileErrors.Count} problems in test files; no test was run (see Problems).").ConfigureAwait(false);
        }

        PublishTestDiagnostics(diagnostics);
        if (server.SupportsCodeLensRefresh)
            server.Outbox.Post(() => server.Rpc.InvokeAsync<object?>("workspace/codeLens/refresh"));
        return result.Run is null
            ? new JsonObject { ["errors"] = new JsonArray(result.FileErrors.Select(e => (JsonNode)$"{e.File}:{e.Line}:{e.Column}: {e.Message}").ToArray()) }
            : TestReport.ToJson(result.Run);
    }

    private void PublishTestDiagnostics(Dictionary<string, List<Diagnostic>> diagnostics)
    {
        // Through the diagnostic layers, so schema drift in the same test files is not erased.
        List<string> files;
        lock (_filesWithDiagnostics)
        {
            files = _filesWithDiagnostics.Concat(diagnostics.Keys).Distinct(StringComparer.Ordinal).ToList();
            _filesWithDiagnostics.Clear();
            foreach (var f in diagnostics.Keys) _filesWithDiagnostics.Add(f);
        }
        foreach (var file in files)
        {
            server.Layers.Set("tests", file, diagnostics.GetValueOrDefault(file) ?? new List<Diagnostic>());
            server.PublishLayers(file);
        }
    }

    private static void Add(Dictionary<string, List<Diagnostic>> into, string file, int line, int column, string message, int severity)
    {
        if (!into.TryGetValue(file, out var list)) into[file] = list = new List<Diagnostic>();
        var at = new Position(Math.Max(0, line - 1), Math.Max(0, column - 1));
        list.Add(new Diagnostic
        {
            Range = new Protocol.Range(at, new Position(at.Line, at.Character + 1000)),
            Severity = severity,
            Code = "sandbox-test",
            Source = "etl-agent test",
            Message = message,
        });
    }

    private Task Message(int type, string message)
    {
        var p = new ShowMessageParams { Type = type, Message = message };
        server.Outbox.Post(() => server.Rpc.NotifyWithParameterObjectAsync("window/showMessage", p));
        return Task.CompletedTask;
    }
}
