using EtlAgent.Core.Lineage;
using EtlAgent.Core.Syntax;
using Microsoft.SqlServer.TransactSql.ScriptDom;
using static EtlAgent.Core.Rules.SyntaxRuleHelpers;

namespace EtlAgent.Core.Rules.Correctness;

/// <summary>
/// The longest text an expression can hold when its parts say more than its declared type: a
/// variable set once to the procedure's own name (`QUOTENAME(OBJECT_SCHEMA_NAME(@@PROCID)) + '.' + ...`),
/// or to ERROR_MESSAGE() in the CATCH block that uses it, an integer CAST to text (at most its digits and sign), joined with literals or chosen by CASE/IIF/COALESCE.
/// Null when any part is unknown.
/// </summary>
internal static class KnownValueLength
{
    /// <summary>SQL Server formats error messages to at most 2,047 characters (RAISERROR, THROW and the engine's own).</summary>
    private const int ErrorMessageLength = 2048;

    /// <summary>The longest value, and whether every character of it is known to be ASCII.</summary>
    public static (int Length, bool Ascii)? Of(RuleContext context, TransformationAnalysis t, ScalarExpression? e, int depth = 0)
    {
        if (e is null || depth > 8) return null;
        switch (Unparen(e))
        {
            case StringLiteral s:
                return (s.Value.Length, IsAscii(s.Value));
            case BinaryExpression { BinaryExpressionType: BinaryExpressionType.Add } b:
                if (Of(context, t, b.FirstExpression, depth + 1) is not var (l1, a1) || Of(context, t, b.SecondExpression, depth + 1) is not var (l2, a2)) return null;
                return (l1 + l2, a1 && a2);
            case FunctionCall { CallTarget: null } f when f.Parameters.Count == 1 && IsProcId(f.Parameters[0]):
            {
                var name = Model.QualifiedName.Parse(t.Transformation.Name);
                var part = f.FunctionName.Value.ToUpperInvariant() switch { "OBJECT_NAME" => name.Name, "OBJECT_SCHEMA_NAME" => name.Schema, _ => null };
                return part is null ? null : (part.Length, IsAscii(part));
            }
            case FunctionCall { CallTarget: null } f when f.Parameters.Count == 1 && f.FunctionName.Value.Equals("QUOTENAME", StringComparison.OrdinalIgnoreCase):
                return Of(context, t, f.Parameters[0], depth + 1) is var (l, a) ? (l + 2, a) : null;
            case CastCall c when TextLength(c.DataType) is { } castTo && IntegerDigits(context, t, c.Parameter) is int digits:
                return (Math.Min(digits, castTo), true);
            case ConvertCall c when c.Style is null && TextLength(c.DataType) is { } convertTo && IntegerDigits(context, t, c.Parameter) is int digits:
                return (Math.Min(digits, convertTo), true);
            case VariableReference v:
                return OfVariable(context, t, v, depth);
            case ColumnReferenceExpression c:
                return OfMatchedColumn(context, c);
            case NullLiteral:
                return (0, true);
            case SearchedCaseExpression c:
                return Longest(context, t, c.WhenClauses.Select(w => w.ThenExpression).Append(c.ElseExpression ?? new NullLiteral()), depth);
            case SimpleCaseExpression c:
                return Longest(context, t, c.WhenClauses.Select(w => w.ThenExpression).Append(c.ElseExpression ?? new NullLiteral()), depth);
            case IIfCall iif:
                return Longest(context, t, new[] { iif.ThenExpression, iif.ElseExpression }, depth);
            case CoalesceExpression c:
                return Longest(context, t, c.Expressions, depth);
            default:
                return null;
        }
    }

    /// <summary>The longest of several possible values (CASE branches, COALESCE arguments).</summary>
    private static (int, bool)? Longest(RuleContext context, TransformationAnalysis t, IEnumerable<ScalarExpression> values, int depth)
    {
        int length = 0;
        bool ascii = true;
        foreach (var v in values)
        {
            if (Of(context, t, v, depth + 1) is not var (l, a)) return null;
            length = Math.Max(length, l);
            ascii &= a;
        }
        return (length, ascii);
    }

    private static (int, bool)? OfVariable(RuleContext context, TransformationAnalysis t, VariableReference use, int depth)
    {
        if (t.Syntax.Definition is not { } body) return null;
        var index = context.Index;
        var assignments = new List<(TSqlFragment At, ScalarExpression? Value)>();
        foreach (var s in Within(index.OfType<SetVariableStatement>(), body))
            if (SameName(s.Variable.Name, use.Name)) assignments.Add((s, s.AssignmentKind == AssignmentKind.Equals ? s.Expression : null));
        foreach (var s in Within(index.OfType<SelectSetVariable>(), body))
            if (SameName(s.Variable.Name, use.Name)) assignments.Add((s, s.AssignmentKind == AssignmentKind.Equals ? s.Expression : null));

        // Set to ERROR_MESSAGE() in the CATCH block that uses it, last before the use.
        var handler = Innermost(index.OfType<TryCatchStatement>(), use, c => Contains(c.CatchStatements, use));
        if (handler is not null)
        {
            var last = assignments.Where(a => Contains(handler.CatchStatements, a.At) && a.At.StartOffset < use.StartOffset)
                .OrderBy(a => a.At.StartOffset).LastOrDefault();
            if (last.Value is FunctionCall { CallTarget: null } f && f.FunctionName.Value.Equals("ERROR_MESSAGE", StringComparison.OrdinalIgnoreCase))
                return (ErrorMessageLength, false);
        }

        // Declared with a value and never set again: the value is what the initializer says.
        if (assignments.Count > 0 || Within(index.OfType<ExecuteParameter>(), body).Any(p => p.IsOutput && p.ParameterValue is VariableReference r && SameName(r.Name, use.Name)))
            return null;
        foreach (var d in Within(index.OfType<DeclareVariableElement>(), body))
            if (SameName(d.VariableName.Value, use.Name))
                return d.Value is null ? null : Of(context, t, d.Value, depth + 1);
        return null;
    }

    /// <summary>
    /// A column the query only returns where it equals a text column of another table: `INNER JOIN lu ON
    /// lu.Name = src.Header` or `WHERE lu.Name = src.Header` keeps only values equal to one of lu.Name's, so
    /// none is longer than lu.Name's declared length (but for trailing blanks, which equality ignores and
    /// SQL Server truncates without an error). An outer join's ON keeps the rows that match nothing, so it
    /// bounds nothing.
    /// </summary>
    private static (int, bool)? OfMatchedColumn(RuleContext context, ColumnReferenceExpression column)
    {
        if (!IsColumn(column) || Innermost(context.Index.OfType<QuerySpecification>(), column) is not { FromClause: { } from } query) return null;
        var sources = Sources(from);
        var tables = new Tables(context);
        if (SourceOf(column, sources, tables.Find) is not { } source) return null;
        var conditions = new List<BooleanExpression>();
        if (query.WhereClause?.SearchCondition is { } where) conditions.Add(where);
        foreach (var j in JoinTree.Joins(from).OfType<QualifiedJoin>())
            if (j.QualifiedJoinType == QualifiedJoinType.Inner && j.SearchCondition is { } on) conditions.Add(on);
        int? bound = null;
        foreach (var condition in conditions)
            foreach (var conjunct in Conjuncts(condition))
            {
                if (conjunct is not BooleanComparisonExpression { ComparisonType: BooleanComparisonType.Equals } eq) continue;
                var other = SameColumn(eq.FirstExpression, column) ? eq.SecondExpression : SameColumn(eq.SecondExpression, column) ? eq.FirstExpression : null;
                if (Unparen(other) is not ColumnReferenceExpression o || !IsColumn(o) || SourceOf(o, sources, tables.Find) is not { } s || s == source) continue;
                if (tables.Find(s)?.FindColumn(ColumnName(o) ?? "")?.Type is not { IsString: true, EffectiveLength: int n } || n == Model.SqlType.Max) continue;
                bound = Math.Min(bound ?? n, n);
            }
        return bound is int length ? (length, false) : null;

        static bool SameColumn(ScalarExpression e, ColumnReferenceExpression c) =>
            Unparen(e) is ColumnReferenceExpression r && SameName(ColumnName(r), ColumnName(c)) && SameName(Qualifier(r) ?? "", Qualifier(c) ?? "");

        static IEnumerable<BooleanExpression> Conjuncts(BooleanExpression e) => e switch
        {
            BooleanBinaryExpression { BinaryExpressionType: BooleanBinaryExpressionType.And } and => Conjuncts(and.FirstExpression).Concat(Conjuncts(and.SecondExpression)),
            BooleanParenthesisExpression p => Conjuncts(p.Expression),
            _ => new[] { e },
        };
    }

    /// <summary>
    /// A base column copied as it is (also through views, CTEs and derived tables) whose table has a CHECK constraint listing
    /// every value it allows (`[Priority]='Low' OR [Priority]='High'`, `[Queue] IN ('001', 'Agent001')`): no
    /// value is longer than the longest listed one (NULL passes a check, and fits anything).
    /// </summary>
    public static (int Length, bool Ascii)? OfCheckedColumn(RuleContext context, ColumnOrigin origin)
    {
        if (origin.Kind != Model.MappingKind.Direct || origin.Sources.Count != 1) return null;
        var source = origin.Sources.First();
        Model.TableDef? table = null;
        string column = "";
        // through views: each returns the column of what it reads
        for (int hop = 0; hop < 8 && source is not null; hop++)
        {
            int dot = source.LastIndexOf('.');
            if (dot <= 0 || context.Catalog.Find(Model.QualifiedName.Parse(source[..dot])) is not { } found) return null;
            (table, column) = (found, source[(dot + 1)..]);
            source = found.FindColumn(column)?.CopiedFrom;
        }
        if (table is null) return null;
        (int, bool)? bound = null;
        foreach (var check in table.Checks)
        {
            var condition = new TSql170Parser(false).ParseBooleanExpression(new StringReader(check.Expression), out var errors);
            if (errors.Count > 0 || condition is null || ListedValues(condition, column) is not { Count: > 0 } values) continue;
            var longest = (values.Max(v => v.Length), values.All(IsAscii));
            if (bound is not var (l, _) || longest.Item1 < l) bound = longest;
        }
        return bound;
    }

    /// <summary>The text literals an OR of `column = 'x'` and `column IN ('x', ...)` allows, null for any other condition.</summary>
    private static List<string>? ListedValues(BooleanExpression e, string column)
    {
        switch (e)
        {
            case BooleanParenthesisExpression p:
                return ListedValues(p.Expression, column);
            case BooleanBinaryExpression { BinaryExpressionType: BooleanBinaryExpressionType.Or } or:
                return ListedValues(or.FirstExpression, column) is { } a && ListedValues(or.SecondExpression, column) is { } b ? a.Concat(b).ToList() : null;
            case BooleanComparisonExpression { ComparisonType: BooleanComparisonType.Equals } eq:
                var (c, v) = Unparen(eq.FirstExpression) is ColumnReferenceExpression ? (eq.FirstExpression, eq.SecondExpression) : (eq.SecondExpression, eq.FirstExpression);
                return IsThe(c, column) && Unparen(v) is StringLiteral s ? new List<string> { s.Value } : null;
            case InPredicate { NotDefined: false, Subquery: null } @in when IsThe(@in.Expression, column):
                var values = new List<string>();
                foreach (var item in @in.Values)
                    if (Unparen(item) is StringLiteral l) values.Add(l.Value); else return null;
                return values;
            default:
                return null;
        }

        static bool IsThe(ScalarExpression e, string column) => Unparen(e) is ColumnReferenceExpression r && r.MultiPartIdentifier?.Identifiers.Count == 1 && SameName(r.MultiPartIdentifier.Identifiers[0].Value, column);
    }

    /// <summary>The length a CAST to char/varchar/nchar/nvarchar allows (int.MaxValue for max), null for another type.</summary>
    private static int? TextLength(DataTypeReference type)
    {
        if (type is not SqlDataTypeReference { SqlDataTypeOption: SqlDataTypeOption.Char or SqlDataTypeOption.VarChar or SqlDataTypeOption.NChar or SqlDataTypeOption.NVarChar } t) return null;
        if (t.Parameters.Count == 0) return 30; // CAST(x AS varchar) is varchar(30)
        return t.Parameters[0] is IntegerLiteral n && int.TryParse(n.Value, out var length) ? length : int.MaxValue;
    }

    /// <summary>
    /// The most characters an integer value can print as (digits and sign): an integer literal, @@ROWCOUNT and
    /// its kin, or a parameter or variable declared tinyint/smallint/int/bigint. Null when not known to be an integer.
    /// </summary>
    private static int? IntegerDigits(RuleContext context, TransformationAnalysis t, ScalarExpression e)
    {
        switch (Unparen(e))
        {
            case IntegerLiteral literal:
                return literal.Value.Length;
            case GlobalVariableExpression g when g.Name.ToUpperInvariant() is "@@ROWCOUNT" or "@@ERROR" or "@@TRANCOUNT" or "@@PROCID" or "@@SPID" or "@@NESTLEVEL":
                return 11;
            case VariableReference v:
                foreach (var p in t.Transformation.Parameters)
                    if (SameName(p.Name, v.Name)) return DigitsOf(p.Type.Name);
                if (t.Syntax.Definition is not { } body) return null;
                foreach (var d in Within(context.Index.OfType<DeclareVariableElement>(), body))
                    if (SameName(d.VariableName.Value, v.Name))
                        return d.DataType is SqlDataTypeReference r ? DigitsOf(r.SqlDataTypeOption.ToString().ToLowerInvariant()) : null;
                return null;
            default:
                return null;
        }

        static int? DigitsOf(string type) => type switch { "tinyint" => 3, "smallint" => 6, "int" => 11, "bigint" => 20, _ => null };
    }

    private static bool IsProcId(ScalarExpression e) => Unparen(e) is GlobalVariableExpression g && g.Name.Equals("@@PROCID", StringComparison.OrdinalIgnoreCase);

    private static bool IsAscii(string s)
    {
        foreach (var c in s) if (c > 127) return false;
        return true;
    }
}
