using EtlAgent.Core.Model;

namespace EtlAgent.Core.Rules.Syntax;

/// <summary>Parse errors, reported like any finding so the editor, SARIF and the CLI show them alike.</summary>
public sealed class SyntaxErrorRule : Rule
{
    public override RuleDescriptor Descriptor { get; } = new(
        "ETL0000", "syntax-error", "T-SQL syntax error", Severity.Error, "Syntax",
        new RuleDoc(
            "The file does not parse as T-SQL at the configured compatibility level. The rest of the workspace is still analysed, and so are the other batches of the file (a script is split at its GO lines, as sqlcmd does): only the batch holding the error is left out. sqlcmd-mode lines (:setvar, :r, :on error exit) and $(Name) variables are accepted; values come from the script's :setvar lines or etl-agent.json's sqlcmdVariables.",
            Bad: "CREATE PROCEDURE Etl.LoadX AS\nBEGIN\n    SELECT (1 + 2 FROM Staging.X;\nEND",
            Good: "CREATE PROCEDURE Etl.LoadX AS\nBEGIN\n    SELECT (1 + 2) FROM Staging.X;\nEND"));

    public override void Check(RuleContext context)
    {
        foreach (var error in context.Document.Errors)
            context.Report(error.Range, error.Number == EtlAgent.Core.Syntax.NestingGuard.ErrorNumber
                ? error.Message
                : $"Syntax error {error.Number}: {error.Message} Fix the statement; the rest of its batch (up to the next GO line) is not analysed.");
    }
}
