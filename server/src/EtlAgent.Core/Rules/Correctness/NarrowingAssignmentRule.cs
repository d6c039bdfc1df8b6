using EtlAgent.Core.Model;
using Microsoft.SqlServer.TransactSql.ScriptDom;
using static EtlAgent.Core.Rules.CatalogRuleHelpers;

namespace EtlAgent.Core.Rules.Correctness;

/// <summary>
/// A value written to a column whose type is narrower than the value's known type: strings cut or
/// stripped of Unicode, numbers overflowing or rounded, date/times losing their time or precision.
/// </summary>
public sealed class NarrowingAssignmentRule : Rule
{
    public override RuleDescriptor Descriptor { get; } = new(
        "ETL0005", "narrowing-assignment", "Value wider than its target column", Severity.Warning, "Correctness",
        new RuleDoc(
            "An INSERT, UPDATE or MERGE writes a value whose type is wider than the target column: a longer string (the load fails with 'String or binary data would be truncated', error 2628), Unicode text into a varchar column (characters outside the code page become '?'), a wider integer or decimal (arithmetic overflow, error 8115, or rounding), or a date/time the column cannot keep (the time of day, the date or the time zone offset dropped; a datetime2 into datetime, which only rounds to 1/300 s and fails loudly on the rare date before 1753, and fewer fractional digits of a datetime2 or time, which only round, are not reported). It works on today's data and breaks, or silently loses data, on tomorrow's. Widen the column, or make the conversion explicit (CAST, LEFT, ROUND) once you have decided what must happen to values that do not fit. Constants are checked by value (non-ASCII text in a varchar column is kept when the database project's DefaultCollation has a code page for it), and expressions whose type is not known are not reported; neither are row numbers and ranks written to an int column, nor text whose every part is known to fit: literals, the hex digits CONVERT gives a binary value or HASHBYTES with style 1 or 2 (ASCII in an nvarchar, also through a CTE's column), the procedure's own name (OBJECT_NAME(@@PROCID), in a variable set once) ERROR_MESSAGE() (at most 2,048 characters) in the CATCH block that read it, and an integer (a literal, @@ROWCOUNT, an int or bigint parameter or variable) CAST to text, which prints at most its digits and sign, and a column the query keeps only where it equals a text column of another table (an INNER JOIN or WHERE equality with `lu.Name varchar(50)`: at most 50 characters but for trailing blanks, which SQL Server truncates without an error; a LEFT JOIN's ON bounds nothing), and a column copied as it is (also through a view) whose table has a CHECK listing every value it allows (`CHECK ([Priority]='Low' OR [Priority]='High')`, `[Queue] IN ('001', 'Agent001')`): the longest listed value is what must fit; a CASE or IIF whose every result is 0, 1, NULL or a bit value fits a bit column, and one whose every result is an integer literal that fits, or NULL, fits an integer column (both also through a CTE's column); a CASE, IIF or COALESCE fits when each branch does on its own (NULL, a literal that fits, text known to fit, or the written column itself: `ELSE tgt.DeletedBy` keeps the value the column holds), whatever type its widest branch gives the whole. Unicode text into a varchar column at least as long (nothing can fail, only characters outside the code page are lost: codes, identifiers and most names are ASCII and lose nothing) is information, not a warning. A statement that writes several such values gets one finding, on the first, listing the columns (each value and what it loses is a related location). There is no automatic fix: the right one is a design decision.",
            Bad: "CREATE PROCEDURE Etl.LoadCustomer AS\nBEGIN\n    INSERT INTO Dim.Customer (CustomerCode, [Customer Name], [Credit Limit], [Valid From])\n    SELECT s.CustomerCode, s.[Customer Name], s.CreditLimit, s.ModifiedAt\n    FROM Staging.Customer AS s;\nEND",
            Good: "CREATE PROCEDURE Etl.LoadCustomer AS\nBEGIN\n    INSERT INTO Dim.Customer (CustomerCode, [Customer Name], [Credit Limit], [Valid From])\n    SELECT s.CustomerCode, CAST(LEFT(s.[Customer Name], 50) AS nvarchar(50)), ROUND(s.CreditLimit, 2), CAST(s.ModifiedAt AS date)\n    FROM Staging.Customer AS s;\nEND",
            Schema: "CREATE TABLE Dim.Customer ([Customer Key] int IDENTITY NOT NULL PRIMARY KEY, CustomerCode nvarchar(20) NOT NULL, [Customer Name] nvarchar(50) NOT NULL, [Credit Limit] decimal(18,2) NULL, [Valid From] date NOT NULL);\nCREATE TABLE Staging.Customer (CustomerCode nvarchar(20) NOT NULL, [Customer Name] nvarchar(200) NOT NULL, CreditLimit decimal(18,4) NULL, ModifiedAt datetime2(7) NOT NULL);"));

    public override void Check(RuleContext context)
    {
        HashSet<(int, string)>? seen = null;
        foreach (var t in context.Transformations)
        {
            // One finding per statement: a load whose staging columns are all wider than the target is one
            // decision (widen the columns or convert), not one per column. It sits on the first such value
            // and lists the others.
            foreach (var statement in t.Assignments.GroupBy(a => a.Statement))
            {
                var values = new List<Narrowing>();
                foreach (var a in statement)
                    if (Narrows(context, t, a) is { } n && (seen ??= new()).Add((n.At.StartOffset, n.Column.Name))) values.Add(n);
                Report(context, values);
            }
        }
    }

    /// <param name="CodePageOnly">Unicode text into a non-Unicode column at least as long: nothing can fail, only characters outside the code page are lost.</param>
    private sealed record Narrowing(Lineage.ColumnAssignment A, ColumnDef Column, TSqlFragment At, string What, string Loss, bool CodePageOnly = false);

    private static Narrowing? Narrows(RuleContext context, Lineage.TransformationAnalysis t, Lineage.ColumnAssignment a)
    {
        if (a.TargetColumn is not { } column || a.Origin.Type is not { } source) return null;
        if (a.Statement is not (InsertStatement or UpdateStatement or MergeStatement)) return null;
        if (column.IsGenerated) return null;

        string? loss;
        if (a.Origin.Kind == MappingKind.Constant)
        {
            // A literal is judged by its value: 0 fits a bit, N'Unknown' fits a varchar(20).
            if (AsLiteral(a.Source, out bool negative) is not { } literal) return null;
            if (ConstantFits(literal, negative, column.Type) != false) return null;
            if (literal is StringLiteral kept && KeptByCollation(context, column, kept.Value)) return null;
            loss = literal is StringLiteral text
                ? text.Value.Length > (column.Type.EffectiveLength is int n && n != SqlType.Max ? n : int.MaxValue)
                    ? $"it is {text.Value.Length} characters long, so the statement fails with 'String or binary data would be truncated' (error 2628)"
                    : "its non-ASCII characters may become '?'"
                : $"it is outside what {column.Type} holds exactly (arithmetic overflow, error 8115, or rounding)";
        }
        else
        {
            loss = Loss(source, column.Type);
            if (loss is null) return null;
            // CASE WHEN ... THEN 0 ELSE t.IsActive END: typed int, but only 0, 1 or NULL come out
            if (a.Origin.ZeroOrOne && column.Type.Name == "bit") return null;
            // CASE WHEN w BETWEEN 1 AND 4 THEN 1 ... ELSE 12 END into a tinyint (also through a CTE's column): every value fits
            if (a.Origin.IntegerRange is { } range && IntegerBounds(column.Type) is { } bounds && range.Min >= bounds.Min && range.Max <= bounds.Max) return null;
            // hex digits of a hash in an nvarchar: ASCII, so only the length can be lost
            if (a.Origin.AsciiText && source.IsString && column.Type.IsString && !Longer(source, column.Type)) return null;
            // CASE WHEN ... THEN 1 ELSE 0 END into a bit: typed int, but every value it can take fits.
            if (ResultLiterals(a.Source) is { } results && results.All(r => r.Literal is NullLiteral || ConstantFits(r.Literal, r.Negative, column.Type) == true))
                return null;
            if (FitsByValue(context, t, a.Source, source, column.Type)) return null;
            // a column whose table's CHECK lists every value it allows: the longest listed value is what must fit
            if (source.IsString && column.Type.IsString && KnownValueLength.OfCheckedColumn(context, a.Origin) is var (listed, ascii) &&
                (column.Type.EffectiveLength is not int n || n == SqlType.Max || listed <= n) && (ascii || column.Type.IsUnicode || !source.IsUnicode)) return null;
            if (EachBranchFits(context, t, a, column.Type)) return null;
        }
        var at = a.Source ?? a.Statement;
        var what = a.Origin.Kind == MappingKind.Constant
            ? $"The constant {Abbreviate(context.TextOf(at))}"
            : $"'{Abbreviate(context.TextOf(at))}' ({source})";
        bool codePageOnly = a.Origin.Kind != MappingKind.Constant && source.IsString && column.Type.IsString && source.IsUnicode && !column.Type.IsUnicode && !Longer(source, column.Type);
        return new Narrowing(a, column, at, what, loss, codePageOnly);
    }

    /// <summary>
    /// Non-ASCII text that fits the column's length, in a varchar column of a database whose collation (the
    /// project's DefaultCollation) has a code page holding every character: Cyrillic text under Cyrillic_General.
    /// </summary>
    private static bool KeptByCollation(RuleContext context, ColumnDef column, string text)
    {
        if (column.Type.EffectiveLength is int n && n != SqlType.Max && text.Length > n) return false;
        if (column.Location is null || context.Projects.CollationOf(column.Location.File) is not { } collation) return false;
        if (collation.Contains("_UTF8", StringComparison.OrdinalIgnoreCase)) return true;
        Func<char, bool>? holds = collation switch
        {
            _ when collation.StartsWith("Cyrillic_", StringComparison.OrdinalIgnoreCase) => c => c is >= '\u0400' and <= '\u045F',
            _ when collation.StartsWith("Latin1_", StringComparison.OrdinalIgnoreCase) || collation.StartsWith("SQL_Latin1_", StringComparison.OrdinalIgnoreCase) => c => c is >= '\u00A0' and <= '\u00FF',
            _ when collation.StartsWith("Greek_", StringComparison.OrdinalIgnoreCase) => c => c is >= '\u0384' and <= '\u03CE',
            _ => null,
        };
        return holds is not null && text.All(c => c < 128 || holds(c));
    }

    private static void Report(RuleContext context, List<Narrowing> values)
    {
        if (values.Count == 0) return;
        values.Sort((x, y) => x.At.StartOffset.CompareTo(y.At.StartOffset));
        var first = values[0];
        if (values.All(v => v.CodePageOnly))
        {
            ReportCodePage(context, values);
            return;
        }
        if (values.Count == 1)
        {
            var related = first.Column.Location is null ? null : new[] { context.Related(first.Column.Location, $"{ColumnDisplay(first.A.Table, first.Column.Name)} is declared {first.Column.Type} here") };
            context.Report(first.At,
                $"{first.What} is written to {ColumnDisplay(first.A.Table, first.Column.Name)} ({first.Column.Type}): {first.Loss}. {Advice(first.Column.Type)}",
                related: related);
            return;
        }
        var columns = string.Join(", ", values.Select(v => $"{QuoteName(v.Column.Name)} {v.Column.Type}").Distinct(StringComparer.OrdinalIgnoreCase));
        var each = values.Select(v => context.Related(context.Document.LocationOf(v.At),
            $"{v.What} is written to {QuoteName(v.Column.Name)} ({v.Column.Type}): {v.Loss}")).ToList();
        context.Report(first.At,
            $"Values wider than their columns are written to {first.A.Table} ({columns}): each can fail the statement or lose data (the related locations say how). {Advice(first.Column.Type)}",
            related: each);
    }

    /// <summary>
    /// Unicode text into varchar columns at least as long: the statement cannot fail, and only characters outside
    /// the column's code page are lost. Codes, names and identifiers are mostly ASCII, which loses nothing, so this
    /// is information: whether the data can hold other characters is known to the user, not to the code.
    /// </summary>
    private static void ReportCodePage(RuleContext context, List<Narrowing> values)
    {
        var first = values[0];
        const string Consequence = "the statement cannot fail, but characters outside the column's code page become '?'. ASCII text (codes, identifiers, most names) loses nothing; if these values can hold other characters, make the column nvarchar, or CAST explicitly to show the loss is accepted.";
        if (values.Count == 1)
        {
            var related = first.Column.Location is null ? null : new[] { context.Related(first.Column.Location, $"{ColumnDisplay(first.A.Table, first.Column.Name)} is declared {first.Column.Type} here") };
            context.Report(first.At, $"{first.What} is written to {ColumnDisplay(first.A.Table, first.Column.Name)} ({first.Column.Type}): {Consequence}",
                Severity.Information, null, related: related);
            return;
        }
        var columns = string.Join(", ", values.Select(v => $"{QuoteName(v.Column.Name)} {v.Column.Type}").Distinct(StringComparer.OrdinalIgnoreCase));
        var each = values.Select(v => context.Related(context.Document.LocationOf(v.At), $"{v.What} is written to {QuoteName(v.Column.Name)} ({v.Column.Type})")).ToList();
        context.Report(first.At, $"Unicode text is written to varchar columns of {first.A.Table} ({columns}): {Consequence}", Severity.Information, null, related: each);
    }

    /// <summary>
    /// A value whose type is wider than what it can hold: a row number or rank (bigint, but never more
    /// than the rows of one statement) into an int, or text whose every part is known
    /// (<see cref="KnownValueLength"/>) and fits the column.
    /// </summary>
    private static bool FitsByValue(RuleContext context, Lineage.TransformationAnalysis t, TSqlFragment? value, SqlType source, SqlType target)
    {
        var e = value as ScalarExpression;
        while (e is ParenthesisExpression p) e = p.Expression;
        if (source.IsInteger && target.IsInteger && target.Name is "int" &&
            e is FunctionCall { OverClause: not null } f && f.FunctionName.Value.ToUpperInvariant() is "ROW_NUMBER" or "RANK" or "DENSE_RANK" or "NTILE")
            return true;
        if (!source.IsString || !target.IsString || KnownValueLength.Of(context, t, e) is not var (length, ascii)) return false;
        bool fits = target.EffectiveLength is not int n || n == SqlType.Max || length <= n;
        return fits && (ascii || target.IsUnicode || !source.IsUnicode);
    }

    /// <summary>
    /// A CASE, IIF or COALESCE is typed by its widest branch, but each value comes from one branch: it fits when
    /// every branch does on its own: NULL, a literal that fits, text whose every part is known to fit
    /// (<see cref="KnownValueLength"/>), or the target column itself (`ELSE tgt.DeletedBy` in an UPDATE
    /// or MERGE of that column: the value it already holds).
    /// </summary>
    private static bool EachBranchFits(RuleContext context, Lineage.TransformationAnalysis t, Lineage.ColumnAssignment a, SqlType target)
    {
        if (Branches(a.Source) is not { } branches) return false;
        foreach (var branch in branches)
        {
            var e = SyntaxRuleHelpers.Unparen(branch);
            if (e is NullLiteral) continue;
            if (AsLiteral(e, out bool negative) is { } literal)
            {
                if (ConstantFits(literal, negative, target) == true) continue;
                return false;
            }
            if (IsTargetItself(a, e)) continue;
            if (target.IsString && KnownValueLength.Of(context, t, e) is var (length, ascii) &&
                (target.EffectiveLength is not int n || n == SqlType.Max || length <= n) && (ascii || target.IsUnicode)) continue;
            return false;
        }
        return true;
    }

    private static List<ScalarExpression>? Branches(TSqlFragment? e)
    {
        while (e is ParenthesisExpression p) e = p.Expression;
        return e switch
        {
            SearchedCaseExpression c => c.WhenClauses.Select(w => w.ThenExpression).Append(c.ElseExpression ?? new NullLiteral()).ToList(),
            SimpleCaseExpression c => c.WhenClauses.Select(w => w.ThenExpression).Append(c.ElseExpression ?? new NullLiteral()).ToList(),
            IIfCall iif => new List<ScalarExpression> { iif.ThenExpression, iif.ElseExpression },
            CoalesceExpression c => c.Expressions.ToList(),
            _ => null,
        };
    }

    /// <summary>`SET tgt.Col = CASE ... ELSE tgt.Col END`: a column reference to the column the SET clause writes.</summary>
    private static bool IsTargetItself(Lineage.ColumnAssignment a, ScalarExpression e)
    {
        if (e is not ColumnReferenceExpression c || !SyntaxRuleHelpers.IsColumn(c) || a.Source is null) return false;
        if (!string.Equals(SyntaxRuleHelpers.ColumnName(c), a.Column, StringComparison.OrdinalIgnoreCase)) return false;
        var clause = SyntaxRuleHelpers.Descendants<AssignmentSetClause>(a.Statement).FirstOrDefault(s => ReferenceEquals(s.NewValue, a.Source));
        if (clause?.Column is not { } written || !string.Equals(SyntaxRuleHelpers.ColumnName(written), a.Column, StringComparison.OrdinalIgnoreCase)) return false;
        var mine = SyntaxRuleHelpers.Qualifier(c);
        var theirs = SyntaxRuleHelpers.Qualifier(written);
        return mine is null ? theirs is null : theirs is not null && SyntaxRuleHelpers.SameName(mine, theirs);
    }

    private static string Advice(SqlType target) => target switch
    {
        { IsString: true } => "Widen the column (nvarchar for Unicode text), or shorten or convert the value explicitly (LEFT, CAST) once you have decided what happens to values that do not fit.",
        { IsBinary: true } => "Widen the column, or convert the value explicitly (CAST) once you have decided what happens to values that do not fit.",
        { IsDateTime: true } => "Use a column type that keeps it, or CAST explicitly to show the loss is intended.",
        _ => "Widen the column, or convert explicitly (CAST, ROUND) once you have decided what happens to values that do not fit.",
    };

    /// <summary>What is lost storing a value of type <paramref name="s"/> in a column of type <paramref name="t"/>; null when nothing is.</summary>
    internal static string? Loss(SqlType s, SqlType t)
    {
        if (s.IsString && t.IsString) return StringLoss(s, t);
        if (IsVarBinary(s) && IsVarBinary(t))
            return Longer(s, t) ? $"values longer than {t.EffectiveLength} bytes fail with 'String or binary data would be truncated' (error 2628)" : null;
        if (s.IsInteger && t.IsInteger)
        {
            if (s.IntegerRank <= t.IntegerRank) return null;
            return t.Name == "bit" ? "every non-zero value becomes 1" : $"values outside the {t.Name} range fail with an arithmetic overflow (error 8115)";
        }
        if (s.IsExactNumeric && t.IsExactNumeric && s.Name != "bit") return NumericLoss(s, t);
        if (s.IsDateTime && t.IsDateTime) return TemporalLoss(s, t);
        return null;
    }

    private static bool IsVarBinary(SqlType t) => t.Name is "binary" or "varbinary";

    private static bool Longer(SqlType s, SqlType t)
    {
        int sl = s.EffectiveLength is int a ? (a == SqlType.Max ? int.MaxValue : a) : 0;
        int tl = t.EffectiveLength is int b ? (b == SqlType.Max ? int.MaxValue : b) : int.MaxValue;
        return sl > tl;
    }

    private static string? StringLoss(SqlType s, SqlType t)
    {
        var parts = new List<string>(2);
        if (Longer(s, t))
            parts.Add($"values longer than {t.EffectiveLength} characters fail with 'String or binary data would be truncated' (error 2628)");
        if (s.IsUnicode && !t.IsUnicode)
            parts.Add("Unicode characters outside the column's code page become '?'");
        return parts.Count == 0 ? null : string.Join("; ", parts);
    }

    private static string? NumericLoss(SqlType s, SqlType t)
    {
        if (DecimalShape(s) is not var (sp, ss)) return null;
        if (t.IsInteger)
        {
            int safe = t.Name switch { "tinyint" => 2, "smallint" => 4, "int" => 9, _ => 18 };
            var parts = new List<string>(2);
            if (ss > 0) parts.Add("the fractional part is cut off");
            if (sp - ss > safe) parts.Add($"values outside the {t.Name} range fail with an arithmetic overflow (error 8115)");
            return parts.Count == 0 ? null : string.Join("; ", parts);
        }
        if (DecimalShape(t) is not var (tp, ts)) return null;
        var losses = new List<string>(2);
        if (sp - ss > tp - ts) losses.Add($"values with more than {tp - ts} integer digits fail with an arithmetic overflow (error 8115)");
        if (ss > ts) losses.Add($"values are rounded to {ts} decimal place{(ts == 1 ? "" : "s")}");
        return losses.Count == 0 ? null : string.Join("; ", losses);
    }

    private static string? TemporalLoss(SqlType s, SqlType t)
    {
        bool sHasTime = s.Name is not "date";
        bool sHasDate = s.Name is not "time";
        switch (t.Name)
        {
            case "date":
                return sHasTime && sHasDate ? "the time of day is dropped" : null;
            case "time":
                // Fewer fractional digits only round the value: nothing fails and nothing a load compares is lost.
                return sHasDate && sHasTime ? "the date is dropped" : null;
            case "smalldatetime":
                return sHasTime && s.Name != "smalldatetime" ? "seconds are rounded to the minute" : null;
            case "datetime":
                if (s.Name == "datetimeoffset") return "the time zone offset is dropped";
                // datetime2 into datetime only rounds to 1/300 s; a date before 1753 (a sentinel, rarely data) fails loudly (error 242): not worth a finding
                return null;
            case "datetime2":
                return s.Name == "datetimeoffset" ? "the time zone offset is dropped" : null;
            default:
                return null;
        }
    }
    private static (long Min, long Max)? IntegerBounds(SqlType type) => type.Name switch
    {
        "bit" => (0, 1),
        "tinyint" => (byte.MinValue, byte.MaxValue),
        "smallint" => (short.MinValue, short.MaxValue),
        "int" => (int.MinValue, int.MaxValue),
        "bigint" => (long.MinValue, long.MaxValue),
        _ => null,
    };

    /// <summary>
    /// The values a CASE/IIF can produce when every branch (and the ELSE) is a literal; null when
    /// any branch computes something. A CASE without ELSE can also produce NULL.
    /// </summary>
    private static List<(Literal Literal, bool Negative)>? ResultLiterals(TSqlFragment? e)
    {
        while (e is ParenthesisExpression p) e = p.Expression;
        var branches = new List<ScalarExpression?>();
        switch (e)
        {
            case SearchedCaseExpression sc:
                branches.AddRange(sc.WhenClauses.Select(w => w.ThenExpression));
                branches.Add(sc.ElseExpression ?? new NullLiteral());
                break;
            case SimpleCaseExpression sc:
                branches.AddRange(sc.WhenClauses.Select(w => w.ThenExpression));
                branches.Add(sc.ElseExpression ?? new NullLiteral());
                break;
            case IIfCall iif:
                branches.Add(iif.ThenExpression);
                branches.Add(iif.ElseExpression);
                break;
            default:
                return null;
        }
        var result = new List<(Literal, bool)>();
        foreach (var b in branches)
        {
            if (AsLiteral(b, out bool negative) is not { } literal) return null;
            result.Add((literal, negative));
        }
        return result;
    }
}
