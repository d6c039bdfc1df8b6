using EtlAgent.Core.Catalog;
using EtlAgent.Core.Model;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace EtlAgent.Core.Lineage;

// Expressions: the origin, type and nullability of a value, and the columns it reads.
public sealed partial class LineageAnalyzer
{
    /// <summary>The origin of a scalar (or boolean) expression evaluated in <paramref name="scope"/>.</summary>
    private ColumnOrigin Expr(TSqlFragment? expression, QueryScope scope)
    {
        System.Runtime.CompilerServices.RuntimeHelpers.EnsureSufficientExecutionStack();
        switch (expression)
        {
            case null:
                return ColumnOrigin.Unknown;
            case ParenthesisExpression p:
                return Expr(p.Expression, scope);
            case ColumnReferenceExpression c:
                return Column(c, scope);
            case NullLiteral:
                return ColumnOrigin.Constant(null, true);
            case StringLiteral s:
                return ColumnOrigin.Constant(new SqlType(s.IsNational ? "nvarchar" : "varchar", Length: Math.Max(1, s.Value.Length)), false);
            case IntegerLiteral i:
                return ColumnOrigin.Constant(new SqlType(long.TryParse(i.Value, out var v) && (v > int.MaxValue || v < int.MinValue) ? "bigint" : "int"), false);
            case NumericLiteral n:
            {
                var digits = n.Value.TrimStart('-', '+');
                int dot = digits.IndexOf('.');
                int scale = dot < 0 ? 0 : digits.Length - dot - 1;
                int precision = Math.Max(1, digits.Replace(".", "").TrimStart('0').Length);
                return ColumnOrigin.Constant(new SqlType("decimal", Precision: Math.Max(precision, scale), Scale: scale), false);
            }
            case Literal:
                return ColumnOrigin.Constant(null, false);
            case VariableReference vr:
                return new ColumnOrigin(Array.Empty<string>(), MappingKind.Variable, _variables.GetValueOrDefault(vr.Name),
                    _valuedParameters.Contains(vr.Name) || HasValue(vr.Name) || RowsGiveValue(vr.Name, scope) ? false : null);
            case GlobalVariableExpression:
                return new ColumnOrigin(Array.Empty<string>(), MappingKind.Variable);
            case ScalarSubquery sq:
            {
                var outputs = Query(sq.QueryExpression, scope);
                if (outputs.Count == 0) return ColumnOrigin.Unknown;
                var inner = outputs[0].Origin;
                // A subquery may return no row: NULL is always possible.
                return inner with { Nullable = true, NullableAsDeclared = false, Kind = inner.Kind == MappingKind.Direct ? MappingKind.Direct : inner.Kind };
            }
            case CastCall cast:
            {
                var inner = Expr(cast.Parameter, scope);
                return Derived(inner, cast.DataType is null ? null : DataTypes.From(cast.DataType, _catalog.AliasTypes), inner.Nullable);
            }
            case ConvertCall convert:
            {
                var inner = Expr(convert.Parameter, scope);
                if (convert.Style is not null) Expr(convert.Style, scope);
                var converted = Derived(inner, DataTypes.From(convert.DataType, _catalog.AliasTypes), inner.Nullable);
                return HexOfBinary(convert, inner) ? converted with { AsciiText = true } : converted;
            }
            case TryCastCall tc:
                return Derived(Expr(tc.Parameter, scope), DataTypes.From(tc.DataType, _catalog.AliasTypes), true);
            case TryConvertCall tv:
                return Derived(Expr(tv.Parameter, scope), DataTypes.From(tv.DataType, _catalog.AliasTypes), true);
            case CoalesceExpression co:
            {
                var parts = co.Expressions.Select(e => Expr(e, scope)).ToList();
                bool? nullable = parts.All(p => p.Nullable is not null) ? parts.All(p => p.Nullable == true) : parts.Any(p => p.Nullable == false) ? false : null;
                if (nullable != false && NotNullInEveryBranch(co.Expressions, scope)) nullable = false;
                return Combine(parts, ResultType(parts.Select(p => p.Type)), nullable);
            }
            case NullIfExpression ni:
            {
                var first = Expr(ni.FirstExpression, scope);
                var second = Expr(ni.SecondExpression, scope);
                // NULLIF(c, '') where the filter kept only non-empty c (LEN(c) > 0, c <> ''): c itself
                bool keeps = first.Nullable == false && Unwrapped(ni.SecondExpression) is StringLiteral { Value: var blank } && blank.Trim(' ').Length == 0 &&
                             Unwrapped(ni.FirstExpression) is ColumnReferenceExpression { ColumnType: ColumnType.Regular, MultiPartIdentifier: not null } c &&
                             RelationOf(c, scope) is { } r && scope.IsNonEmpty(r, c.MultiPartIdentifier.Identifiers[^1].Value);
                return Combine(new[] { first, second }, first.Type, !keeps);
            }
            case IIfCall iif:
            {
                var cond = Expr(iif.Predicate, scope);
                var then = Expr(iif.ThenExpression, scope);
                var @else = Expr(iif.ElseExpression, scope);
                var result = Combine(new[] { cond, then, @else }, ResultType(new[] { then.Type, @else.Type }), Or(then.Nullable, @else.Nullable));
                return Bounded(result, new[] { iif.ThenExpression, iif.ElseExpression }, new[] { then, @else });
            }
            case SearchedCaseExpression sc:
            {
                var parts = new List<ColumnOrigin>();
                var results = new List<ColumnOrigin>();
                // `CASE WHEN k IS NULL THEN 1 ELSE k END`: a column an earlier WHEN sent elsewhere when NULL is not NULL
                // in the branches after it, nor in the branch of `WHEN k IS NOT NULL`. `WHEN k = '' OR k IS NULL` sends
                // every NULL k there too: a row gets past it only when each of its OR-ed branches is false.
                var testedNull = new List<ColumnReferenceExpression>();
                foreach (var w in sc.WhenClauses)
                {
                    parts.Add(Expr(w.WhenExpression, scope));
                    var r = Expr(w.ThenExpression, scope);
                    var tested = Unparen(w.WhenExpression) as BooleanIsNullExpression;
                    if (r.Nullable == true && (tested is { IsNot: true } && SameColumn(tested.Expression, w.ThenExpression) || IsAnyOf(w.ThenExpression, testedNull)))
                        r = r with { Nullable = false };
                    parts.Add(r); results.Add(r);
                    foreach (var d in Disjuncts(w.WhenExpression))
                        if (d is BooleanIsNullExpression { IsNot: false, Expression: var e } && Unwrapped(e) is ColumnReferenceExpression c) testedNull.Add(c);
                }
                var otherwise = sc.ElseExpression is null ? ColumnOrigin.Constant(null, true) : Expr(sc.ElseExpression, scope);
                if (otherwise.Nullable == true && IsAnyOf(sc.ElseExpression, testedNull)) otherwise = otherwise with { Nullable = false };
                parts.Add(otherwise); results.Add(otherwise);
                var result = Combine(parts, ResultType(results.Select(r => r.Type)), results.Select(r => r.Nullable).Aggregate(Or));
                return Bounded(result, sc.WhenClauses.Select(w => w.ThenExpression).Append(sc.ElseExpression).ToList(), results);
            }
            case SimpleCaseExpression sc:
            {
                var parts = new List<ColumnOrigin> { Expr(sc.InputExpression, scope) };
                var results = new List<ColumnOrigin>();
                foreach (var w in sc.WhenClauses) { parts.Add(Expr(w.WhenExpression, scope)); var r = Expr(w.ThenExpression, scope); parts.Add(r); results.Add(r); }
                var otherwise = sc.ElseExpression is null ? ColumnOrigin.Constant(null, true) : Expr(sc.ElseExpression, scope);
                parts.Add(otherwise); results.Add(otherwise);
                var result = Combine(parts, ResultType(results.Select(r => r.Type)), results.Select(r => r.Nullable).Aggregate(Or));
                return Bounded(result, sc.WhenClauses.Select(w => w.ThenExpression).Append(sc.ElseExpression).ToList(), results);
            }
            case FunctionCall f:
                return Function(f, scope);
            case LeftFunctionCall or RightFunctionCall:
            {
                // LEFT and RIGHT are keywords, parsed apart from other functions; NULL only from their arguments.
                var args = (expression is LeftFunctionCall left ? left.Parameters : ((RightFunctionCall)expression).Parameters).Select(p => Expr(p, scope)).ToList();
                return Combine(args, null, args.Any(a => a.Nullable == true) ? true : args.All(a => a.Nullable == false) ? false : null);
            }
            case BinaryExpression b:
            {
                var l = Expr(b.FirstExpression, scope);
                var r = Expr(b.SecondExpression, scope);
                SqlType? type = null;
                if (b.BinaryExpressionType == BinaryExpressionType.Add && l.Type is { IsString: true } && r.Type is { IsString: true })
                    type = Concatenation(l.Type, ConcatLength(b.FirstExpression, l.Type), r.Type, ConcatLength(b.SecondExpression, r.Type));
                return Combine(new[] { l, r }, type, Or(l.Nullable, r.Nullable));
            }
            case UnaryExpression u:
            {
                var inner = Expr(u.Expression, scope);
                return inner.Kind == MappingKind.Constant ? inner : Derived(inner, inner.Type, inner.Nullable);
            }
            case ScalarExpression other:
                return Generic(other, scope);
            case BooleanExpression boolean:
                return Generic(boolean, scope);
            default:
                return ColumnOrigin.Unknown;
        }
    }

    /// <summary>
    /// The type of a + b on strings: as long as both parts together, where a literal counts its own
    /// characters (its type is at least one long, '' adds nothing); a result beyond 8000 bytes is cut to
    /// 8000 (4000 characters for nvarchar) unless a part is (max), as SQL Server does.
    /// </summary>
    private static SqlType Concatenation(SqlType l, int? left, SqlType r, int? right)
    {
        bool unicode = l.IsUnicode || r.IsUnicode;
        int cap = unicode ? 4000 : 8000;
        int length = left is int a && right is int c && a != SqlType.Max && c != SqlType.Max ? Math.Max(1, Math.Min(a + c, cap)) : SqlType.Max;
        return new SqlType(unicode ? "nvarchar" : "varchar", Length: length);
    }

    /// <summary>The characters a part of a concatenation can contribute: a literal's own length, else its type's.</summary>
    private static int? ConcatLength(ScalarExpression e, SqlType type)
    {
        while (e is ParenthesisExpression p) e = p.Expression;
        if (e is StringLiteral s) return s.Value.Length;
        return type.EffectiveLength is int n && (n > 0 || n == SqlType.Max) ? n : null;
    }

    /// <summary>
    /// The type of CASE, IIF and COALESCE from their results: strings only give the longest of
    /// them (nvarchar when one is), as SQL Server does (CASE … THEN N'OK' ELSE N'Overstocked' END
    /// is nvarchar(11)); otherwise the first known type.
    /// </summary>
    private static SqlType? ResultType(IEnumerable<SqlType?> results)
    {
        var known = results.Where(t => t is not null).Cast<SqlType>().ToList();
        if (known.Count == 0) return null;
        if (known.Count == 1 || !known.All(t => t.IsString)) return known[0];
        bool unicode = known.Any(t => t.IsUnicode);
        int length = known.Any(t => t.EffectiveLength is not int n || n == SqlType.Max) ? SqlType.Max : Math.Max(1, known.Max(t => t.EffectiveLength!.Value));
        if (length != SqlType.Max && length > (unicode ? 4000 : 8000)) length = SqlType.Max;
        return new SqlType(unicode ? "nvarchar" : "varchar", Length: length);
    }

    private ColumnOrigin Function(FunctionCall f, QueryScope scope)
    {
        var name = f.FunctionName.Value;
        var args = f.Parameters.Select(p => Expr(p, scope)).ToList();
        if (f.OverClause is not null)
        {
            foreach (var p in f.OverClause.Partitions) Expr(p, scope);
            if (f.OverClause.OrderByClause is not null)
                foreach (var o in f.OverClause.OrderByClause.OrderByElements) Expr(o.Expression, scope);
        }
        if (AggregateFunctions.Contains(name) && f.CallTarget is null)
        {
            var type = name.ToUpperInvariant() switch
            {
                "COUNT" => new SqlType("int"),
                "COUNT_BIG" => new SqlType("bigint"),
                "MIN" or "MAX" => args.FirstOrDefault()?.Type,
                _ => null,
            };
            // COUNT and friends are never NULL; others are NULL over no rows (a scalar aggregate of an empty
            // input, or a window frame that may be empty) and otherwise only when their argument is.
            bool? nullable;
            if (name.ToUpperInvariant() is "COUNT" or "COUNT_BIG" or "GROUPING" or "GROUPING_ID" or "APPROX_COUNT_DISTINCT") nullable = false;
            else if (f.OverClause is not null ? f.OverClause.WindowFrameClause is null : scope.Grouped) nullable = args.Count == 0 ? null : args[0].Nullable;
            else nullable = true;
            return new ColumnOrigin(args.SelectMany(a => a.Sources).Distinct(StringComparer.OrdinalIgnoreCase).ToList(), MappingKind.Aggregate, type, nullable);
        }
        switch (name.ToUpperInvariant())
        {
            case "ISNULL" when args.Count == 2:
                return Combine(args, args[0].Type ?? args[1].Type, args[0].Nullable == false || args[1].Nullable == false ? false : Or(args[0].Nullable, args[1].Nullable));
            case "GETDATE" or "GETUTCDATE" or "CURRENT_TIMESTAMP":
                return ColumnOrigin.Constant(new SqlType("datetime"), false) with { Kind = MappingKind.Expression };
            case "SYSDATETIME" or "SYSUTCDATETIME":
                return ColumnOrigin.Constant(new SqlType("datetime2", Scale: 7), false) with { Kind = MappingKind.Expression };
            case "SYSDATETIMEOFFSET":
                return ColumnOrigin.Constant(new SqlType("datetimeoffset", Scale: 7), false) with { Kind = MappingKind.Expression };
            case "NEWID" or "NEWSEQUENTIALID":
                return ColumnOrigin.Constant(new SqlType("uniqueidentifier"), false) with { Kind = MappingKind.Expression };
            case "ROW_NUMBER" or "RANK" or "DENSE_RANK" or "NTILE":
                return new ColumnOrigin(Array.Empty<string>(), MappingKind.Expression, new SqlType("bigint"), false);
            case "COL_NAME" or "OBJECT_NAME" or "OBJECT_SCHEMA_NAME" or "SCHEMA_NAME" or "TYPE_NAME"
                when f.CallTarget is null && args.Count > 0 && f.Parameters.All(p => IsCatalogId(p, scope)):
                // The name of an object a catalog view's row shows (COL_NAME(ic.object_id, ic.column_id) over
                // sys.index_columns): the row exists because the object does and is visible to the caller, so
                // the name is too. NULL is what these give for an id that names nothing.
                return Combine(args, new SqlType("nvarchar", Length: 128), false);
        }
        if (args.Count == 0)
            return f.CallTarget is MultiPartIdentifierCallTarget { MultiPartIdentifier.Identifiers: { Count: 1 } schema }
                ? new ColumnOrigin(Array.Empty<string>(), MappingKind.Expression) { UserFunction = new QualifiedName(schema[0].Value, name) }
                : new ColumnOrigin(Array.Empty<string>(), MappingKind.Expression);
        // A user function (always schema-qualified) or a method decides itself what a NULL argument gives.
        if (f.CallTarget is not null) return Combine(args, null, null);
        if (NeverNull.Contains(name)) return Combine(args, null, false);
        if (NullOnlyFromArguments.Contains(name))
        {
            // The date part (DATENAME(month, x)) is a keyword, not a value that could be NULL.
            var values = DatePartFirst.Contains(name) ? args.Skip(1).ToList() : args;
            return Combine(args, null, values.Any(a => a.Nullable == true) ? true : values.All(a => a.Nullable == false) ? false : null);
        }
        return Combine(args, null, args.Any(a => a.Nullable == true) ? true : null);
    }

    /// <summary>An id column (`object_id`, `column_id`, `schema_id`, `user_type_id` ...) of a SQL Server catalog view (`sys.*`).</summary>
    private static bool IsCatalogId(ScalarExpression e, QueryScope scope)
    {
        while (e is ParenthesisExpression p) e = p.Expression;
        return e is ColumnReferenceExpression { ColumnType: ColumnType.Regular, MultiPartIdentifier: { } id } c
            && id.Identifiers[^1].Value.EndsWith("_id", StringComparison.OrdinalIgnoreCase)
            && RelationOf(c, scope) is { Table: { } table, NullExtended: false }
            && string.Equals(table.Schema, "sys", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Built-ins that return NULL exactly when an argument is NULL (none turns a bad value into NULL).</summary>
    private static readonly HashSet<string> NullOnlyFromArguments = new(StringComparer.OrdinalIgnoreCase)
    {
        "DAY", "MONTH", "YEAR", "DATEPART", "DATENAME", "DATEADD", "DATEDIFF", "DATEDIFF_BIG", "DATETRUNC", "EOMONTH",
        "DATEFROMPARTS", "DATETIME2FROMPARTS", "DATETIMEFROMPARTS", "SMALLDATETIMEFROMPARTS", "TIMEFROMPARTS",
        "UPPER", "LOWER", "LTRIM", "RTRIM", "TRIM", "LEFT", "RIGHT", "SUBSTRING", "LEN", "DATALENGTH", "REPLACE",
        "REVERSE", "TRANSLATE", "CHARINDEX", "PATINDEX", "ABS", "ROUND", "FLOOR", "CEILING", "SIGN", "POWER", "SQUARE",
    };

    private static readonly HashSet<string> DatePartFirst = new(StringComparer.OrdinalIgnoreCase)
    {
        "DATEPART", "DATENAME", "DATEADD", "DATEDIFF", "DATEDIFF_BIG", "DATETRUNC",
    };

    /// <summary>Built-ins that never return NULL: CONCAT treats NULL as an empty string.</summary>
    private static readonly HashSet<string> NeverNull = new(StringComparer.OrdinalIgnoreCase)
    {
        "CONCAT", "CONCAT_WS", "ISNUMERIC", "ISDATE",
    };

    /// <summary>Fallback for expression types without a dedicated case: union whatever they reference.</summary>
    private ColumnOrigin Generic(TSqlFragment expression, QueryScope scope)
    {
        var collector = new ReferenceCollector(this, scope);
        expression.Accept(collector);
        return Combine(collector.Origins, null, null);
    }

    private sealed class ReferenceCollector(LineageAnalyzer a, QueryScope scope) : TSqlFragmentVisitor
    {
        public readonly List<ColumnOrigin> Origins = new();

        public override void ExplicitVisit(ColumnReferenceExpression node) => Origins.Add(a.Column(node, scope));
        public override void ExplicitVisit(ScalarSubquery node) => Origins.Add(a.Expr(node, scope));
        public override void ExplicitVisit(FunctionCall node) => Origins.Add(a.Function(node, scope));
        public override void ExplicitVisit(VariableReference node) => Origins.Add(a.Expr(node, scope));
        public override void ExplicitVisit(QueryExpression node) => a.Query(node, scope);
        public override void ExplicitVisit(QuerySpecification node) => a.Query(node, scope);
        public override void ExplicitVisit(BinaryQueryExpression node) => a.Query(node, scope);
        public override void ExplicitVisit(QueryParenthesisExpression node) => a.Query(node, scope);
    }

    /// <summary>A CASE or IIF's origin with what its results are known to be: 0 or 1 (<see cref="ZeroOrOne"/>), or an integer range.</summary>
    private static ColumnOrigin Bounded(ColumnOrigin result, IReadOnlyList<ScalarExpression?> expressions, IReadOnlyList<ColumnOrigin> origins)
    {
        if (ZeroOrOne(expressions, origins)) result = result with { ZeroOrOne = true };
        return IntegerRange(expressions, origins) is { } range ? result with { IntegerRange = range } : result;
    }

    /// <summary>
    /// The range of a CASE or IIF whose every result is NULL, an integer literal (signed), a bit value or a known range;
    /// null when a result can be anything else. A CASE without ELSE gives NULL, which any column holds.
    /// </summary>
    private static (long Min, long Max)? IntegerRange(IReadOnlyList<ScalarExpression?> expressions, IReadOnlyList<ColumnOrigin> origins)
    {
        long min = long.MaxValue, max = long.MinValue;
        for (int i = 0; i < expressions.Count; i++)
        {
            var e = expressions[i];
            while (e is ParenthesisExpression pe) e = pe.Expression;
            (long Min, long Max)? part = e switch
            {
                null or NullLiteral => null,
                IntegerLiteral lit when long.TryParse(lit.Value, out var v) => (v, v),
                UnaryExpression { UnaryExpressionType: UnaryExpressionType.Negative, Expression: IntegerLiteral lit } when long.TryParse(lit.Value, out var v) => (-v, -v),
                _ when origins[i].IntegerRange is { } known => known,
                _ when origins[i].Type?.Name == "bit" => (0L, 1L),
                _ => (long.MaxValue, long.MinValue), // anything else: no range
            };
            if (part is not { } p) continue;
            if (p.Min > p.Max) return null;
            min = Math.Min(min, p.Min);
            max = Math.Max(max, p.Max);
        }
        return min <= max ? (min, max) : null;
    }

    /// <summary>
    /// Every result of a CASE or IIF is NULL, the literal 0 or 1, or a bit value (`CASE WHEN ... THEN 0 ELSE t.IsActive END`):
    /// typed int by precedence, but only 0, 1 or NULL come out.
    /// </summary>
    private static bool ZeroOrOne(IEnumerable<ScalarExpression?> expressions, IEnumerable<ColumnOrigin> origins) =>
        expressions.Zip(origins).All(p =>
        {
            var e = p.First;
            while (e is ParenthesisExpression pe) e = pe.Expression;
            return e is null or NullLiteral or IntegerLiteral { Value: "0" or "1" } || p.Second.Type?.Name == "bit" || p.Second.ZeroOrOne;
        });

    /// <summary>CONVERT of a binary value (or HASHBYTES) to text with style 1 or 2: hexadecimal digits, ASCII whatever the text type.</summary>
    private bool HexOfBinary(ConvertCall convert, ColumnOrigin inner)
    {
        if (convert.Style is not IntegerLiteral { Value: "1" or "2" } || DataTypes.From(convert.DataType, _catalog.AliasTypes) is not { IsString: true }) return false;
        var p = convert.Parameter;
        while (p is ParenthesisExpression pe) p = pe.Expression;
        return inner.Type?.Name is "binary" or "varbinary" ||
               p is FunctionCall { CallTarget: null } f && f.FunctionName.Value.Equals("HASHBYTES", StringComparison.OrdinalIgnoreCase);
    }

    private static ColumnOrigin Derived(ColumnOrigin inner, SqlType? type, bool? nullable) =>
        inner.Kind is MappingKind.Constant or MappingKind.Variable && inner.Sources.Count == 0
            ? inner with { Type = type ?? inner.Type, Nullable = nullable }
            : new ColumnOrigin(inner.Sources, inner.Kind == MappingKind.Aggregate ? MappingKind.Aggregate : MappingKind.Expression, type, nullable);

    private static ColumnOrigin Combine(IEnumerable<ColumnOrigin> parts, SqlType? type, bool? nullable)
    {
        var list = parts as IReadOnlyCollection<ColumnOrigin> ?? parts.ToList();
        var sources = list.SelectMany(p => p.Sources).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        MappingKind kind;
        if (list.Any(p => p.Kind == MappingKind.Aggregate)) kind = MappingKind.Aggregate;
        else if (sources.Count > 0) kind = MappingKind.Expression;
        else if (list.Any(p => p.Kind == MappingKind.Variable)) kind = MappingKind.Variable;
        else if (list.All(p => p.Kind == MappingKind.Constant)) kind = MappingKind.Constant;
        else kind = MappingKind.Expression;
        return new ColumnOrigin(sources, kind, type, nullable);
    }

    private static BooleanExpression? Unparen(BooleanExpression? e)
    {
        while (e is BooleanParenthesisExpression p) e = p.Expression;
        return e;
    }

    private static ScalarExpression? Unwrapped(ScalarExpression? e)
    {
        while (e is ParenthesisExpression p) e = p.Expression;
        return e;
    }

    private static bool IsAnyOf(ScalarExpression? e, List<ColumnReferenceExpression> columns) => columns.Any(c => SameColumn(c, e));

    /// <summary>Both are the same column reference, as written (qualifier and name, case aside).</summary>
    private static bool SameColumn(ScalarExpression? a, ScalarExpression? b)
    {
        while (a is ParenthesisExpression pa) a = pa.Expression;
        while (b is ParenthesisExpression pb) b = pb.Expression;
        if (a is not ColumnReferenceExpression { MultiPartIdentifier.Identifiers: { } x } || b is not ColumnReferenceExpression { MultiPartIdentifier.Identifiers: { } y }) return false;
        return x.Count == y.Count && x.Zip(y).All(p => string.Equals(p.First.Value, p.Second.Value, StringComparison.OrdinalIgnoreCase));
    }

    private static bool? Or(bool? a, bool? b) => a == true || b == true ? true : a is null || b is null ? null : false;

    /// <summary>The relation a column reference reads, resolved like <see cref="Column"/> but without recording anything.</summary>
    private static Relation? RelationOf(ColumnReferenceExpression c, QueryScope scope)
    {
        var ids = c.MultiPartIdentifier.Identifiers;
        var column = ids[^1].Value;
        var qualifier = new List<string>(ids.Count - 1);
        for (int i = 0; i < ids.Count - 1; i++) qualifier.Add(ids[i].Value);
        for (var s = scope; s is not null; s = s.Parent)
        {
            Relation? open = null;
            int openCount = 0;
            foreach (var r in s.Relations)
            {
                if (!r.Matches(qualifier)) continue;
                if (!r.IsOpen) { if (r.Find(column) is not null) return r; }
                else { open ??= r; openCount++; }
            }
            if (open is not null && (openCount == 1 || qualifier.Count > 0)) return open;
            if (qualifier.Count > 0 && s.Relations.Exists(r => r.Matches(qualifier))) return null;
        }
        return null;
    }

    /// <summary>
    /// Records the columns a condition rejects NULL for: rows where they are NULL do not pass it, so
    /// values read from them in <paramref name="scope"/> are not NULL. Only top-level AND-ed comparisons,
    /// IS NOT NULL, LIKE, IN and BETWEEN on a plain column count.
    /// </summary>
    private static void MarkNullRejected(BooleanExpression? condition, QueryScope scope)
    {
        switch (condition)
        {
            case BooleanBinaryExpression { BinaryExpressionType: BooleanBinaryExpressionType.And } and:
                MarkNullRejected(and.FirstExpression, scope);
                MarkNullRejected(and.SecondExpression, scope);
                break;
            case BooleanParenthesisExpression p:
                MarkNullRejected(p.Expression, scope);
                break;
            case BooleanIsNullExpression { IsNot: true } n:
                MarkNotNull(n.Expression, scope);
                break;
            case BooleanComparisonExpression c:
                MarkNotNull(c.FirstExpression, scope);
                MarkNotNull(c.SecondExpression, scope);
                MarkNonEmpty(c, scope);
                break;
            case BooleanBinaryExpression { BinaryExpressionType: BooleanBinaryExpressionType.Or } or:
            {
                // Each row that passes an OR satisfies one of its branches: what every branch rejects is rejected,
                // and COALESCE can be shown non-NULL branch by branch (`WHERE a IS NOT NULL OR b IS NOT NULL`).
                var branches = new List<QueryScope>();
                foreach (var d in Disjuncts(or))
                {
                    var branch = new QueryScope(scope);
                    MarkNullRejected(d, branch);
                    if (!branch.HasMarks) return; // a branch that rejects nothing: nothing is known
                    branches.Add(branch);
                }
                foreach (var (relation, column) in branches[0].OwnNotNull.ToList())
                    if (branches.Skip(1).All(b => b.IsNotNull(relation, column))) scope.MarkNotNull(relation, column);
                scope.AddAlternatives(branches);
                break;
            }
            case LikePredicate l:
                MarkNotNull(l.FirstExpression, scope);
                break;
            case InPredicate i:
                MarkNotNull(i.Expression, scope);
                break;
            case BooleanTernaryExpression t:
                MarkNotNull(t.FirstExpression, scope);
                break;
        }
    }

    private static List<BooleanExpression> Disjuncts(BooleanExpression e)
    {
        while (e is BooleanParenthesisExpression p) e = p.Expression;
        if (e is BooleanBinaryExpression { BinaryExpressionType: BooleanBinaryExpressionType.Or } or)
            return Disjuncts(or.FirstExpression).Concat(Disjuncts(or.SecondExpression)).ToList();
        return new List<BooleanExpression> { e };
    }

    /// <summary>
    /// `LEN(c) > 0` (or `>= 1`, `<> 0`) and `c <> ''` (or `> ''`) keep only rows where the column has a value
    /// that is not empty or blank, which is also what `NULLIF(c, '')` compares against.
    /// </summary>
    private static void MarkNonEmpty(BooleanComparisonExpression c, QueryScope scope)
    {
        var left = Unwrapped(c.FirstExpression);
        var right = Unwrapped(c.SecondExpression);
        var type = c.ComparisonType;
        if (left is Literal && right is not Literal)
        {
            (left, right) = (right, left);
            type = type switch
            {
                BooleanComparisonType.LessThan => BooleanComparisonType.GreaterThan,
                BooleanComparisonType.LessThanOrEqualTo => BooleanComparisonType.GreaterThanOrEqualTo,
                BooleanComparisonType.GreaterThan => BooleanComparisonType.LessThan,
                BooleanComparisonType.GreaterThanOrEqualTo => BooleanComparisonType.LessThanOrEqualTo,
                _ => type,
            };
        }
        ScalarExpression? column = null;
        if (left is FunctionCall { CallTarget: null, Parameters.Count: 1 } len && string.Equals(len.FunctionName?.Value, "LEN", StringComparison.OrdinalIgnoreCase) &&
            right is IntegerLiteral { Value: var n } &&
            (type, n) is (BooleanComparisonType.GreaterThan, "0") or (BooleanComparisonType.GreaterThanOrEqualTo, "1")
                or (BooleanComparisonType.NotEqualToBrackets, "0") or (BooleanComparisonType.NotEqualToExclamation, "0"))
            column = len.Parameters[0];
        else if (right is StringLiteral { Value: var s } && s.Trim(' ').Length == 0 &&
                 type is BooleanComparisonType.NotEqualToBrackets or BooleanComparisonType.NotEqualToExclamation or BooleanComparisonType.GreaterThan)
            column = left;
        while (column is ParenthesisExpression p) column = p.Expression;
        if (column is ColumnReferenceExpression { ColumnType: ColumnType.Regular, MultiPartIdentifier: not null } col && RelationOf(col, scope) is { } r)
            scope.MarkNonEmpty(r, col.MultiPartIdentifier.Identifiers[^1].Value);
    }

    /// <summary>
    /// Whether some OR of the scope's WHERE makes one of the arguments non-NULL in each of its branches
    /// (`COALESCE(NULLIF(a, ''), b + 'x')` under `WHERE LEN(a) > 0 OR b IS NOT NULL`).
    /// </summary>
    private bool NotNullInEveryBranch(IList<ScalarExpression> arguments, QueryScope scope)
    {
        if (scope.Alternatives.Count == 0) return false;
        int unresolved = _unresolved.Count;
        try
        {
            return scope.Alternatives.Any(branches => branches.All(b => arguments.Any(a => Expr(a, b).Nullable == false)));
        }
        finally
        {
            // the arguments were read once already; a second reading must not report a broken column twice
            _unresolved.RemoveRange(unresolved, _unresolved.Count - unresolved);
        }
    }

    private static void MarkNotNull(ScalarExpression? e, QueryScope scope)
    {
        while (e is ParenthesisExpression p) e = p.Expression;
        if (e is ColumnReferenceExpression { ColumnType: ColumnType.Regular, MultiPartIdentifier: not null } c && RelationOf(c, scope) is { } r)
            scope.MarkNotNull(r, c.MultiPartIdentifier.Identifiers[^1].Value);
        else if (e is VariableReference v)
            scope.MarkNotNull(VariableRows, v.Name);
    }

    private ColumnOrigin Column(ColumnReferenceExpression c, QueryScope scope)
    {
        if (c.ColumnType != ColumnType.Regular || c.MultiPartIdentifier is null) return ColumnOrigin.Unknown;
        var ids = c.MultiPartIdentifier.Identifiers;
        var column = ids[^1].Value;
        var qualifier = new string[ids.Count - 1];
        for (int i = 0; i < qualifier.Length; i++) qualifier[i] = ids[i].Value;

        for (var s = scope; s is not null; s = s.Parent)
        {
            Relation? firstOpen = null;
            int matched = 0, open = 0;
            foreach (var r in s.Relations)
            {
                if (!r.Matches(qualifier)) continue;
                matched++;
                if (r.IsOpen) { open++; firstOpen ??= r; continue; }
                if (r.Find(column) is { } found) return scope.IsNotNull(r, column) ? found with { Nullable = false } : found;
            }
            if (matched == 0) continue;
            if (open == 1 || (qualifier.Length > 0 && open > 0))
            {
                var found = firstOpen!.Find(column)!;
                return scope.IsNotNull(firstOpen, column) ? found with { Nullable = false } : found;
            }
            if (qualifier.Length > 0)
            {
                // The table is known and has no such column: a broken reference.
                foreach (var r in s.Relations)
                    if (r.Definition is { } def && r.Matches(qualifier)) _unresolved.Add(new UnresolvedColumn(c, def));
                return ColumnOrigin.Unknown;
            }
        }
        if (qualifier.Length == 0 && scope.Relations.Count == 1 && scope.Relations[0].Definition is { } only)
        {
            // Unqualified, found nowhere, and the scope is one catalog table: the column is missing there.
            _unresolved.Add(new UnresolvedColumn(c, only));
        }
        return ColumnOrigin.Unknown;
    }
}
