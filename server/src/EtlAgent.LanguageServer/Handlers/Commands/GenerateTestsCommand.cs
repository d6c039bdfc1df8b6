using EtlAgent.Core.WorkspaceModel;
using System.Text.Json.Nodes;
using EtlAgent.Core.Agent;
using EtlAgent.Core.Generation;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Sandbox;
using EtlAgent.Core.Workspace;
using EtlAgent.LanguageServer.Protocol;
using EtlAgent.LanguageServer.Server;
using StreamJsonRpc;

namespace EtlAgent.LanguageServer.Handlers.Commands;

/// <summary>
/// etlAgent.generateTests [name] or [uri, line]: generates the transformation's test file as `etl-agent generate`
/// does (default tests/etl/&lt;Schema&gt;.&lt;Name&gt;.etltest.yaml; a reviewed or hand-written file is
/// never overwritten), with cancellable progress, then re-reads which transformations have tests
/// (so the "Run sandbox test" lens appears) and opens the file (window/showDocument, or a message
/// where the client cannot). Returns { path, cases } or { skipped }.
/// </summary>
public sealed class GenerateTestsCommand(ServerContext server) : IServerCommand
{
    public const string CommandId = "etlAgent.generateTests";
    public const string LensTitle = "Generate tests";

    /// <summary>Time for the mutant search in the editor: the user is waiting.</summary>
    public static readonly TimeSpan MutationBudget = TimeSpan.FromSeconds(30);

    public string Id => CommandId;

    public CommandDescriptor Descriptor { get; } = new()
    {
        Id = CommandId,
        Title = "Generate Tests",
        Arguments = { CommandArgument.Transformation() },
        Cursor = true,
        ChangesWorkspace = true,
        Returns = "GenerateTestsResult",
    };

    public async Task<JsonNode?> ExecuteAsync(JsonArray arguments, CancellationToken cancellationToken)
    {
        var name = CommandTarget.TransformationName(server, arguments)
            ?? throw new LocalRpcException($"{CommandId} takes the transformation's name, or a document URI and a line inside a transformation.") { ErrorCode = ErrorCodes.InvalidParams };
        var session = server.Session;
        var t = session.Current.FindTransformation(name)?.Transformation
            ?? throw new LocalRpcException($"No transformation named '{name}'.") { ErrorCode = ErrorCodes.InvalidParams };
        var writer = session.Files.Disk as IFileWriter
            ?? throw new LocalRpcException("The workspace cannot be written to.") { ErrorCode = ErrorCodes.RequestFailed };

        using var progress = await server.WorkProgress.Begin($"ETL Agent: Generate tests for {t.Name}", "analysing the workspace", cancellationToken).ConfigureAwait(false);
        GeneratedTestFile generated;
        try
        {
            generated = await Task.Run(async () =>
            {
                var engine = server.Engine;
                var analyzer = engine.Analyzer(retainSyntax: true);
                var analysis = engine.CurrentAnalysis(progress.CancellationToken);
                engine.Sandboxes.Describe();
                progress.Report("running candidate inputs and mutants in the sandbox", 10);
                var generator = engine.Generator(analysis, analyzer, new GenerationOptions { MutationBudget = MutationBudget },
                    g => progress.Report(g.Message, 10 + (int)Math.Round(85 * g.Fraction)));
                return await engine.GenerateTestFileAsync(generator, t.Name, session.Files, writer, GeneratedTestFiles.DefaultDirectory, force: false, progress.CancellationToken).ConfigureAwait(false);
            }, progress.CancellationToken).ConfigureAwait(false);
        }
        catch (ConfigurationException e)
        {
            progress.End("cannot generate");
            Message(MessageType.Error, $"ETL Agent: cannot generate tests: {e.Message}");
            throw new LocalRpcException(e.Message) { ErrorCode = ErrorCodes.RequestFailed };
        }
        catch (OperationCanceledException)
        {
            progress.End("cancelled");
            server.Log.Info($"generate tests for {t.Name}: cancelled");
            throw;
        }

        foreach (var note in generated.Result?.Notes ?? Array.Empty<string>()) server.Log.Info($"{t.Name}: {note}");
        foreach (var f in generated.Result?.Findings ?? Array.Empty<Core.Model.Finding>())
            Message(MessageType.Warning, $"ETL Agent: {f.RuleId}: {f.Message}");
        if (generated.Error is { } defect) server.Log.Error(defect.LogText);
        if (!generated.Written)
        {
            progress.End(generated.Skipped);
            Message(generated.Failed ? MessageType.Error : MessageType.Warning, $"ETL Agent: no tests generated for {t.Name}: {generated.Skipped}");
            return new JsonObject { ["skipped"] = generated.Skipped };
        }

        var result = generated.Result!;
        var summary = $"{generated.Path}: {result.File!.Cases.Count} cases" + (result.Mutants > 0 ? $", {result.MutantSummary}" : "");
        server.Log.Info($"generated {summary} ({result.Elapsed.TotalSeconds:0.0} s)");
        progress.End(summary);
        server.Tests.Invalidate();
        if (server.SupportsCodeLensRefresh)
            server.Outbox.Post(() => server.Rpc.InvokeAsync<object?>("workspace/codeLens/refresh"));

        await Task.WhenAny(server.Outbox.FlushAsync(), Task.Delay(TimeSpan.FromSeconds(5))).ConfigureAwait(false); // progress end before the document opens
        var uri = server.Paths.ToUri(generated.Path!);
        bool shown = false;
        if (server.SupportsShowDocument)
        {
            try
            {
                var r = await server.Rpc.InvokeWithParameterObjectAsync<ShowDocumentResult>("window/showDocument",
                    new ShowDocumentParams { Uri = uri, TakeFocus = true }, cancellationToken).ConfigureAwait(false);
                shown = r?.Success == true;
            }
            catch (RemoteRpcException e) { server.Log.Warn($"the client did not open {uri}: {e.Message}"); }
        }
        if (!shown)
            Message(MessageType.Info, $"ETL Agent: generated {summary}. Review the recorded expectations, then accept them.");
        return new JsonObject { ["path"] = generated.Path, ["uri"] = uri, ["cases"] = result.File.Cases.Count };
    }

    private void Message(int type, string message)
    {
        var p = new ShowMessageParams { Type = type, Message = message };
        server.Outbox.Post(() => server.Rpc.NotifyWithParameterObjectAsync("window/showMessage", p));
    }
}
