using System.Text.RegularExpressions;
using EtlAgent.Core.Sandbox;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace EtlAgent.Core.Analysis;

/// <summary>
/// Names the kind of fault from the evidence: the error the call raised, the edit that turns the
/// case green (or the change since the base version), the statement it sits in and what the failing
/// case shows (rows lost, added, duplicated, values changed). Rules in order of how specific they are.
/// </summary>
public static class BugClassifier
{
    private static readonly HashSet<int> ConversionErrors = new() { 220, 232, 241, 242, 245, 248, 8114, 8115, 8152, 2628, 517, 8134 };

    public static string Classify(FailureShape shape, TSqlStatement? statement, string statementText, SuspectEdit? edit)
    {
        if (shape.Error is { } e)
        {
            if (e.Number is 8672 or 2627 or 2601) return BugClass.DuplicateKey;
            if (ConversionErrors.Contains(e.Number)) return BugClass.TruncationOverflowConversion;
            // NULL into a NOT NULL key of a fact: a lookup that missed has no unknown-member fallback
            if (e.Number == 515 && edit is null)
                return shape.DifferingColumns.Any(c => c.EndsWith("Key", StringComparison.OrdinalIgnoreCase)) && statement is InsertStatement or MergeStatement
                    ? BugClass.MissingUnknownMember : BugClass.NullPropagation;
        }
        if (edit is null) return ByShape(shape, statement, statementText);

        var before = edit.Original;   // the text the code has now
        var after = edit.Replacement; // the text that makes the case pass
        var op = edit.Operator;
        var both = before + " " + after;

        if (Scd2Statement(statementText) && (statement is UpdateStatement || op.Contains("statement", StringComparison.OrdinalIgnoreCase) || ScdColumn(both)))
            return BugClass.Scd2Window;
        // an inverse edit says what it puts back, so its class is known by construction; read from the text instead, the
        // conversion a restored fallback wraps (ISNULL(CONVERT(…), v)) would read as a conversion fault
        if (ByInverseEdit(op, after) is { } restored) return restored;
        if (Regex.IsMatch(both, @"NEWID\s*\(|GETDATE\s*\(|SYSDATETIME\s*\(|\bTOP\b", RegexOptions.IgnoreCase)
            && !Regex.IsMatch(before, @"^\s*[<>=!]+\s*$"))
            return BugClass.Nondeterminism;
        // a sort turned round picks another version of a row: a wrong value, not an unstable one
        if (Regex.IsMatch(before + " " + after, @"\b(DESC|ASC)\s*$", RegexOptions.IgnoreCase) && Regex.Replace(before, @"\s*\b(ASC|DESC)\s*$", "", RegexOptions.IgnoreCase) == Regex.Replace(after, @"\s*\b(ASC|DESC)\s*$", "", RegexOptions.IgnoreCase))
            return BugClass.WrongValue;
        if (Regex.IsMatch(both, @"(^|[^0-9])-1([^0-9]|$)|'Unknown'|N'Unknown'", RegexOptions.IgnoreCase) && Regex.IsMatch(both, @"ISNULL|COALESCE|-1", RegexOptions.IgnoreCase)
            && Regex.IsMatch(statementText, @"Key\]?", RegexOptions.IgnoreCase))
            return BugClass.MissingUnknownMember;
        if (InDataType(statement, edit)) return BugClass.TruncationOverflowConversion;
        if (Regex.IsMatch(both, @"\b(CONVERT|CAST|TRY_CONVERT|TRY_CAST|LEFT|SUBSTRING|ROUND)\s*\(|\(\s*\d+\s*(,\s*\d+\s*)?\)", RegexOptions.IgnoreCase)
            && !IsComparisonToken(before) && !IsComparisonToken(after))
            return BugClass.TruncationOverflowConversion;
        if (Regex.IsMatch(both, @"\b(SUM|MAX|MIN|AVG|COUNT|COUNT_BIG)\s*\(", RegexOptions.IgnoreCase) && Regex.IsMatch(op, "aggregate|DISTINCT", RegexOptions.IgnoreCase)
            || AggregateSwap(before, after))
            return BugClass.WrongAggregate;
        if (Regex.IsMatch(both, @"\bIS\s+(NOT\s+)?NULL\b|\bISNULL\b|\bCOALESCE\b|\bNULLIF\b", RegexOptions.IgnoreCase) || op.Contains("fallback", StringComparison.OrdinalIgnoreCase))
            return InSelectOrSet(statement, edit) ? BugClass.NullPropagation : BugClass.NullUnsafeComparison;
        if (IsBoundary(before, after)) return BugClass.BoundaryOffByOne;
        if (op.Contains("join key", StringComparison.OrdinalIgnoreCase) || (ColumnSwap(before, after) && InJoinCondition(statement, edit)))
            return shape.Duplicated ? BugClass.FanOutJoin : BugClass.WrongJoinKey;
        if (ColumnSwap(before, after)) return BugClass.WrongColumn;
        if (Regex.IsMatch(both, @"\b(LEFT|INNER|RIGHT|FULL|CROSS)\b|\bJOIN\b", RegexOptions.IgnoreCase))
            return shape.Duplicated ? BugClass.FanOutJoin : BugClass.RowsLostOrAdded;
        if (Regex.IsMatch(op, "predicate|WHERE|AND|OR|NOT|statement|relational|DISTINCT|MERGE", RegexOptions.IgnoreCase) || IsComparisonToken(before))
            return shape.Duplicated && InJoinCondition(statement, edit) ? BugClass.FanOutJoin : BugClass.RowsLostOrAdded;
        return ByShape(shape, statement, statementText);
    }

    /// <summary>
    /// The class of an inverse edit (<see cref="InverseEdits"/>): a fallback or blank guard restored is a NULL that
    /// propagated — the unknown member when the value is a dimension key falling back to 0 or -1; a role column's
    /// fallback likewise; a value column named like its target is a wrong column; a widened conversion a truncation.
    /// A join key matched by name is left to the rules below (its shape tells a fan-out from a wrong key).
    /// </summary>
    private static string? ByInverseEdit(string op, string after) => op switch
    {
        InverseEdits.FallbackRestored or InverseEdits.BlankGuardRestored =>
            Regex.IsMatch(after, @"Key\]?\s*\)*\s*,\s*(0|-1)\s*\)\s*$", RegexOptions.IgnoreCase) ? BugClass.MissingUnknownMember : BugClass.NullPropagation,
        InverseEdits.RoleFallback => BugClass.NullPropagation,
        InverseEdits.ValueByTargetName => BugClass.WrongColumn,
        InverseEdits.ConversionWidened => BugClass.TruncationOverflowConversion,
        _ => null,
    };

    /// <summary>Without an edit: what the failure and the statement show.</summary>
    private static string ByShape(FailureShape shape, TSqlStatement? statement, string statementText)
    {
        if (shape.Duplicated && Regex.IsMatch(statementText, @"\bJOIN\b", RegexOptions.IgnoreCase)) return BugClass.FanOutJoin;
        if (Scd2Statement(statementText) && statement is UpdateStatement) return BugClass.Scd2Window;
        if (shape.Missing > 0 && shape.Unexpected > 0 && shape.DifferingColumns.Count > 0) return BugClass.WrongValue;
        if (shape.Missing != shape.Unexpected) return BugClass.RowsLostOrAdded;
        return BugClass.WrongValue;
    }

    private static bool Scd2Statement(string text) => Regex.IsMatch(text, @"Valid\s*To|ValidTo|Is\s*Current|IsCurrent|End\s*Date|EffectiveTo|Expiry", RegexOptions.IgnoreCase);

    private static bool ScdColumn(string text) => Regex.IsMatch(text, @"Valid\s*(To|From)|ValidTo|ValidFrom|Current|EndOfTime|Effective|Expir", RegexOptions.IgnoreCase);

    private static bool IsComparisonToken(string s) => Regex.IsMatch(s, @"^\s*(<>|!=|>=|<=|=|<|>)\s*$");

    private static bool IsBoundary(string before, string after)
    {
        var a = before.Trim(); var b = after.Trim();
        if ((a, b) is (">", ">=") or (">=", ">") or ("<", "<=") or ("<=", "<")) return true;
        if (long.TryParse(a, out var x) && long.TryParse(b, out var y) && Math.Abs(x - y) == 1) return true;
        // DATEADD(..., n, ...) or BETWEEN bounds differing by one
        var na = Regex.Matches(a, @"-?\d+").Select(m => m.Value).ToList();
        var nb = Regex.Matches(b, @"-?\d+").Select(m => m.Value).ToList();
        return na.Count == nb.Count && na.Count > 0 && Regex.Replace(a, @"-?\d+", "#") == Regex.Replace(b, @"-?\d+", "#")
            && na.Zip(nb).Count(p => p.First != p.Second) == 1
            && na.Zip(nb).Where(p => p.First != p.Second).All(p => long.TryParse(p.First, out var u) && long.TryParse(p.Second, out var v) && Math.Abs(u - v) == 1);
    }

    private static bool AggregateSwap(string before, string after) =>
        Regex.IsMatch(before.Trim(), @"^(SUM|MAX|MIN|AVG|COUNT)$", RegexOptions.IgnoreCase) && Regex.IsMatch(after.Trim(), @"^(SUM|MAX|MIN|AVG|COUNT)$", RegexOptions.IgnoreCase);

    private static bool ColumnSwap(string before, string after)
    {
        var a = ExpressionColumns.Named(before); var b = ExpressionColumns.Named(after);
        return a.Count > 0 && b.Count > 0 && !a.SequenceEqual(b, StringComparer.OrdinalIgnoreCase)
            && Regex.Replace(before, @"\[[^\]]+\]|\.\w+", "C").Trim() == Regex.Replace(after, @"\[[^\]]+\]|\.\w+", "C").Trim();
    }

    private static bool InJoinCondition(TSqlStatement? statement, SuspectEdit edit)
    {
        if (statement is null) return false;
        var v = new JoinConditions();
        statement.Accept(v);
        return v.Conditions.Any(c => c.StartOffset <= edit.Start && edit.Start + edit.Length <= c.StartOffset + c.FragmentLength);
    }

    private static bool InSelectOrSet(TSqlStatement? statement, SuspectEdit edit)
    {
        if (statement is null) return false;
        var v = new ValueExpressions();
        statement.Accept(v);
        return v.Values.Any(c => c.StartOffset <= edit.Start && edit.Start + edit.Length <= c.StartOffset + c.FragmentLength);
    }

    /// <summary>The edit changes the type a value is converted to (a length, a precision): CONVERT, CAST and their TRY_ forms.</summary>
    private static bool InDataType(TSqlStatement? statement, SuspectEdit edit)
    {
        if (statement is null) return false;
        var v = new ConversionTypes();
        statement.Accept(v);
        return v.Types.Any(c => c.StartOffset <= edit.Start && edit.Start + edit.Length <= c.StartOffset + c.FragmentLength);
    }

    private sealed class JoinConditions : TSqlFragmentVisitor
    {
        public List<TSqlFragment> Conditions { get; } = new();
        public override void Visit(QualifiedJoin node) { if (node.SearchCondition is not null) Conditions.Add(node.SearchCondition); }
        public override void Visit(MergeSpecification node) { if (node.SearchCondition is not null) Conditions.Add(node.SearchCondition); }
    }

    private sealed class ValueExpressions : TSqlFragmentVisitor
    {
        public List<TSqlFragment> Values { get; } = new();
        public override void Visit(SelectScalarExpression node) => Values.Add(node);
        public override void Visit(AssignmentSetClause node) { if (node.NewValue is not null) Values.Add(node.NewValue); }
        public override void Visit(RowValue node) => Values.Add(node);
    }
}
