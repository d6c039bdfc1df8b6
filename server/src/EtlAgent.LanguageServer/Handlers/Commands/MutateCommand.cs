using EtlAgent.Core.MutationAnalysis;
using System.Text.Json.Nodes;
using EtlAgent.Core.Mutation;
using EtlAgent.Core.Syntax;
using EtlAgent.Core.Workspace;
using EtlAgent.LanguageServer.Conversions;
using EtlAgent.LanguageServer.Protocol;
using EtlAgent.LanguageServer.Server;
using StreamJsonRpc;

namespace EtlAgent.LanguageServer.Handlers.Commands;

/// <summary>
/// etlAgent.mutate [name] or [uri, line]: mutation analysis of a transformation's tests (the code
/// lens "Mutation analysis" passes the name; the palette command "ETL Agent: Run Mutation Analysis"
/// the editor's document and 0-based cursor line). Runs off the request thread with a cancellable
/// work-done progress (<see cref="WorkDoneProgressTracker"/>); each survivor becomes an Information diagnostic on the mutated span, with
/// Core's explanation (<see cref="SurvivorExplanation"/>). A run replaces the transformation's
/// survivors (killed ones disappear); editing the file clears them. Returns the CLI's JSON shape.
/// </summary>
public sealed class MutateCommand(ServerContext server) : IServerCommand
{
    public const string CommandId = "etlAgent.mutate";
    public const string LensTitle = "Mutation analysis";

    public string Id => CommandId;

    public CommandDescriptor Descriptor { get; } = new()
    {
        Id = CommandId,
        Title = "Run Mutation Analysis",
        Arguments = { CommandArgument.Transformation() },
        Cursor = true,
        Progress = true,
        Returns = "MutationResult",
    };

    public async Task<JsonNode?> ExecuteAsync(JsonArray arguments, CancellationToken cancellationToken)
    {
        var name = CommandTarget.TransformationName(server, arguments);
        if (name is null)
        {
            Message(MessageType.Info, "ETL Agent: place the cursor in a procedure (or use the \"Mutation analysis\" lens above it) to run mutation analysis.");
            return null;
        }
        var session = server.Session;
        var texts = Texts(session.Current.FindTransformation(name)?.Transformation.File);
        WorkspaceMutationRun run;
        using (var progress = await server.WorkProgress.Begin($"ETL Agent: mutation analysis of {name}", "analysing the workspace", cancellationToken).ConfigureAwait(false))
        {
            try
            {
                // Off the request thread: every mutant re-runs the transformation's tests in the sandbox.
                var engine = server.Engine;
                run = await Task.Run(() => engine.MutateAsync(name,
                    (done, total, m) => progress.Report($"mutant {done + 1} of {total}: {m.Operator} (line {m.Line})", done * 100 / Math.Max(1, total)),
                    progress.CancellationToken), progress.CancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                progress.End("cancelled");
                Message(MessageType.Info, $"ETL Agent: mutation analysis of {name} cancelled.");
                return new JsonObject { ["cancelled"] = true };
            }
            catch (ConfigurationException e)
            {
                progress.End("cannot run");
                Message(MessageType.Error, $"ETL Agent: cannot run mutation analysis: {e.Message}");
                throw new LocalRpcException(e.Message) { ErrorCode = ErrorCodes.RequestFailed };
            }
        }
        if (run.Report is not { } report)
        {
            foreach (var p in run.Problems) server.Log.Warn(p);
            Message(MessageType.Warning, $"ETL Agent: no mutation analysis of {name}: {run.Problems.FirstOrDefault()}");
            return new JsonObject { ["errors"] = new JsonArray(run.Problems.Select(p => (JsonNode)p).ToArray()) };
        }

        Publish(run, texts);
        var survivors = run.Survivors.ToList();
        foreach (var s in survivors)
            server.Log.Info($"SURVIVED {s.Mutant.Operator} at {s.Mutant.File}:{s.Mutant.Line}: {s.Mutant.Original} → {s.Mutant.Mutated}");
        var summary = $"{report.Killed} of {report.Mutants} mutants killed ({report.KilledOfAll:P1}), {report.NotCovered} not covered, " +
                      $"{report.Equivalent} probably equivalent, {report.Survived} survived; score without the probably equivalent {report.Score:P1}" +
                      (report.EquivalentByConstruction.Count == 0 ? "" : $"; {report.EquivalentByConstruction.Count} equivalent by construction (not counted)") +
                      $" ({report.Elapsed.TotalSeconds:0.0} s)";
        server.Log.Info($"{run.Transformation}: {summary}");
        Message(report.Survived == 0 ? MessageType.Info : MessageType.Warning, $"ETL Agent: {run.Transformation}: {summary}");
        return new JsonObject
        {
            ["mutants"] = report.Mutants, ["killed"] = report.Killed, ["survived"] = report.Survived, ["equivalent"] = report.Equivalent,
            ["score"] = Math.Round(report.Score, 4), ["notCovered"] = report.NotCovered, ["killedOfAll"] = Math.Round(report.KilledOfAll, 4), ["equivalentByConstruction"] = report.EquivalentByConstruction.Count,
            ["survivors"] = new JsonArray(survivors.Select(s => (JsonNode)new JsonObject
            {
                ["transformation"] = run.Transformation, ["operator"] = s.Mutant.Operator, ["file"] = s.Mutant.File, ["line"] = s.Mutant.Line,
                ["original"] = s.Mutant.Original, ["mutated"] = s.Mutant.Mutated, ["explanation"] = SurvivorExplanation.Explain(s.Mutant),
            }).ToArray()),
        };
    }

    /// <summary>The procedure's file text when the run starts: survivors are placed in it, and dropped if it changed meanwhile.</summary>
    private Dictionary<string, string> Texts(string? file)
    {
        var texts = new Dictionary<string, string>(StringComparer.Ordinal);
        try { if (file is not null) texts[file] = server.Session.Files.ReadAllText(file); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        return texts;
    }

    /// <summary>Replaces the transformation's survivor diagnostics, tied to the text they were found in.</summary>
    private void Publish(WorkspaceMutationRun run, Dictionary<string, string> before)
    {
        var layer = $"mutation:{run.Transformation}";
        var byFile = run.Survivors.GroupBy(s => s.Mutant.File, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        foreach (var path in server.Layers.Paths(layer).Concat(byFile.Keys).Distinct(StringComparer.Ordinal).ToList())
        {
            string text;
            try { text = server.Session.Files.ReadAllText(path); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { continue; }
            if (before.TryGetValue(path, out var then) && then != text)
            {
                server.Log.Info($"{path} changed during the mutation run: its survivors are not shown");
                byFile.Remove(path);
            }
            var diagnostics = byFile.GetValueOrDefault(path)?.Select(s => LspConvert.Diagnostic(SurvivingMutant.For(s, text), server.Paths, null)).ToList()
                ?? new List<Diagnostic>();
            server.Layers.Set(layer, path, diagnostics, forText: text);
            server.PublishLayers(path);
        }
    }

    private void Message(int type, string message)
    {
        var p = new ShowMessageParams { Type = type, Message = message };
        server.Outbox.Post(() => server.Rpc.NotifyWithParameterObjectAsync("window/showMessage", p));
    }
}
