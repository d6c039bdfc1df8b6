using EtlAgent.LanguageServer.Conversions;
using EtlAgent.LanguageServer.Protocol;
using EtlAgent.LanguageServer.Server;
using StreamJsonRpc;
using LspCodeAction = EtlAgent.LanguageServer.Protocol.CodeAction;

namespace EtlAgent.LanguageServer.Handlers.CodeAction;

/// <summary>
/// textDocument/codeAction: a quick fix per fix carried in each diagnostic's `data` (nothing is
/// recomputed), and `source.fixAll.etlAgent` with every fix of the document; for a client without
/// code lenses, the lenses as commands (<see cref="LensActions"/>). A diagnostic whose
/// `data` the client dropped is matched to the current snapshot's findings by rule and range.
/// </summary>
public sealed class CodeActionHandler(ServerContext server, LensActions lensActions)
{
    [JsonRpcMethod("textDocument/codeAction", UseSingleObjectParameterDeserialization = true)]
    public async Task<List<LspCodeAction>> CodeAction(CodeActionParams request, CancellationToken cancellationToken)
    {
        server.EnsureInitialized();
        await Task.Yield();
        var path = server.Paths.ToPath(request.TextDocument.Uri);
        var open = server.Documents.Get(request.TextDocument.Uri);
        var actions = new List<LspCodeAction>();
        var only = request.Context.Only;

        if (Wants(only, CodeActionKind.QuickFix))
        {
            foreach (var diagnostic in request.Context.Diagnostics)
            {
                if (diagnostic.Source != LspConvert.Source) continue;
                var data = DiagnosticData.From(diagnostic.Data);
                if (data is null || (open is not null && data.Version is { } v && v != open.Version))
                    data = await FromSnapshot(path, diagnostic, cancellationToken).ConfigureAwait(false);
                if (data is null) continue;
                for (int i = 0; i < data.Fixes.Count; i++)
                    actions.Add(new LspCodeAction
                    {
                        Title = data.Fixes[i].Title,
                        Kind = CodeActionKind.QuickFix,
                        Diagnostics = new List<Diagnostic> { diagnostic },
                        IsPreferred = i == 0,
                        Edit = data.Fixes[i].Edit,
                    });
            }
        }

        actions.AddRange(await SchemaDriftActions.ForAsync(server, request, cancellationToken).ConfigureAwait(false));
        actions.AddRange(HealActions.For(server, request));
        actions.AddRange(await DismissActions.ForAsync(server, request, cancellationToken).ConfigureAwait(false));
        if (Wants(only, CodeActionKind.RefactorRewrite) && Handlers.Commands.AcceptExpectationsCommand.Edit(server, request.TextDocument.Uri) is { } accept)
            actions.Add(new LspCodeAction { Title = Handlers.Commands.AcceptExpectationsCommand.Title, Kind = CodeActionKind.RefactorRewrite, Edit = accept });

        bool explicitFixAll = only is not null && only.Any(k => CodeActionKind.SourceFixAllEtlAgent.StartsWith(k, StringComparison.Ordinal) && k != "");
        if (explicitFixAll || only is null)
        {
            var snapshot = await server.CurrentSnapshotAsync(cancellationToken, TimeSpan.FromSeconds(2)).ConfigureAwait(false);
            var edit = FixAll.Edit(snapshot, path, server.Paths, out int count);
            if (count > 0 && (explicitFixAll || count > 1))
                actions.Add(new LspCodeAction
                {
                    Title = $"Fix all ETL Agent findings in this file ({count})",
                    Kind = CodeActionKind.SourceFixAllEtlAgent,
                    Edit = edit,
                });
        }
        actions.AddRange(await lensActions.ForAsync(request, actions, cancellationToken).ConfigureAwait(false));
        return actions;
    }

    private static bool Wants(List<string>? only, string kind) =>
        only is null || only.Any(k => kind == k || kind.StartsWith(k + ".", StringComparison.Ordinal));

    private async Task<DiagnosticData?> FromSnapshot(string path, Diagnostic diagnostic, CancellationToken cancellationToken)
    {
        var snapshot = await server.CurrentSnapshotAsync(cancellationToken, TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        var version = snapshot.Document(path)?.Version;
        var finding = snapshot.FindingsFor(path).FirstOrDefault(f => f.RuleId == diagnostic.Code && f.Fixes.Count > 0 &&
            LspConvert.Range(f.Location.Range) == diagnostic.Range);
        return finding is null ? null : DiagnosticData.From(DiagnosticData.ToJson(finding, server.Paths, version));
    }
}
