using EtlAgent.Core.Model;
using EtlAgent.Core.Syntax;
using Microsoft.SqlServer.TransactSql.ScriptDom;
using static EtlAgent.Core.Rules.SyntaxRuleHelpers;

namespace EtlAgent.Core.Rules.Correctness;

/// <summary>
/// Without XACT_ABORT ON most run-time errors end only the failing statement: the transaction
/// stays open and half-applied, and the following statements run and may COMMIT it.
/// </summary>
public sealed class TransactionWithoutXactAbortRule : Rule
{
    public override RuleDescriptor Descriptor { get; } = new(
        "ETL0014", "transaction-without-xact-abort", "Transaction without SET XACT_ABORT ON or TRY/CATCH rollback", Severity.Warning, "Correctness",
        new RuleDoc(
            "With XACT_ABORT OFF (the default), a constraint violation, conversion error or deadlock victim in the middle of a transaction aborts only that statement: the statements after it still run, the COMMIT commits a half-done load, and a client timeout leaves the transaction open holding its locks. " +
            "Put SET XACT_ABORT ON before BEGIN TRANSACTION (in the same procedure or trigger; in a script, anywhere earlier in the script, since the setting lasts for the session) so any error rolls the whole transaction back, or run the transaction in BEGIN TRY with a CATCH block that rolls back (in a procedure or trigger, a BEGIN TRANSACTION written just before such a BEGIN TRY counts too: nothing runs between them). XACT_ABORT ON is still advisable with TRY/CATCH, because an attention (timeout) cannot be caught. " +
            "A transaction of a procedure or trigger that changes data with one statement before its COMMIT (one INSERT, UPDATE, DELETE, MERGE, TRUNCATE or SELECT INTO, not in a loop; the rest reads, variables, IF blocks, PRINT, RAISERROR) is not reported: a statement error undoes that statement whole, so the COMMIT has nothing half-done to commit. A procedure call, dynamic SQL or a cursor inside it, a RETURN, GOTO or THROW that can leave before the COMMIT, or a TRY around it whose CATCH does not roll back, keeps the warning. " +
            "The fix inserts `SET XACT_ABORT ON;` on its own line, with the same indentation, before the BEGIN TRANSACTION (before the IF or WHILE when the transaction is its single-statement body); one insertion covers the later transactions it runs before.",
            Bad: "CREATE PROCEDURE Etl.LoadFactSales AS\nBEGIN\n    BEGIN TRANSACTION;\n    DELETE FROM Fact.Sales WHERE [Load Date] = CAST(SYSDATETIME() AS date);\n    INSERT INTO Fact.Sales ([Order ID], Amount, [Load Date])\n    SELECT [Order ID], Amount, CAST(SYSDATETIME() AS date) FROM Staging.Orders;\n    COMMIT TRANSACTION;\nEND",
            Good: "CREATE PROCEDURE Etl.LoadFactSales AS\nBEGIN\n    SET XACT_ABORT ON;\n    BEGIN TRANSACTION;\n    DELETE FROM Fact.Sales WHERE [Load Date] = CAST(SYSDATETIME() AS date);\n    INSERT INTO Fact.Sales ([Order ID], Amount, [Load Date])\n    SELECT [Order ID], Amount, CAST(SYSDATETIME() AS date) FROM Staging.Orders;\n    COMMIT TRANSACTION;\nEND"));

    public override void Check(RuleContext context)
    {
        var index = context.Index;
        var begins = index.OfType<BeginTransactionStatement>();
        if (begins.Count == 0) return;
        var flow = new Flow(index);
        var text = context.Document.Text;
        string? newLine = null;

        var uncovered = new List<(BeginTransactionStatement Begin, TSqlFragment? Module, TSqlStatement Anchor)>();
        foreach (var begin in begins)
        {
            var module = flow.Modules.Innermost(begin);
            if (flow.XactAbortOnBefore(module, begin) || flow.InTryThatRollsBack(begin) ||
                (module is not null && (flow.RightBeforeTryThatRollsBack(begin, text) || flow.OneChangeThenCommit(module, begin)))) continue;
            uncovered.Add((begin, module, flow.Anchor(begin)));
        }
        if (uncovered.Count == 0) return;

        // One insertion per group: a SET placed before an earlier anchor that runs on every path to a later
        // transaction covers it too (outermost anchors first, so an IF-level insertion wins over one inside it).
        var chosen = new List<(BeginTransactionStatement Begin, TSqlFragment? Module, TSqlStatement Anchor)>();
        var coveredBy = new Dictionary<BeginTransactionStatement, BeginTransactionStatement>(ReferenceEqualityComparer.Instance);
        foreach (var u in uncovered.OrderBy(u => u.Anchor.StartOffset))
        {
            var by = chosen.FirstOrDefault(c => ReferenceEquals(c.Module, u.Module) && flow.Dominates(c.Anchor, u.Begin));
            if (by.Begin is null) chosen.Add(u);
            else coveredBy[u.Begin] = by.Begin;
        }

        foreach (var (begin, _, anchor) in uncovered)
        {
            Fix[]? fixes = null;
            IReadOnlyList<RelatedLocation>? related = null;
            if (coveredBy.TryGetValue(begin, out var other))
            {
                related = new[] { context.Related(context.Document.LocationOf(other), "the SET XACT_ABORT ON offered for this transaction covers both") };
            }
            else
            {
                var indent = Indentation(text, anchor.StartOffset);
                var insert = indent is null ? "SET XACT_ABORT ON; " : "SET XACT_ABORT ON;" + (newLine ??= NewLine(text)) + indent;
                fixes = new[] { context.Fix("Insert SET XACT_ABORT ON before BEGIN TRANSACTION", context.InsertBefore(anchor, insert)) };
            }
            context.Report(begin,
                "BEGIN TRANSACTION without SET XACT_ABORT ON or a TRY/CATCH that rolls back: a run-time error aborts only the failing statement, the rest of the transaction runs on and may commit a half-done load. Add SET XACT_ABORT ON before it." +
                (fixes is null ? " (The fix on the related transaction covers this one.)" : ""),
                fixes, related);
        }
    }

    /// <summary>The control-flow structure the rule needs, computed once per document from the index.</summary>
    private sealed class Flow
    {
        private readonly SpanTree<TSqlStatement> _compounds;
        private readonly List<PredicateSetStatement> _xactAbort;
        private readonly List<(int Start, int End)> _protectedTries = new();
        private readonly List<int> _protectedTryStarts = new();
        private readonly SyntaxIndex _index;
        private Dictionary<TSqlStatement, TSqlStatement>? _singleStatementParent;

        public Flow(SyntaxIndex index)
        {
            _index = index;
            Modules = new SpanTree<TSqlFragment>(index.OfType<ProcedureStatementBody>().Concat<TSqlFragment>(index.OfType<TriggerStatementBody>()));
            _compounds = new SpanTree<TSqlStatement>(index.OfType<IfStatement>().Concat<TSqlStatement>(index.OfType<WhileStatement>())
                .Concat(index.OfType<BeginEndBlockStatement>()).Concat(index.OfType<TryCatchStatement>()));

            _xactAbort = index.OfType<PredicateSetStatement>().Where(s => s.Options.HasFlag(SetOptions.XactAbort)).ToList();

            var rollbacks = index.OfType<RollbackTransactionStatement>();
            foreach (var t in index.OfType<TryCatchStatement>())
            {
                var tryPart = t.TryStatements?.Statements;
                var catchPart = t.CatchStatements?.Statements;
                if (tryPart is not { Count: > 0 } || catchPart is not { Count: > 0 }) continue;
                int catchStart = catchPart[0].StartOffset;
                if (catchStart < 0 || !AnyWithin(rollbacks, t, r => r.StartOffset >= catchStart)) continue;
                _protectedTries.Add((tryPart[0].StartOffset, End(tryPart[^1])));
                _protectedTryStarts.Add(t.StartOffset);
            }
        }

        public SpanTree<TSqlFragment> Modules { get; }

        /// <summary>
        /// Whether a statement at <paramref name="at"/> runs on every path to <paramref name="target"/>: it comes first, and
        /// every IF, WHILE, BEGIN...END or TRY/CATCH around it also contains the target (structured T-SQL, GOTO ignored).
        /// Those blocks nest, so checking the innermost one is enough. A compound <paramref name="at"/> itself is not
        /// counted: it stands for a SET inserted just before it, outside it.
        /// </summary>
        public bool Dominates(TSqlStatement at, TSqlFragment target)
        {
            if (at.StartOffset >= target.StartOffset) return false;
            var around = _compounds.Innermost(at); // never `at` itself
            return around is null || Contains(around, target);
        }

        /// <summary>
        /// The last XACT_ABORT setting that runs on every path before <paramref name="begin"/> is ON. Inside a procedure or
        /// trigger only its own statements count (the setting reverts when it returns); in a script, every earlier
        /// statement outside procedures counts, in any batch, since the setting lasts for the session.
        /// </summary>
        public bool XactAbortOnBefore(TSqlFragment? module, TSqlFragment begin)
        {
            bool? on = null;
            for (int i = module is null ? 0 : LowerBound(_xactAbort, module.StartOffset); i < _xactAbort.Count; i++)
            {
                var s = _xactAbort[i];
                if (s.StartOffset >= begin.StartOffset) break;
                if (module is not null ? !Contains(module, s) : Modules.Innermost(s) is not null) continue;
                if (Dominates(s, begin)) on = s.IsOn;
            }
            return on == true;
        }

        /// <summary>Inside the TRY part of a TRY/CATCH whose CATCH rolls back.</summary>
        public bool InTryThatRollsBack(TSqlFragment begin)
        {
            foreach (var (start, end) in _protectedTries)
                if (begin.StartOffset >= start && End(begin) <= end) return true;
            return false;
        }

        /// <summary>
        /// `BEGIN TRANSACTION` followed directly (only blanks, semicolons or comments between) by a TRY whose CATCH
        /// rolls back: nothing runs outside the TRY while the transaction is open. Asked inside procedures and
        /// triggers only: a script may be analysed in slices, with the TRY in the next one.
        /// </summary>
        public bool RightBeforeTryThatRollsBack(TSqlFragment begin, string text)
        {
            int end = End(begin);
            foreach (var start in _protectedTryStarts)
                if (start >= end && Trivia.IsMatch(text.AsSpan(end, start - end))) return true;
            return false;
        }

        /// <summary>
        /// The transaction changes data with one statement only before the procedure's or trigger's last COMMIT after it
        /// (and before any other BEGIN TRANSACTION): one INSERT (not INSERT ... EXEC), UPDATE, DELETE, MERGE, TRUNCATE or
        /// SELECT INTO, not in a loop; everything else is reads, variables, IF/BEGIN...END/TRY blocks, PRINT, RAISERROR and
        /// the COMMIT or ROLLBACK. A statement error undoes that statement whole, so COMMIT has nothing half-done to
        /// commit. A call, dynamic SQL or a cursor (whose writes are not seen), a RETURN, GOTO or THROW (which can
        /// leave before the COMMIT with the transaction open), and a TRY around the BEGIN TRANSACTION (an error jumps
        /// to a CATCH that, not rolling back, leaves it open) keep the warning.
        /// </summary>
        public bool OneChangeThenCommit(TSqlFragment module, BeginTransactionStatement begin)
        {
            // in a TRY (whose CATCH does not roll back, or it would be covered): an error jumps past the COMMIT
            foreach (var t in _index.OfType<TryCatchStatement>())
                if (t.TryStatements is { } tryPart && Contains(tryPart, begin)) return false;
            int from = End(begin);
            int next = int.MaxValue;
            foreach (var b in _index.OfType<BeginTransactionStatement>())
                if (b.StartOffset > from && b.StartOffset < next && Contains(module, b)) next = b.StartOffset;
            int to = -1;
            foreach (var c in _index.OfType<CommitTransactionStatement>())
                if (c.StartOffset > from && c.StartOffset < next && Contains(module, c)) to = Math.Max(to, End(c));
            if (to < 0) return false; // committed elsewhere (by a caller, in a later batch): what else runs in it is not seen

            TSqlStatement? change = null;
            foreach (var s in _index.OfType<TSqlStatement>())
            {
                if (s.StartOffset <= from || s.StartOffset >= to || !Contains(module, s)) continue;
                switch (s)
                {
                    case BeginEndBlockStatement or IfStatement or TryCatchStatement or WhileStatement:
                    case SelectStatement { Into: null }:
                    case SetVariableStatement or DeclareVariableStatement or DeclareTableVariableStatement or PrintStatement or RaiseErrorStatement:
                    case PredicateSetStatement or CommitTransactionStatement or RollbackTransactionStatement:
                        continue;
                    case InsertStatement { InsertSpecification.InsertSource: not ExecuteInsertSource }:
                    case UpdateStatement or DeleteStatement or MergeStatement or TruncateTableStatement or SelectStatement:
                        if (change is not null) return false;
                        change = s;
                        continue;
                    default:
                        return false;
                }
            }
            if (change is null) return false; // nothing changed here: not this rule's concern to judge
            foreach (var w in _index.OfType<WhileStatement>())
                if (w.StartOffset > from && Contains(w, change)) return false;
            return true;
        }

        private static readonly System.Text.RegularExpressions.Regex Trivia =
            new(@"^(?:\s|;|--[^\n]*(?:\n|$)|/\*(?:(?!\*/)[\s\S])*\*/)*$", System.Text.RegularExpressions.RegexOptions.CultureInvariant);

        /// <summary>
        /// Where to insert: before the BEGIN TRANSACTION, or before the IF/WHILE whose single-statement body it is
        /// (inserting between `IF @x = 1` and its statement would change what the IF controls).
        /// </summary>
        public TSqlStatement Anchor(TSqlStatement statement)
        {
            if (_singleStatementParent is null)
            {
                _singleStatementParent = new Dictionary<TSqlStatement, TSqlStatement>(ReferenceEqualityComparer.Instance);
                foreach (var i in _index.OfType<IfStatement>())
                {
                    if (i.ThenStatement is not null) _singleStatementParent[i.ThenStatement] = i;
                    if (i.ElseStatement is not null) _singleStatementParent[i.ElseStatement] = i;
                }
                foreach (var w in _index.OfType<WhileStatement>())
                    if (w.Statement is not null) _singleStatementParent[w.Statement] = w;
            }
            while (_singleStatementParent.TryGetValue(statement, out var parent)) statement = parent;
            return statement;
        }
    }
}
