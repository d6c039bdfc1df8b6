using System.Text.Json.Nodes;
using EtlAgent.Core.Agent;
using EtlAgent.LanguageServer.Conversions;
using EtlAgent.LanguageServer.Handlers.Commands;
using EtlAgent.LanguageServer.Protocol;
using EtlAgent.LanguageServer.Server;
using LspCodeAction = EtlAgent.LanguageServer.Protocol.CodeAction;

namespace EtlAgent.LanguageServer.Handlers.CodeAction;

/// <summary>
/// "Dismiss finding…" for each ETL Agent diagnostic in the request: a quick fix whose command
/// (<see cref="DismissFindingCommand"/>) asks for the reason and stores the dismissal by the
/// finding's fingerprint, so the CLI and the editor both leave it out from then on.
/// </summary>
public static class DismissActions
{
    public static async Task<List<LspCodeAction>> ForAsync(ServerContext server, CodeActionParams request, CancellationToken cancellationToken)
    {
        var actions = new List<LspCodeAction>();
        var only = request.Context.Only;
        if (only is not null && !only.Any(k => CodeActionKind.QuickFix == k || CodeActionKind.QuickFix.StartsWith(k + ".", StringComparison.Ordinal))) return actions;
        var ours = request.Context.Diagnostics.Where(d => d.Source == LspConvert.Source && d.Code is not null).ToList();
        if (ours.Count == 0) return actions;
        var path = server.Paths.ToPath(request.TextDocument.Uri);
        var snapshot = await server.CurrentSnapshotAsync(cancellationToken, TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        var findings = snapshot.FindingsFor(path);
        foreach (var diagnostic in ours)
        {
            var finding = findings.FirstOrDefault(f => f.RuleId == diagnostic.Code && LspConvert.Range(f.Location.Range) == diagnostic.Range);
            if (finding is null) continue;
            var sighting = Dismissals.Sighting(finding, findings);
            var title = $"Dismiss finding… ({finding.RuleId})";
            actions.Add(new LspCodeAction
            {
                Title = title,
                Kind = CodeActionKind.QuickFix,
                Diagnostics = new List<Diagnostic> { diagnostic },
                Command = new Command
                {
                    Title = title,
                    CommandId = DismissFindingCommand.CommandId,
                    Arguments = new JsonArray(request.TextDocument.Uri, sighting.Fingerprint, sighting.RuleId, sighting.Message),
                },
            });
        }
        return actions;
    }
}
