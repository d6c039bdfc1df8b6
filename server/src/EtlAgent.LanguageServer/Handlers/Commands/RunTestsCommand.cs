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
/// etlAgent.runTests [name?, heal?]: runs the sandbox tests of a transformation (all tests without a
/// name) on a fresh analysis of the workspace as the editor sees it (after recording the heal the
/// client just applied, when the heal quick fix sends its id), then reports: each case in
/// the log (output channel), failing cases as diagnostics in their test files, a summary message,
/// and the lens text (refreshed). Returns the run as the CLI's JSON.
/// </summary>
public sealed class RunTestsCommand(ServerContext server) : IServerCommand
{
    public const string CommandId = "etlAgent.runTests";

    public string Id => CommandId;

    public CommandDescriptor Descriptor { get; } = new()
    {
        Id = CommandId,
        Title = "Run Sandbox Tests",
        Arguments =
        {
            CommandArgument.Transformation(optional: true, "the transformation whose tests run; absent: every test of the workspace"),
            new CommandArgument { Name = "heal", Optional = true, Description = "the id of a heal whose edit the client just applied (the heal quick fix): recorded as applied by the editor" },
        },
        Returns = "TestRunResult",
    };

    public static string LensTitle(TestRunResult? last) => last switch
    {
        null => "▶ Run sandbox test",
        { Success: true } => $"✓ {LineageReport.Count(last.Passed, "test")} passed · run again",
        _ => $"✗ {last.Failed} of {LineageReport.Count(last.Cases.Count, "test")} failed · run again",
    };

    public async Task<JsonNode?> ExecuteAsync(JsonArray arguments, CancellationToken cancellationToken)
    {
        var name = ServerCommands.StringArg(arguments, 0);
        var engine = server.Engine;
        if (ServerCommands.StringArg(arguments, 1) is { } healId)
        {
            // the heal quick fix's command: the client applied the heal's edit; the memory ranks by what people apply
            if (server.Tests.Heals.ById(healId) is { } heal)
            {
                new HealRun(engine).AppliedElsewhere(heal, "applied from the editor's quick fix");
                server.Log.Info($"heal {heal.Id} applied in the editor: {heal.Title}");
            }
            else server.Log.Warn($"heal {healId} is not among the current heals; not recorded as applied");
        }
        WorkspaceTestRun result;
        try
        {
            // Off the request thread: a run parses the workspace and executes every case.
            result = await Task.Run(() => engine.RunTestsAsync(name, cancellationToken), cancellationToken).ConfigureAwait(false);
        }
        catch (ConfigurationException e)
        {
            await Message(MessageType.Error, $"ETL Agent: cannot run tests: {e.Message}").ConfigureAwait(false);
            throw new LocalRpcException(e.Message) { ErrorCode = ErrorCodes.RequestFailed };
        }

        server.Tests.Diagnostics.Publish(result.FileErrors, result.Run);
        if (result.Run is { } run)
        {
            if (name is not null) server.Tests.Record(name, run);
            foreach (var defect in run.Defects) server.Log.Error(defect.LogText);
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

        if (server.SupportsCodeLensRefresh)
            server.Outbox.Post(() => server.Rpc.InvokeAsync<object?>("workspace/codeLens/refresh"));
        return result.Run is null
            ? new JsonObject { ["errors"] = new JsonArray(result.FileErrors.Select(e => (JsonNode)$"{e.File}:{e.Line}:{e.Column}: {e.Message}").ToArray()) }
            : TestReport.ToJson(result.Run);
    }

    private Task Message(int type, string message)
    {
        var p = new ShowMessageParams { Type = type, Message = message };
        server.Outbox.Post(() => server.Rpc.NotifyWithParameterObjectAsync("window/showMessage", p));
        return Task.CompletedTask;
    }
}
