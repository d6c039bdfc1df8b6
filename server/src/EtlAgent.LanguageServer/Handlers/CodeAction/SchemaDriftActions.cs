using EtlAgent.Core.Healing;
using EtlAgent.Core.Sandbox.TestFiles;
using EtlAgent.Core.Workspace;
using EtlAgent.LanguageServer.Protocol;
using EtlAgent.LanguageServer.Server;
using LspCodeAction = EtlAgent.LanguageServer.Protocol.CodeAction;

namespace EtlAgent.LanguageServer.Handlers.CodeAction;

/// <summary>
/// The quick fix of "out of date with the schema" diagnostics: "Update test to the new schema", a
/// WorkspaceEdit that replaces the test file's text with Core's rewrite (rows updated, expectations
/// re-recorded in the sandbox). The user sees and applies it; nothing is written by the server.
/// </summary>
public static class SchemaDriftActions
{
    public static async Task<IReadOnlyList<LspCodeAction>> ForAsync(ServerContext server, CodeActionParams request, CancellationToken cancellationToken)
    {
        var drift = request.Context.Diagnostics.Where(d => d.Code == SchemaDriftedTestFile.Rule.Id).ToList();
        var only = request.Context.Only;
        if (drift.Count == 0 || (only is not null && !only.Any(k => k.Length == 0 || k == CodeActionKind.QuickFix || CodeActionKind.QuickFix.StartsWith(k + ".", StringComparison.Ordinal))))
            return Array.Empty<LspCodeAction>();
        var path = server.Paths.ToPath(request.TextDocument.Uri);
        if (!TestFile.IsTestFile(path)) return Array.Empty<LspCodeAction>();
        if (server.Drift.Text(path) is not { } current) return Array.Empty<LspCodeAction>();
        SchemaDriftUpdate update;
        try { update = await server.Drift.UpdateAsync(path).WaitAsync(cancellationToken).ConfigureAwait(false); }
        catch (ConfigurationException e)
        {
            server.Log.Warn($"cannot update {path} to the schema: {e.Message}");
            return Array.Empty<LspCodeAction>();
        }
        foreach (var note in update.Notes) server.Log.Info($"{path}: update to the schema: {note}");
        if (update.Text is null || update.Text == current) return Array.Empty<LspCodeAction>();
        var lines = current.Split('\n');
        var whole = new Protocol.Range(new Position(0, 0), new Position(lines.Length - 1, lines[^1].Length));
        return new[]
        {
            new LspCodeAction
            {
                Title = SchemaDriftRewriter.FixTitle,
                Kind = CodeActionKind.QuickFix,
                Diagnostics = drift,
                IsPreferred = true,
                Edit = new WorkspaceEdit { Changes = new() { [request.TextDocument.Uri] = new List<TextEdit> { new(whole, update.Text) } } },
            },
        };
    }
}
