using System.Text.Json.Nodes;
using EtlAgent.Core.Reporting;
using EtlAgent.LanguageServer.Conversions;
using EtlAgent.LanguageServer.Handlers.Commands;
using EtlAgent.LanguageServer.Protocol;
using EtlAgent.LanguageServer.Server;
using StreamJsonRpc;
using LspCodeLens = EtlAgent.LanguageServer.Protocol.CodeLens;

namespace EtlAgent.LanguageServer.Handlers.CodeLens;

/// <summary>
/// textDocument/codeLens: above each transformation, its lineage summary (command: show the
/// lineage), "Run sandbox test" when test files name it (with the last result once run) or
/// "Generate tests" when it has none and generation would take it unnamed (DefaultTargets), and,
/// when it has any, its findings count (command: go to the first); at the top of a generated test
/// file, "Accept recorded expectations". Answered from
/// the last published snapshot, never waiting for analysis. Every lens's command is one the
/// server executes (see <see cref="ServerCommands"/>), so no lens is dead.
/// </summary>
public sealed class CodeLensHandler(ServerContext server, ServerCommands commands)
{
    [JsonRpcMethod("textDocument/codeLens", UseSingleObjectParameterDeserialization = true)]
    public async Task<List<LspCodeLens>> CodeLens(CodeLensParams request, CancellationToken cancellationToken)
    {
        server.EnsureInitialized();
        await Task.Yield();
        var uri = request.TextDocument.Uri;
        var path = server.Paths.ToPath(uri);
        var snapshot = server.Session.Current;
        var findings = snapshot.FindingsFor(path);
        var lenses = new List<LspCodeLens>();
        var tests = server.Tests.Index;
        foreach (var analysis in snapshot.TransformationsIn(path))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var t = analysis.Transformation;
            var range = LspConvert.Range(t.HeaderRange);
            lenses.Add(Lens(range, LineageReport.Summary(t), ShowLineageCommand.CommandId, new JsonArray(t.Name)));
            if (tests.TryGetValue(t.Name, out var files) && files.Count > 0)
            {
                lenses.Add(Lens(range, RunTestsCommand.LensTitle(server.Tests.LastRun(t.Name)), RunTestsCommand.CommandId, new JsonArray(t.Name)));
                lenses.Add(Lens(range, MutateCommand.LensTitle, MutateCommand.CommandId, new JsonArray(t.Name)));
            }
            else if (Core.Generation.DefaultTargets.Includes(t, n => snapshot.FindTransformation(n)?.Transformation))
                lenses.Add(Lens(range, GenerateTestsCommand.LensTitle, GenerateTestsCommand.CommandId, new JsonArray(t.Name)));

            var inside = findings.Where(f => t.BodyRange.Contains(f.Location.Range.StartOffset)).ToList();
            if (inside.Count > 0)
            {
                int errors = inside.Count(f => f.Severity == Core.Model.Severity.Error);
                var title = LineageReport.Count(inside.Count, "finding") + (errors > 0 ? $" ({LineageReport.Count(errors, "error")})" : "");
                lenses.Add(Lens(range, title, ShowFindingsCommand.CommandId, new JsonArray(uri, t.Name)));
            }
        }
        // a generated test file whose recorded expectations nobody has accepted yet
        if (AcceptExpectationsCommand.HeaderRange(server, uri) is { } header)
            lenses.Add(Lens(new Protocol.Range(header.Start, header.Start), AcceptExpectationsCommand.Title, AcceptExpectationsCommand.CommandId, new JsonArray(uri)));
        lenses.AddRange(ExplainFailureLenses.For(server, uri, path));
        return lenses;
    }

    private LspCodeLens Lens(Protocol.Range range, string title, string command, JsonArray arguments)
    {
        if (!commands.Contains(command)) throw new InvalidOperationException($"Lens command {command} is not a server command.");
        return new LspCodeLens { Range = range, Command = new Command { Title = title, CommandId = command, Arguments = arguments } };
    }
}
