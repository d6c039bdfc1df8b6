using EtlAgent.Core.Model;
using Microsoft.SqlServer.TransactSql.ScriptDom;
using static EtlAgent.Core.Rules.SyntaxRuleHelpers;

namespace EtlAgent.Core.Rules.Correctness;

/// <summary>
/// A CATCH block in a load that neither re-raises, logs, nor hands back an error code: the
/// procedure ends normally, so the job step, the pipeline and the caller all see success.
/// </summary>
public sealed class SwallowedErrorRule : Rule
{
    public override RuleDescriptor Descriptor { get; } = new(
        "ETL0019", "catch-swallows-error", "CATCH block swallows the error", Severity.Warning, "Correctness",
        new RuleDoc(
            "A procedure that writes data inside BEGIN TRY and whose CATCH block only rolls back, prints, or selects the error message ends normally: the SQL Agent job step, the ADF or SSIS activity and any calling procedure see success, the next steps run on a half-done load and nobody is told. " +
            "The rule fires when the CATCH block has no THROW or RAISERROR, logs nothing (no INSERT, UPDATE or MERGE into a table, no EXEC of a procedure, which is taken as a logging call), returns no non-zero code (RETURN with a value other than 0), sets no OUTPUT parameter, and assigns no variable that the procedure reads after the TRY/CATCH (a status checked later). " +
            "Only procedures whose TRY block writes (INSERT, UPDATE, DELETE, MERGE, TRUNCATE, SELECT INTO or EXEC) are checked; a deployment script that ignores an error on purpose is not. " +
            "The fix adds `THROW;` as the last statement of the CATCH block, which re-raises the original error after the clean-up already there.",
            Bad: "CREATE PROCEDURE Etl.LoadFactSales AS\nBEGIN\n    SET XACT_ABORT ON;\n    BEGIN TRY\n        BEGIN TRANSACTION;\n        INSERT INTO Fact.Sales ([Order ID], Amount) SELECT [Order ID], Amount FROM Staging.Orders;\n        COMMIT TRANSACTION;\n    END TRY\n    BEGIN CATCH\n        IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;\n        PRINT ERROR_MESSAGE();\n    END CATCH\nEND",
            Good: "CREATE PROCEDURE Etl.LoadFactSales AS\nBEGIN\n    SET XACT_ABORT ON;\n    BEGIN TRY\n        BEGIN TRANSACTION;\n        INSERT INTO Fact.Sales ([Order ID], Amount) SELECT [Order ID], Amount FROM Staging.Orders;\n        COMMIT TRANSACTION;\n    END TRY\n    BEGIN CATCH\n        IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;\n        EXEC Etl.LogError @Procedure = N'Etl.LoadFactSales';\n        THROW;\n    END CATCH\nEND",
            Fixed: "CREATE PROCEDURE Etl.LoadFactSales AS\nBEGIN\n    SET XACT_ABORT ON;\n    BEGIN TRY\n        BEGIN TRANSACTION;\n        INSERT INTO Fact.Sales ([Order ID], Amount) SELECT [Order ID], Amount FROM Staging.Orders;\n        COMMIT TRANSACTION;\n    END TRY\n    BEGIN CATCH\n        IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;\n        PRINT ERROR_MESSAGE();\n        THROW;\n    END CATCH\nEND"));

    public override void Check(RuleContext context)
    {
        var index = context.Index;
        var tries = index.OfType<TryCatchStatement>();
        if (tries.Count == 0) return;
        var procedures = index.OfType<ProcedureStatementBody>();
        var variables = index.OfType<VariableReference>();
        foreach (var t in tries)
        {
            var procedure = procedures.LastOrDefault(p => Contains(p, t));
            if (procedure is null || !Writes(t.TryStatements)) continue;
            var outputs = procedure.Parameters.Where(p => p.Modifier == ParameterModifier.Output)
                .Select(p => p.VariableName.Value).ToHashSet(StringComparer.OrdinalIgnoreCase);
            if (Handles(t.CatchStatements, outputs, name => ReadAfter(variables, procedure, t, name))) continue;
            if (CatchKeyword(t) is not { } at) continue;
            context.Report(context.Document.Lines.Range(at.Start, at.End),
                "This CATCH block swallows the error: no THROW or RAISERROR, nothing logged (no INSERT or EXEC), no non-zero RETURN and no OUTPUT parameter set. The procedure ends normally after a failed load, so the job and the caller report success. Re-raise with THROW after the clean-up, or log the error and return a failure code.",
                ThrowFix(context, t) is { } fix ? new[] { fix } : null);
        }
    }

    /// <summary>
    /// The TRY block loads data: DML, TRUNCATE, SELECT INTO or a procedure call. EXEC of a string is not
    /// counted: it is as often DDL run in a loop that means to go on past a failing item.
    /// </summary>
    private static bool Writes(StatementList? statements) =>
        statements is not null && statements.Statements.Any(s =>
            Descendants<DataModificationStatement>(s).Count > 0 || s is DataModificationStatement ||
            Descendants<ExecuteStatement>(s).Append(s as ExecuteStatement).Any(e => e?.ExecuteSpecification?.ExecutableEntity is ExecutableProcedureReference) ||
            Descendants<TruncateTableStatement>(s).Count > 0 || s is TruncateTableStatement ||
            Descendants<SelectStatement>(s).Append(s as SelectStatement).Any(sel => sel?.Into is not null));

    /// <summary>True when the CATCH block re-raises, logs, returns a code or leaves a trace the procedure reads later.</summary>
    private static bool Handles(StatementList? catchBlock, HashSet<string> outputs, Func<string, bool> readAfter)
    {
        if (catchBlock is null) return false;
        foreach (var s in catchBlock.Statements)
        {
            if (Descendants<ThrowStatement>(s).Count > 0 || s is ThrowStatement) return true;
            if (Descendants<RaiseErrorStatement>(s).Count > 0 || s is RaiseErrorStatement) return true;
            if (Descendants<ExecuteStatement>(s).Count > 0 || s is ExecuteStatement) return true;
            if (Descendants<GoToStatement>(s).Count > 0 || s is GoToStatement) return true; // the label may raise
            if (Descendants<InsertStatement>(s).Count > 0 || Descendants<UpdateStatement>(s).Count > 0 || Descendants<MergeStatement>(s).Count > 0 ||
                s is InsertStatement or UpdateStatement or MergeStatement) return true;
            foreach (var r in Descendants<ReturnStatement>(s).Append(s as ReturnStatement))
                if (r?.Expression is { } e && !(TryInteger(e, out var v) && v == 0)) return true;
            foreach (var name in AssignedVariables(s))
                if (outputs.Contains(name) || readAfter(name)) return true;
        }
        return false;
    }

    private static IEnumerable<string> AssignedVariables(TSqlStatement s)
    {
        foreach (var set in Descendants<SetVariableStatement>(s).Append(s as SetVariableStatement))
            if (set?.Variable?.Name is { } n) yield return n;
        foreach (var sel in Descendants<SelectSetVariable>(s))
            if (sel.Variable?.Name is { } n) yield return n;
    }

    private static bool ReadAfter(IReadOnlyList<VariableReference> variables, ProcedureStatementBody procedure, TryCatchStatement t, string name)
    {
        int after = End(t), end = End(procedure);
        foreach (var v in variables)
            if (v.StartOffset >= after && v.StartOffset < end && SameName(v.Name, name)) return true;
        return false;
    }

    /// <summary>The span of `BEGIN CATCH`.</summary>
    private static (int Start, int End)? CatchKeyword(TryCatchStatement t)
    {
        var tokens = t.ScriptTokenStream;
        if (tokens is null || t.FirstTokenIndex < 0) return null;
        int from = t.TryStatements?.Statements.Count > 0 ? t.TryStatements.Statements[^1].LastTokenIndex + 1 : t.FirstTokenIndex + 2;
        for (int i = from; i <= t.LastTokenIndex; i++)
        {
            if (tokens[i].TokenType != TSqlTokenType.Begin) continue;
            int next = NextToken(tokens, i);
            if (next >= 0 && string.Equals(tokens[next].Text, "CATCH", StringComparison.OrdinalIgnoreCase))
                return (tokens[i].Offset, TokenEnd(tokens[next]));
        }
        return null;
    }

    /// <summary>
    /// Adds `THROW;` on its own line at the end of the CATCH block (before a final RETURN, which would make
    /// it unreachable), ending the previous statement with ';' as THROW requires.
    /// </summary>
    private static Fix? ThrowFix(RuleContext context, TryCatchStatement t)
    {
        var tokens = t.ScriptTokenStream;
        if (tokens is null) return null;
        var text = context.Document.Text;
        var statements = t.CatchStatements?.Statements ?? (IList<TSqlStatement>)Array.Empty<TSqlStatement>();
        int count = statements.Count;
        if (count > 0 && statements[^1] is ReturnStatement) count--;

        // Where the new line goes: the start of the final RETURN's line, else of END CATCH's line.
        int anchor;
        string? anchorIndent;
        if (count < statements.Count)
        {
            anchor = statements[^1].StartOffset;
        }
        else
        {
            int end = PreviousToken(tokens, t.LastTokenIndex); // END of END CATCH
            if (end < 0 || tokens[end].TokenType != TSqlTokenType.End) return null;
            anchor = tokens[end].Offset;
        }
        anchorIndent = Indentation(text, anchor);
        if (anchorIndent is null) return null; // shares its line with other code: leave the layout to the user

        var edits = new List<TextEdit>();
        string indent;
        if (count > 0)
        {
            var last = statements[count - 1];
            indent = Indentation(text, last.StartOffset) ?? anchorIndent;
            int lastToken = last.LastTokenIndex;
            bool terminated = tokens[lastToken].TokenType == TSqlTokenType.Semicolon ||
                              (NextToken(tokens, lastToken) is var n && n >= 0 && tokens[n].TokenType == TSqlTokenType.Semicolon);
            if (!terminated) edits.Add(context.InsertAfter(last, ";"));
        }
        else indent = count < statements.Count ? anchorIndent : anchorIndent + "    ";
        int lineStart = anchor - anchorIndent.Length;
        edits.Add(context.Replace(lineStart, lineStart, indent + "THROW;" + NewLine(text)));
        return context.Fix("Re-raise the error with THROW at the end of the CATCH block", edits.ToArray());
    }
}
