using EtlAgent.Core.Model;

namespace EtlAgent.Core.Rules.Syntax;

/// <summary>Parse errors, reported like any finding so the editor, SARIF and the CLI show them alike.</summary>
public sealed class SyntaxErrorRule : Rule
{
    public override RuleDescriptor Descriptor { get; } = new(
        "ETL0000", "syntax-error", "T-SQL syntax error", Severity.Error, "Syntax",
        new RuleDoc(
            "The file does not parse as T-SQL at the configured compatibility level. The rest of the workspace is still analysed, and so are the other batches of the file (a script is split at its GO lines, as sqlcmd does): only the batch holding the error is left out. One error is reported per batch, its first: what the parser reports after it is often a cascade of it (an END CATCH the broken statement left unmatched) that is valid once the first is fixed. sqlcmd-mode lines (:setvar, :r, :on error exit) and $(Name) variables are accepted; values come from the script's :setvar lines or etl-agent.json's sqlcmdVariables. A file that is clearly another dialect's script (a psql meta-command such as \\c at the start of a line, a $$-quoted body, LANGUAGE plpgsql, CREATE OR REPLACE; comments and strings aside) is not parsed: one information finding names the construct, and nothing else is reported for the file. So is a code generator's template, a file with `${placeholder}` in its code (`DROP TABLE ${temp_table}`): it is T-SQL only once the generator has filled in names and column lists.",
            Bad: "CREATE PROCEDURE Etl.LoadX AS\nBEGIN\n    SELECT (1 + 2 FROM Staging.X;\nEND",
            Good: "CREATE PROCEDURE Etl.LoadX AS\nBEGIN\n    SELECT (1 + 2) FROM Staging.X;\nEND"));

    public override void Check(RuleContext context)
    {
        foreach (var error in context.Document.Errors)
        {
            if (error.Number == EtlAgent.Core.Syntax.ForeignDialect.ErrorNumber)
            {
                context.Report(error.Range, error.Message, Severity.Information);
                continue;
            }
            if (error.Number != EtlAgent.Core.Syntax.NestingGuard.ErrorNumber && StrayStarAfter(context.Document.Text, error.Range.EndOffset) is int star)
            {
                // `/* … **/*`: the comment closes at the first */ and leaves a '*' the parser blames on the token before it
                context.Report(context.Document.Lines.Range(star, star + 1),
                    $"Syntax error {error.Number}: the block comment before this '*' already ended at '*/', so the '*' is left in the code (SQL Server fails the batch here too). End the comment with '*/' alone. The rest of the batch (up to the next GO line) is not analysed.");
                continue;
            }
            context.Report(error.Range, error.Number == EtlAgent.Core.Syntax.NestingGuard.ErrorNumber
                ? error.Message
                : $"Syntax error {error.Number}: {error.Message} Fix the statement; the rest of its batch (up to the next GO line) is not analysed.");
        }
    }

    /// <summary>
    /// The offset of a '*' that directly follows a block comment's '*/' (`**/*`), when it is the first
    /// code after <paramref name="from"/> (whitespace and comments skipped); null otherwise.
    /// </summary>
    private static int? StrayStarAfter(string text, int from)
    {
        int i = Math.Clamp(from, 0, text.Length);
        while (i < text.Length)
        {
            if (char.IsWhiteSpace(text[i])) { i++; continue; }
            if (text[i] == '-' && i + 1 < text.Length && text[i + 1] == '-')
            {
                while (i < text.Length && text[i] != '\n') i++;
                continue;
            }
            if (text[i] == '/' && i + 1 < text.Length && text[i + 1] == '*')
            {
                int depth = 0;
                while (i < text.Length)
                {
                    if (text[i] == '/' && i + 1 < text.Length && text[i + 1] == '*') { depth++; i += 2; continue; }
                    if (text[i] == '*' && i + 1 < text.Length && text[i + 1] == '/') { depth--; i += 2; if (depth == 0) break; continue; }
                    i++;
                }
                if (i < text.Length && text[i] == '*' && i >= 2 && text[i - 2] == '*' && text[i - 1] == '/') return i;
                continue;
            }
            return null;
        }
        return null;
    }
}
