using System.Text.Json.Nodes;
using EtlAgent.Core.Healing;
using EtlAgent.Core.Sandbox.Runner;
using EtlAgent.Core.Sandbox.TestFiles;
using EtlAgent.LanguageServer.Conversions;
using EtlAgent.LanguageServer.Handlers.Commands;
using EtlAgent.LanguageServer.Protocol;
using EtlAgent.LanguageServer.Server;
using LspCodeAction = EtlAgent.LanguageServer.Protocol.CodeAction;

namespace EtlAgent.LanguageServer.Handlers.CodeAction;

/// <summary>
/// The verified heals as quick fixes: on a heal's diagnostic (ETL0120, on the failing case and on
/// the edited statement), on the failing case's own diagnostic (ETL0100), and — for a heal of a
/// whole test file — on the file's load problem (ETL0101, ETL0102), one action per heal
/// titled "Heal: … (verified: N/M cases, K new findings)", whose edit is the heal's span edits and
/// whose command re-runs the transformation's tests with the heal's id, so the heal is recorded as
/// applied (<see cref="RunTestsCommand"/>). The heals come from the last search
/// (<see cref="HealDiagnostics"/>); nothing is computed here.
/// </summary>
public static class HealActions
{
    public static IReadOnlyList<LspCodeAction> For(ServerContext server, CodeActionParams request)
    {
        var only = request.Context.Only;
        if (only is not null && !only.Any(k => k.Length == 0 || k == CodeActionKind.QuickFix || CodeActionKind.QuickFix.StartsWith(k + ".", StringComparison.Ordinal)))
            return Array.Empty<LspCodeAction>();
        var path = server.Paths.ToPath(request.TextDocument.Uri);
        var heals = server.Tests.Heals;
        var actions = new List<LspCodeAction>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var diagnostic in request.Context.Diagnostics)
        {
            if (diagnostic.Source != LspConvert.Source) continue;
            IReadOnlyList<HealSuggestion> found = diagnostic.Code switch
            {
                _ when diagnostic.Code == VerifiedHealAvailable.Rule.Id => heals.At(path, diagnostic.Range.Start.Line),
                _ when diagnostic.Code == FailingTestCase.Rule.Id => OfCase(heals, path, diagnostic).Concat(heals.ForFile(path)).ToList(),
                // a test file that does not load, or fell behind the schema: the heals of the whole file (regenerated, given rows adjusted)
                _ when diagnostic.Code == UnloadableTestFile.Rule.Id || diagnostic.Code == SchemaDriftedTestFile.Rule.Id => heals.ForFile(path),
                _ => Array.Empty<HealSuggestion>(),
            };
            foreach (var heal in found)
            {
                if (!seen.Add(heal.Id)) continue;
                actions.Add(new LspCodeAction
                {
                    Title = heal.ActionTitle,
                    Kind = CodeActionKind.QuickFix,
                    Diagnostics = new List<Diagnostic> { diagnostic },
                    IsPreferred = actions.Count == 0 && heal.Kind == HealKinds.Code,
                    Edit = LspConvert.WorkspaceEdit(heal.Edits, server.Paths),
                    // the client runs the command after applying the edit: the server learns the heal was applied (the memory, the audit trail)
                    Command = (heals.Failure(heal.Test, heal.Case ?? "")?.File.Transformation ?? TestFileOutline.Read(server.Drift.Text(heal.Test) ?? "")?.DisplayName) is { } transformation
                        ? new Command { Title = "Run sandbox test", CommandId = RunTestsCommand.CommandId, Arguments = new JsonArray(transformation, heal.Id) }
                        : null,
                });
            }
        }
        return actions;
    }

    /// <summary>The heals of the failing case whose ETL0100 diagnostic this is: the case named at the start of its message.</summary>
    private static IReadOnlyList<HealSuggestion> OfCase(HealDiagnostics heals, string path, Diagnostic diagnostic) =>
        heals.FailuresIn(path).Where(f => diagnostic.Message.StartsWith(f.Case.Name + ": ", StringComparison.Ordinal))
            .SelectMany(f => heals.For(path, f.Case.Name)).ToList();
}
