using EtlAgent.Core.Sandbox.Runner;
using EtlAgent.LanguageServer.Handlers.Commands;
using EtlAgent.LanguageServer.Protocol;
using EtlAgent.LanguageServer.Server;
using LspCodeAction = EtlAgent.LanguageServer.Protocol.CodeAction;
using LspCodeLens = EtlAgent.LanguageServer.Protocol.CodeLens;

namespace EtlAgent.LanguageServer.Handlers.CodeAction;

/// <summary>
/// For clients that show no code lenses (Visual Studio's LSP client, editors without lens UI): the
/// lenses of the document, as the code lens handler computes them, become code actions on their
/// first line (a transformation's CREATE line, a test file's header), with the same command and
/// arguments, so nothing the lenses offer is out of reach. Titles say what the action does, since
/// a menu entry has no position above the code to give it context. Only when the client's
/// initialize capabilities have no textDocument.codeLens, so a lens client does not see each twice.
/// </summary>
public sealed class LensActions(ServerContext server, Func<CodeLensParams, CancellationToken, Task<List<LspCodeLens>>> lenses)
{
    /// <summary>True when the client declared no code lens support.</summary>
    public bool Applies => server.ClientCapabilities.TextDocument?.CodeLens is null;

    public async Task<List<LspCodeAction>> ForAsync(CodeActionParams request, IReadOnlyCollection<LspCodeAction> offered, CancellationToken cancellationToken)
    {
        var actions = new List<LspCodeAction>();
        // kind-less actions: returned only when the client did not restrict the kinds
        if (!Applies || (request.Context.Only is { } only && !only.Contains(""))) return actions;
        var all = await lenses(new CodeLensParams { TextDocument = request.TextDocument }, cancellationToken).ConfigureAwait(false);
        foreach (var lens in all)
        {
            if (lens.Command is not { } command) continue;
            int line = lens.Range.Start.Line;
            if (request.Range.Start.Line > line || request.Range.End.Line < line) continue;
            var title = Title(command);
            // a lens that is already offered as an edit (accept expectations) is not offered twice
            if (offered.Any(a => a.Title == title) || actions.Any(a => a.Title == title)) continue;
            actions.Add(new LspCodeAction { Title = title, Command = new Command { Title = title, CommandId = command.CommandId, Arguments = command.Arguments } });
        }
        return actions;
    }

    /// <summary>The menu title of a lens's command; a lens this table does not know keeps its own title.</summary>
    private string Title(Command lens)
    {
        var name = lens.Arguments is { Count: > 0 } a ? ServerCommands.StringArg(a, 0) : null;
        return lens.CommandId switch
        {
            GenerateTestsCommand.CommandId when name is not null => $"Generate tests for {name}",
            RunTestsCommand.CommandId when name is not null => $"Run sandbox tests ({CaseCount(name)})",
            MutateCommand.CommandId => "Run mutation analysis",
            ShowLineageCommand.CommandId => $"Show lineage: {lens.Title}",
            ShowFindingsCommand.CommandId => $"Go to findings: {lens.Title}",
            _ => lens.Title,
        };
    }

    private int CaseCount(string transformation) =>
        server.Tests.Index.TryGetValue(transformation, out var files) ? WorkspaceTests.CaseCount(server.Session.Files, files) : 0;
}
