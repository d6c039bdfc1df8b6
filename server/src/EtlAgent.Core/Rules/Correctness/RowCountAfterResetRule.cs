using EtlAgent.Core.Model;
using Microsoft.SqlServer.TransactSql.ScriptDom;
using static EtlAgent.Core.Rules.SyntaxRuleHelpers;

namespace EtlAgent.Core.Rules.Correctness;

/// <summary>
/// @@ROWCOUNT and @@ERROR describe the statement just executed. Read after a COMMIT, a PRINT or a
/// variable assignment, they describe that statement: the load logs 0 or 1 rows, or no error.
/// </summary>
public sealed class RowCountAfterResetRule : Rule
{
    public override RuleDescriptor Descriptor { get; } = new(
        "ETL0020", "rowcount-read-after-reset", "@@ROWCOUNT or @@ERROR read after a statement that resets it", Severity.Warning, "Correctness",
        new RuleDoc(
            "@@ROWCOUNT and @@ERROR are set by every statement. COMMIT TRANSACTION, BEGIN TRANSACTION, PRINT, RAISERROR, USE and SET options reset @@ROWCOUNT to 0, and an assignment (`SET @step = 'x'`, `SELECT @a = 1`) sets it to 1; each of them clears @@ERROR. " +
            "So `COMMIT TRANSACTION; SET @rows = @@ROWCOUNT;` always logs 0 rows, `SET @rows = @@ROWCOUNT; SET @err = @@ERROR;` never sees an error, and a load audit built on them reports numbers unrelated to the load. " +
            "The rule fires when the statement right before the one that reads @@ROWCOUNT or @@ERROR (in the same block) is such a statement, " +
            "unless there is nothing to count: only such statements precede the read in its block (a start marker logged at the top of a TRY), or the statement before them neither writes nor reads rows (a declaration, a cursor's CLOSE or DEALLOCATE; an EXEC may, and is still reported), or they start a new step (an assignment) after a log row (`INSERT INTO log VALUES (..., @rows); COMMIT; SET @step = 'Complete';`, an end marker, or a step that is itself an assignment, `SET @total = (SELECT COUNT(*) ...)`, whose count of 1 is the one meant). " +
            "Read both values in one statement straight after the statement they describe (`SELECT @rows = @@ROWCOUNT, @err = @@ERROR;`). " +
            "When the statement before the reset is an INSERT, UPDATE, DELETE, MERGE or SELECT, the fix moves the read above the resetting statement.",
            Bad: "CREATE PROCEDURE Etl.LoadFactSales AS\nBEGIN\n    DECLARE @rows int;\n    BEGIN TRANSACTION;\n    INSERT INTO Fact.Sales ([Order ID], Amount) SELECT [Order ID], Amount FROM Staging.Orders;\n    COMMIT TRANSACTION;\n    SET @rows = @@ROWCOUNT;\n    INSERT INTO Etl.LoadLog (Step, [Rows]) VALUES (N'Fact.Sales', @rows);\nEND",
            Good: "CREATE PROCEDURE Etl.LoadFactSales AS\nBEGIN\n    DECLARE @rows int;\n    BEGIN TRANSACTION;\n    INSERT INTO Fact.Sales ([Order ID], Amount) SELECT [Order ID], Amount FROM Staging.Orders;\n    SET @rows = @@ROWCOUNT;\n    COMMIT TRANSACTION;\n    INSERT INTO Etl.LoadLog (Step, [Rows]) VALUES (N'Fact.Sales', @rows);\nEND"));

    public override void Check(RuleContext context)
    {
        var index = context.Index;
        var reads = index.OfType<GlobalVariableExpression>().Where(g => IsTracked(g.Name)).ToList();
        if (reads.Count == 0) return;
        var statements = new SpanTree<TSqlStatement>(index.OfType<TSqlStatement>());
        var reported = new HashSet<TSqlStatement>(ReferenceEqualityComparer.Instance);

        foreach (var list in index.OfType<StatementList>())
        {
            var items = list.Statements;
            for (int k = 1; k < items.Count; k++)
            {
                var reader = items[k];
                if (reported.Contains(reader)) continue;
                // Only reads that belong to the statement itself (an IF's condition, not its body).
                var own = reads.FirstOrDefault(g => Contains(reader, g) && ReferenceEquals(statements.Innermost(g), reader));
                if (own is null || Resets(items[k - 1]) is not { } what) continue;
                if (NothingToCount(items, k)) continue;
                reported.Add(reader);

                var name = own.Name.ToUpperInvariant();
                var value = name == "@@ERROR" ? "0 (no error)" : what.Value;
                var fix = MergeFix(context, items[k - 1], reader) ??
                          (k >= 2 && IsLoadStatement(items[k - 2]) && !ReadsTracked(items[k - 1], reads) && !SharesVariables(items[k - 1], reader)
                              ? SwapFix(context, items[k - 1], reader) : null);
                context.Report(own,
                    $"{name} is read right after {what.Statement}, which {(name == "@@ERROR" ? "clears it" : $"sets it to {what.Value}")}: the value is {value}, not that of the statement before. " +
                    "Read @@ROWCOUNT and @@ERROR together in one statement directly after the statement they describe.",
                    fix is null ? null : new[] { fix });
            }
        }
    }

    /// <summary>
    /// A marker read with no statement to count: only resetting statements precede it in its block (a step
    /// logged at the start of a TRY), or the statement before them is one no count is taken of (a declaration,
    /// a cursor's CLOSE/DEALLOCATE: nothing that writes or reads rows), or it is a log row
    /// (`INSERT INTO log VALUES (..., @rows)`) followed by a new step's assignments. The value logged is a
    /// placeholder, or the count of the assignment that is itself the step; no load's count is lost.
    /// </summary>
    private static bool NothingToCount(IList<TSqlStatement> items, int reader)
    {
        int j = reader - 1;
        bool assigned = false;
        for (; j >= 0 && Resets(items[j]) is not null; j--) assigned |= items[j] is SetVariableStatement;
        if (j < 0 || !CouldBeCounted(items[j])) return true;
        // the log row, then a new step's assignments (`SET @step = 'Complete'`): the new step has run nothing yet.
        // Straight after the log row and a COMMIT, the read still stands for the step before, and logs 0 for it.
        return assigned && items[j] is InsertStatement { InsertSpecification.InsertSource: ValuesInsertSource };
    }

    /// <summary>
    /// Whether a statement (or one inside it, such as an IF's body) sets @@ROWCOUNT to a number of rows a log
    /// means to record: a write, a query with a FROM clause or an EXEC whose code is not seen here.
    /// </summary>
    private static bool CouldBeCounted(TSqlStatement s) =>
        Descendants<TSqlStatement>(s).Any(d => d is InsertStatement or UpdateStatement or DeleteStatement or MergeStatement
            or ExecuteStatement or BulkInsertStatement or InsertBulkStatement ||
            d is SelectStatement { QueryExpression: not QuerySpecification { FromClause: null } });

    private static bool IsTracked(string? name) =>
        string.Equals(name, "@@ROWCOUNT", StringComparison.OrdinalIgnoreCase) || string.Equals(name, "@@ERROR", StringComparison.OrdinalIgnoreCase);

    /// <summary>The statements that set @@ROWCOUNT to a constant (documented for SQL Server), with that constant.</summary>
    private static (string Statement, string Value)? Resets(TSqlStatement s) => s switch
    {
        CommitTransactionStatement => ("COMMIT TRANSACTION", "0"),
        BeginTransactionStatement => ("BEGIN TRANSACTION", "0"),
        PrintStatement => ("PRINT", "0"),
        RaiseErrorStatement => ("RAISERROR", "0"),
        UseStatement => ("USE", "0"),
        PredicateSetStatement or SetOnOffStatement => ("a SET option", "0"),
        SetVariableStatement => ("an assignment (SET @variable)", "1"),
        SelectStatement { QueryExpression: QuerySpecification { FromClause: null } q } when q.SelectElements.All(e => e is SelectSetVariable)
            => ("an assignment (SELECT @variable = ...)", "1"),
        _ => null,
    };

    private static bool IsLoadStatement(TSqlStatement s) =>
        s is InsertStatement or UpdateStatement or DeleteStatement or MergeStatement ||
        s is SelectStatement { QueryExpression: QuerySpecification { FromClause: not null } };

    private static bool ReadsTracked(TSqlStatement s, List<GlobalVariableExpression> reads) => reads.Any(g => Contains(s, g));

    /// <summary>`SET @rows = @@ROWCOUNT; SET @err = @@ERROR;` → `SELECT @rows = @@ROWCOUNT, @err = @@ERROR;`: one statement reads both.</summary>
    private static Fix? MergeFix(RuleContext context, TSqlStatement reset, TSqlStatement reader)
    {
        if (reset is not SetVariableStatement { Expression: GlobalVariableExpression first, AssignmentKind: AssignmentKind.Equals } a || !IsTracked(first.Name) ||
            reader is not SetVariableStatement { Expression: GlobalVariableExpression second, AssignmentKind: AssignmentKind.Equals } b || !IsTracked(second.Name) ||
            a.Variable is null || b.Variable is null || SameName(first.Name, second.Name)) return null;
        return context.Fix("Read both in one SELECT",
            context.Replace(reset.StartOffset, End(reader),
                $"SELECT {context.TextOf(a.Variable)} = {context.TextOf(first)}, {context.TextOf(b.Variable)} = {context.TextOf(second)};"));
    }

    /// <summary>Moving the read above would change what it reads when the resetting statement assigns a variable the read uses.</summary>
    private static bool SharesVariables(TSqlStatement reset, TSqlStatement reader)
    {
        var assigned = Descendants<SetVariableStatement>(reset).Select(v => v.Variable?.Name)
            .Concat(Descendants<SelectSetVariable>(reset).Select(v => v.Variable?.Name)).Where(n => n is not null).ToList();
        return Descendants<VariableReference>(reader).Any(v => assigned.Any(a => SameName(a, v.Name)));
    }

    /// <summary>Swaps the two statements' texts, each keeping its own terminator; both must start their lines.</summary>
    private static Fix? SwapFix(RuleContext context, TSqlStatement reset, TSqlStatement reader)
    {
        var text = context.Document.Text;
        if (Indentation(text, reset.StartOffset) is null || Indentation(text, reader.StartOffset) is null) return null;
        return context.Fix("Read it before " + context.TextOf(reset).TrimEnd(';').Trim(),
            context.Replace(reset, context.TextOf(reader)),
            context.Replace(reader, context.TextOf(reset)));
    }
}
