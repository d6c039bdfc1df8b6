using EtlAgent.Core.WorkspaceModel;
using System.Text.Json.Nodes;
using EtlAgent.Core.Agent;
using EtlAgent.Core.Reporting;
using EtlAgent.Core.Sandbox.Runner;
using EtlAgent.Core.Workspace;
using EtlAgent.LanguageServer.Protocol;
using EtlAgent.LanguageServer.Server;
using StreamJsonRpc;

namespace EtlAgent.LanguageServer.Handlers.Commands;

/// <summary>
/// etlAgent.fullRun: the engine's full run (<see cref="FullRun"/>, as `etl-agent run`) over the
/// workspace as the editor sees it, with cancellable work-done progress. Publishes: failing cases
/// as diagnostics in their test files (findings are the session's diagnostics already), lens texts
/// (refreshed; generated files get their "Run sandbox test" lens), the reports under
/// .etl-agent/reports/, log lines, and the message "ETL Agent: Full Run: N passed, M failed · K findings".
/// Returns { passed, failed, findings, generated, notGenerated, reports }.
/// </summary>
public sealed class FullRunCommand(ServerContext server) : IServerCommand
{
    public const string CommandId = "etlAgent.fullRun";
    public const string MessagePrefix = "ETL Agent: Full Run: ";

    public string Id => CommandId;

    public CommandDescriptor Descriptor { get; } = new()
    {
        Id = CommandId,
        Title = "Full Run",
        Progress = true,
        ChangesWorkspace = true,
        Returns = "FullRunResult",
    };

    public async Task<JsonNode?> ExecuteAsync(JsonArray arguments, CancellationToken cancellationToken)
    {
        var session = server.Session;
        var writer = session.Files.Disk as Core.Ports.IFileWriter
            ?? throw new LocalRpcException("The workspace cannot be written to.") { ErrorCode = ErrorCodes.RequestFailed };
        using var progress = await server.WorkProgress.Begin("ETL Agent: Full Run", "discovering the workspace", cancellationToken).ConfigureAwait(false);
        server.Log.Info("full run: started");
        FullRunResult result;
        try
        {
            var run = server.Engine.FullRun(writer, new FullRunOptions { WorkspaceRoot = server.Paths.Root });
            var stage = (FullRunStage?)null;
            var report = new Progress(p =>
            {
                progress.Report(p.Message, p.Percentage);
                if (p.Stage == FullRunStage.GenerateStep) return;   // the notification only, not the log
                if (p.Stage != stage || p.Stage == FullRunStage.Generate) server.Log.Info($"full run: {p.Message}");
                stage = p.Stage;
            });
            // Off the request thread: a run parses the workspace, generates and executes every case.
            result = await Task.Run(() => run.RunAsync(report, progress.CancellationToken), progress.CancellationToken).ConfigureAwait(false);
        }
        catch (Core.Governance.BudgetExhaustedException e)
        {
            progress.End("stopped: budget spent");
            Message(MessageType.Error, $"{MessagePrefix}{e.Message}");
            throw new LocalRpcException(e.Message) { ErrorCode = ErrorCodes.RequestFailed };
        }
        catch (ConfigurationException e)
        {
            progress.End("cannot run");
            Message(MessageType.Error, $"{MessagePrefix}cannot run: {e.Message}");
            throw new LocalRpcException(e.Message) { ErrorCode = ErrorCodes.RequestFailed };
        }
        catch (OperationCanceledException)
        {
            progress.End("cancelled");
            server.Log.Info("full run: cancelled");
            Message(MessageType.Info, $"{MessagePrefix}cancelled");
            throw;
        }

        foreach (var g in result.Generated)
        {
            server.Log.Info(g.Written ? $"generated {g.Path}: {g.Result!.File!.Cases.Count} cases (recorded behaviour: review, then accept)" : $"not generated for {g.Transformation}: {g.Skipped}");
            foreach (var note in g.Result?.Notes ?? Array.Empty<string>()) server.Log.Debug($"{g.Transformation}: {note}");
        }
        foreach (var (name, reason) in result.Untested) server.Log.Info($"no tests for {name}: {reason}");
        // the root cause of each failure (ETL0110) as a diagnostic on its statement, beside the failing cases'
        server.Tests.Diagnostics.Publish(result.TestFileErrors, result.Tests, result.TestFindings.Where(f => f.RuleId == Core.Analysis.RootCauseFinding.Rule.Id));
        foreach (var group in result.Tests.Cases.GroupBy(c => c.File.Transformation, StringComparer.OrdinalIgnoreCase))
            server.Tests.Record(group.Key, new TestRunResult(group.ToList(), result.Tests.Sandbox, TimeSpan.FromTicks(group.Sum(c => c.Elapsed.Ticks))));
        foreach (var defect in result.Defects) server.Log.Error(defect.LogText);
        server.Log.Info($"full run: reports {string.Join(", ", result.Reports)}");
        server.Log.Info($"full run: {result.SummaryLine} ({result.Elapsed.TotalSeconds:0.0} s)");

        if (result.Generated.Any(g => g.Written)) server.Tests.Invalidate();
        if (server.SupportsCodeLensRefresh)
            server.Outbox.Post(() => server.Rpc.InvokeAsync<object?>("workspace/codeLens/refresh"));
        var summary = $"{result.Tests.Passed} passed, {result.Failed} failed · {LineageReport.Count(result.Findings.Count, "finding")}";
        progress.End(summary);
        // always an information message (a stable contract for clients and UI tests); failures are in Problems
        Message(MessageType.Info, MessagePrefix + summary);
        // the progress end, diagnostics and message reach the client before the response does
        await Task.WhenAny(server.Outbox.FlushAsync(), Task.Delay(TimeSpan.FromSeconds(5))).ConfigureAwait(false);

        return new JsonObject
        {
            ["passed"] = result.Tests.Passed,
            ["failed"] = result.Failed,
            ["findings"] = result.Findings.Count,
            ["generated"] = new JsonArray(result.Generated.Where(g => g.Written).Select(g => (JsonNode)g.Path!).ToArray()),
            ["notGenerated"] = new JsonArray(result.NotGenerated.Select(n => (JsonNode)n).ToArray()),
            ["untested"] = new JsonArray(result.Untested.Select(u => (JsonNode)new JsonObject { ["transformation"] = u.Transformation, ["reason"] = u.Reason }).ToArray()),
            ["reports"] = new JsonArray(result.Reports.Select(r => (JsonNode)r).ToArray()),
        };
    }

    private void Message(int type, string message)
    {
        var p = new ShowMessageParams { Type = type, Message = message };
        server.Outbox.Post(() => server.Rpc.NotifyWithParameterObjectAsync("window/showMessage", p));
    }

    private sealed class Progress(Action<FullRunProgress> report) : IProgress<FullRunProgress>
    {
        public void Report(FullRunProgress value) => report(value);
    }
}
