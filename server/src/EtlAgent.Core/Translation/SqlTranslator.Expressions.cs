using System.Globalization;
using EtlAgent.Core.Catalog;
using EtlAgent.Core.Model;
using Microsoft.SqlServer.TransactSql.ScriptDom;
using static EtlAgent.Core.Translation.SqlText;

namespace EtlAgent.Core.Translation;

/// <summary>A translated scalar expression: DuckDB SQL and its T-SQL type (null when unknown).</summary>
public readonly record struct Tx(string Sql, SqlType? Type, bool IsNullLiteral = false, string? StringConstant = null, string? Collation = null, string? Uncollated = null);

/// <summary>
/// Typed translator from the ScriptDom AST to DuckDB SQL. Differences between the dialects live in
/// <see cref="FunctionTable"/>, <see cref="DuckTypes"/>, <see cref="Macros"/> and the rewrite
/// steps of the statement translators; anything else is an <see cref="UnsupportedConstructException"/>.
/// </summary>
public sealed partial class SqlTranslator
{
    public static readonly SqlType Int = new("int"), BigInt = new("bigint"), Bit = new("bit"), Float = new("float"),
        NVarMax = new("nvarchar", SqlType.Max), VarMax = new("varchar", SqlType.Max), Date = new("date"),
        DateTime2 = new("datetime2", null, null, 7), DateTimeT = new("datetime"), Guid = new("uniqueidentifier"),
        Numeric38 = new("numeric", null, 38, 0);

    public SqlTranslator(TranslationEnv env) { Env = env; }

    public TranslationEnv Env { get; }

    internal UnsupportedConstructException Unsupported(string construct, TSqlFragment at, string? detail = null) =>
        new(construct, Env.LocationOf(at), detail);

    /// <summary>
    /// Refuses, instead of overflowing the stack, a construct nested deeper than the calling thread
    /// can recurse (a stack overflow would end the process; tests run on ordinary threads).
    /// </summary>
    internal void EnsureStack(TSqlFragment at)
    {
        if (!System.Runtime.CompilerServices.RuntimeHelpers.TryEnsureSufficientExecutionStack())
            throw Unsupported("nesting this deep", at, "split the expression or statement into simpler ones");
    }

    /// <summary>
    /// An explicit COLLATE: case-sensitive (_CS, _BIN, _BIN2) compares as DuckDB's binary collation,
    /// accent-insensitive (_CI_AI) as nocase.noaccent; the default _CI_AS needs nothing.
    /// </summary>
    public Tx Expr(ScalarExpression e, Scope scope)
    {
        EnsureStack(e);
        var x = ExprCore(e, scope);
        if (e is PrimaryExpression { Collation: { } collation })
        {
            var name = collation.Value.ToUpperInvariant();
            string? duck = name.Contains("_BIN") || name.Contains("_CS") ? "\"binary\""
                : name.Contains("_CI_AI") ? "nocase.noaccent"
                : name.Contains("_CI") ? null
                : throw Unsupported($"COLLATE {collation.Value}", e);
            if (duck is not null) x = x with { Sql = $"({x.Sql} COLLATE {duck})", Collation = duck, Uncollated = x.Sql };
        }
        return x;
    }

    private Tx ExprCore(ScalarExpression e, Scope scope)
    {
        switch (e)
        {
            case IntegerLiteral i:
                return long.TryParse(i.Value, out var iv) && iv is >= int.MinValue and <= int.MaxValue
                    ? new Tx(i.Value, Int) : new Tx($"CAST({i.Value} AS BIGINT)", BigInt);
            case NumericLiteral n:
            {
                var digits = n.Value.TrimStart('-', '+');
                int dot = digits.IndexOf('.');
                int scale = dot < 0 ? 0 : digits.Length - dot - 1;
                int prec = Math.Max(digits.Replace(".", "").TrimStart('0').Length, scale);
                prec = Math.Clamp(Math.Max(prec, 1), 1, 38);
                return new Tx($"CAST({n.Value} AS DECIMAL({Math.Max(prec, scale)},{scale}))", new SqlType("numeric", null, Math.Max(prec, scale), scale));
            }
            case RealLiteral r: return new Tx($"CAST({r.Value} AS DOUBLE)", Float);
            case MoneyLiteral m: return new Tx($"CAST({m.Value.TrimStart('$')} AS DECIMAL(19,4))", new SqlType("money"));
            case StringLiteral s:
                return new Tx(Str(s.Value), new SqlType(s.IsNational ? "nvarchar" : "varchar", Math.Max(1, s.Value.Length)), StringConstant: s.Value);
            case NullLiteral: return new Tx("NULL", null, IsNullLiteral: true);
            case BinaryLiteral b: return new Tx($"unhex('{b.Value[2..]}')", new SqlType("varbinary", SqlType.Max));
            case DefaultLiteral d: throw Unsupported("DEFAULT in this position", d);
            case VariableReference v: return Variable(v.Name, v);
            case GlobalVariableExpression g: return Global(g.Name, g);
            case ParenthesisExpression p: { var inner = Expr(p.Expression, scope); return inner with { Sql = "(" + inner.Sql + ")" }; }
            case ColumnReferenceExpression c: return Column(c, scope);
            case UnaryExpression u:
            {
                var x = Expr(u.Expression, scope);
                return u.UnaryExpressionType switch
                {
                    UnaryExpressionType.Negative => new Tx("(-" + x.Sql + ")", x.Type),
                    UnaryExpressionType.Positive => x,
                    _ => new Tx("(~" + x.Sql + ")", x.Type),
                };
            }
            case BinaryExpression b: return Binary(b, scope);
            case SearchedCaseExpression sc:
            {
                var parts = new List<string>();
                var types = new List<Tx>();
                foreach (var w in sc.WhenClauses)
                {
                    var then = Expr(w.ThenExpression, scope);
                    types.Add(then);
                    parts.Add($"WHEN {Bool(w.WhenExpression, scope)} THEN ");
                }
                if (sc.ElseExpression is not null) { var el = Expr(sc.ElseExpression, scope); types.Add(el); parts.Add("ELSE "); }
                return CaseOf(parts, types, sc);
            }
            case SimpleCaseExpression sc:
            {
                var input = Expr(sc.InputExpression, scope);
                var parts = new List<string>();
                var types = new List<Tx>();
                foreach (var w in sc.WhenClauses)
                {
                    var when = Expr(w.WhenExpression, scope);
                    var then = Expr(w.ThenExpression, scope);
                    types.Add(then);
                    parts.Add($"WHEN {Compare(input, when, "=", w)} THEN ");
                }
                if (sc.ElseExpression is not null) { var el = Expr(sc.ElseExpression, scope); types.Add(el); parts.Add("ELSE "); }
                return CaseOf(parts, types, sc);
            }
            case CoalesceExpression co:
            {
                var args = co.Expressions.Select(a => Expr(a, scope)).ToList();
                var t = Dominant(args);
                return new Tx("coalesce(" + string.Join(", ", args.Select(a => Coerce(a, t, co).Sql)) + ")", t);
            }
            case NullIfExpression ni:
            {
                var a = Expr(ni.FirstExpression, scope);
                var b = Expr(ni.SecondExpression, scope);
                return new Tx($"CASE WHEN {Compare(a, b, "=", ni)} THEN NULL ELSE {a.Sql} END", a.Type);
            }
            case IIfCall iif:
            {
                var a = Expr(iif.ThenExpression, scope);
                var b = Expr(iif.ElseExpression, scope);
                return CaseOf(new List<string> { $"WHEN {Bool(iif.Predicate, scope)} THEN ", "ELSE " }, new List<Tx> { a, b }, iif);
            }
            case CastCall cc: return Cast(Expr(cc.Parameter, scope), CastTarget(cc.DataType), false, null, cc);
            case TryCastCall tc: return Cast(Expr(tc.Parameter, scope), CastTarget(tc.DataType), true, null, tc);
            case ConvertCall cv: return Cast(Expr(cv.Parameter, scope), CastTarget(cv.DataType), false, StyleOf(cv.Style, scope), cv);
            case TryConvertCall tcv: return Cast(Expr(tcv.Parameter, scope), CastTarget(tcv.DataType), true, StyleOf(tcv.Style, scope), tcv);
            case ScalarSubquery { QueryExpression: QuerySpecification { ForClause: not null } fq }: return ForClauseSubquery(fq, scope);
            case ScalarSubquery sq: return new Tx("(" + Query(sq.QueryExpression, new Scope(scope), out var shape) + ")", shape.Count > 0 ? shape[0].Type : null);
            case LeftFunctionCall lf:
            {
                var a = lf.Parameters.Select(p => Expr(p, scope)).ToList();
                return new Tx($"CASE WHEN {a[1].Sql} < 0 THEN {SqlText.Raise(536, "Invalid length parameter passed to the left function.")} ELSE left({AsText(a[0])}, CAST({a[1].Sql} AS BIGINT)) END", StringResult(a[0]));
            }
            case RightFunctionCall rf:
            {
                var a = rf.Parameters.Select(p => Expr(p, scope)).ToList();
                return new Tx($"CASE WHEN {a[1].Sql} < 0 THEN {SqlText.Raise(536, "Invalid length parameter passed to the right function.")} ELSE right({AsText(a[0])}, CAST({a[1].Sql} AS BIGINT)) END", StringResult(a[0]));
            }
            case NextValueForExpression nv:
            {
                if (nv.OverClause is not null) throw Unsupported("NEXT VALUE FOR … OVER", nv);
                var name = new QualifiedName(nv.SequenceName.SchemaIdentifier?.Value, nv.SequenceName.BaseIdentifier.Value);
                var seq = Env.Catalog.FindSequence(name) ?? throw Unsupported($"sequence {name}", nv, "not in the catalog");
                return new Tx($"CAST(nextval({SequenceArgument(Env.SequenceName!(name))}) AS {DuckTypes.Of(seq.Type)})", seq.Type);
            }
            case ParameterlessCall pc:
                return pc.ParameterlessCallType switch
                {
                    ParameterlessCallType.CurrentTimestamp => new Tx(Env.ClockSql is { } clock ? $"CAST({clock} AS TIMESTAMP)" : Literal(Env.Clock, DateTimeT), DateTimeT),
                    _ => new Tx(Str("sandbox"), new SqlType("nvarchar", 128)),
                };
            case FunctionCall f: return FunctionTable.Translate(this, f, scope);
            default:
                throw Unsupported(e.GetType().Name.Replace("Expression", " expression"), e);
        }
    }

    /// <summary>The target of CAST/CONVERT: a string type without a length means length 30 there.</summary>
    private SqlType CastTarget(DataTypeReference reference)
    {
        var t = DataTypes.From(reference, Env.Catalog.AliasTypes);
        return reference is SqlDataTypeReference { Parameters.Count: 0 } && t.Name is "char" or "varchar" or "nchar" or "nvarchar" ? t with { Length = 30 } : t;
    }

    internal int? StyleOf(ScalarExpression? style, Scope scope)
    {
        if (style is null) return null;
        if (style is IntegerLiteral i) return int.Parse(i.Value, CultureInfo.InvariantCulture);
        throw Unsupported("CONVERT with a non-constant style", style);
    }

    /// <summary>
    /// CASE/IIF of the branches behind their WHEN … THEN / ELSE prefixes, typed by precedence: a
    /// string branch beside a number or date converts as SQL Server converts it (the engine would
    /// refuse to mix the types), only where the branch is taken.
    /// </summary>
    private Tx CaseOf(List<string> prefixes, List<Tx> branches, TSqlFragment at)
    {
        var t = Dominant(branches);
        var parts = prefixes.Zip(branches, (prefix, b) =>
            prefix + (t is not null && b.Type is not null && b.Type.IsString != t.IsString ? Coerce(b, t, at).Sql : b.Sql));
        return new Tx("CASE " + string.Join(" ", parts) + " END", t);
    }

    /// <summary>Result type of CASE/COALESCE: SQL Server's data type precedence, simplified.</summary>
    internal static SqlType? Dominant(IEnumerable<Tx> items)
    {
        SqlType? best = null;
        foreach (var i in items)
        {
            if (i.Type is null) continue;
            if (best is null || Precedence(i.Type) > Precedence(best)) best = i.Type;
            else if (best.IsString && i.Type.IsString && Precedence(i.Type) == Precedence(best))
                best = best with { Length = best.IsMax || i.Type.IsMax ? SqlType.Max : Math.Max(best.EffectiveLength ?? 1, i.Type.EffectiveLength ?? 1) };
        }
        return best;
    }

    internal static int Precedence(SqlType t) => t.Name switch
    {
        "datetimeoffset" => 30, "datetime2" => 29, "datetime" => 28, "smalldatetime" => 27, "date" => 26, "time" => 25,
        "float" => 24, "real" => 23, "decimal" or "numeric" => 22, "money" => 21, "smallmoney" => 20,
        "bigint" => 19, "int" => 18, "smallint" => 17, "tinyint" => 16, "bit" => 15,
        "uniqueidentifier" => 12, "nvarchar" or "sysname" or "ntext" => 11, "nchar" => 10, "varchar" or "text" => 9, "char" => 8,
        _ => 5,
    };

    private Tx Variable(string name, TSqlFragment at)
    {
        var v = Env.Variable(name) ?? throw new UnsupportedConstructException($"undeclared variable {name}", Env.LocationOf(at), "Must declare the scalar variable.");
        return v.Sql is not null ? new Tx(v.Sql, v.Type) : new Tx(Literal(v.Value, v.Type), v.Type, StringConstant: v.Value as string);
    }

    private Tx Global(string name, TSqlFragment at)
    {
        switch (name.ToUpperInvariant())
        {
            case "@@DATEFIRST": return new Tx("7", new SqlType("tinyint"));
            case "@@SPID": return new Tx($"CAST({DynamicManagementViews.SessionId} AS SMALLINT)", new SqlType("smallint"));
            case "@@SERVERNAME": case "@@SERVICENAME": return new Tx(Str("sandbox"), new SqlType("nvarchar", 128));
            case "@@VERSION": return new Tx(Str("EtlAgent DuckDB sandbox"), new SqlType("nvarchar", 300));
            case "@@LANGUAGE": return new Tx(Str("us_english"), new SqlType("nvarchar", 128));
            case "@@MAX_PRECISION": return new Tx("CAST(38 AS UTINYINT)", new SqlType("tinyint"));
        }
        var i = Env.Intrinsic(name.ToUpperInvariant()) ?? throw Unsupported(name, at);
        return new Tx(Literal(i.Value, i.Type), i.Type);
    }

    private Tx Column(ColumnReferenceExpression c, Scope scope)
    {
        switch (c.ColumnType)
        {
            case ColumnType.Wildcard:
                return new Tx(c.MultiPartIdentifier is null ? "*" : Id(c.MultiPartIdentifier.Identifiers[^1].Value) + ".*", null);
            case ColumnType.PseudoColumnAction:
            {
                var p = scope.PseudoTable?.Invoke("$action", "") ?? throw Unsupported("$action outside MERGE … OUTPUT", c);
                return new Tx(p, new SqlType("nvarchar", 10));
            }
            case ColumnType.Regular:
                break;
            default:
                throw Unsupported($"{c.ColumnType} column reference", c);
        }
        var parts = c.MultiPartIdentifier.Identifiers.Select(i => i.Value).ToList();
        if (parts.Count >= 2 && scope.PseudoTable is not null && parts[^2] is var q &&
            (q.Equals("inserted", StringComparison.OrdinalIgnoreCase) || q.Equals("deleted", StringComparison.OrdinalIgnoreCase)))
        {
            var sql = scope.PseudoTable(q.ToLowerInvariant(), parts[^1]) ?? throw Unsupported($"{q}.{parts[^1]}", c);
            return new Tx(sql, scope.ColumnType(new[] { parts[^1] }));
        }
        var type = scope.ColumnType(parts);
        var original = parts;
        if (parts.Count > 2) parts = parts.Skip(parts.Count - 2).ToList();
        // #t.c names the temp table by the name its FROM (or an UPDATE's target) exposes it under: kept
        // when a source in view goes by it (UPDATE #t SET c = (SELECT … WHERE x.k = #t.k)), else the table itself
        if (parts.Count == 2 && parts[0].StartsWith('#') && scope.Owner(parts) is null && Env.LocalTable(parts[0]) is { } lt)
            parts[0] = lt.PhysicalName;
        if (parts.Count == 1 && scope.QualifiedNames?.Contains(parts[0]) == true && scope.SourceOf(parts[0]) is { } source)
            return new Tx(Id(source.Exposed) + "." + Id(parts[0]), type);
        return new Tx(Grouped(string.Join(".", parts.Select(Id)), original, scope), type);
    }

    private Tx Binary(BinaryExpression b, Scope scope)
    {
        var l = Expr(b.FirstExpression, scope);
        var r = Expr(b.SecondExpression, scope);
        switch (b.BinaryExpressionType)
        {
            case BinaryExpressionType.Add:
                if (l.Type?.IsString == true || r.Type?.IsString == true || (l.StringConstant is not null && r.Type is null) || (r.StringConstant is not null && l.Type is null))
                {
                    if (l.Type?.IsString == true && r.Type is { IsString: false } || r.Type?.IsString == true && l.Type is { IsString: false })
                    {
                        // SQL Server converts the string side to the other (higher precedence) type.
                        var target = l.Type!.IsString ? r.Type! : l.Type!;
                        if (target.IsNumeric) return Arith("+", Cast(l, target, false, null, b), Cast(r, target, false, null, b), b);
                    }
                    var t = ConcatType(l.Type, r.Type);
                    // constants (and variables, inlined as constants) concatenate to a constant, so
                    // OBJECT_ID(@schema + '.' + @name) and the like stay readable at translation time
                    return new Tx($"({AsText(l)} || {AsText(r)})", t,
                        StringConstant: l.StringConstant is { } lc && r.StringConstant is { } rc && (l.Type?.IsString ?? true) && (r.Type?.IsString ?? true) ? lc + rc : null);
                }
                if (l.Type?.IsDateTime == true && r.Type?.IsNumeric == true)
                    return new Tx($"({l.Sql} + to_days(CAST({r.Sql} AS INTEGER)))", l.Type);
                return Arith("+", l, r, b);
            case BinaryExpressionType.Subtract:
                if (l.Type?.IsDateTime == true && r.Type?.IsNumeric == true)
                    return new Tx($"({l.Sql} - to_days(CAST({r.Sql} AS INTEGER)))", l.Type);
                return Arith("-", l, r, b);
            case BinaryExpressionType.Multiply: return Arith("*", l, r, b);
            case BinaryExpressionType.Divide:
            {
                var t = ArithType(l.Type, r.Type);
                if (l.Type?.IsInteger == true && r.Type?.IsInteger == true)
                    return new Tx($"tsql_idiv({l.Sql}, {r.Sql})", t);
                if (t?.IsDecimal == true || t?.Name is "money")
                {
                    int scale = Math.Max(6, (l.Type?.Scale ?? 0) + (r.Type?.Precision ?? 10) + 1);
                    scale = Math.Min(scale, 18);
                    var rt = new SqlType("decimal", null, 38, scale);
                    return new Tx($"CAST(tsql_div(CAST({l.Sql} AS DOUBLE), {r.Sql}) AS DECIMAL(38,{scale}))", rt);
                }
                return new Tx($"tsql_div({l.Sql}, {r.Sql})", t);
            }
            case BinaryExpressionType.Modulo: return new Tx($"tsql_mod({l.Sql}, {r.Sql})", ArithType(l.Type, r.Type));
            case BinaryExpressionType.BitwiseAnd: return new Tx($"({l.Sql} & {r.Sql})", ArithType(l.Type, r.Type));
            case BinaryExpressionType.BitwiseOr: return new Tx($"({l.Sql} | {r.Sql})", ArithType(l.Type, r.Type));
            case BinaryExpressionType.BitwiseXor: return new Tx($"xor({l.Sql}, {r.Sql})", ArithType(l.Type, r.Type));
            default: throw Unsupported($"operator {b.BinaryExpressionType}", b);
        }
    }

    private static SqlType ConcatType(SqlType? a, SqlType? b)
    {
        bool unicode = a?.IsUnicode == true || b?.IsUnicode == true;
        int? la = a?.IsString == true ? a.EffectiveLength : 30, lb = b?.IsString == true ? b.EffectiveLength : 30;
        int len = la == SqlType.Max || lb == SqlType.Max ? SqlType.Max : Math.Min((la ?? 30) + (lb ?? 30), unicode ? 4000 : 8000);
        return new SqlType(unicode ? "nvarchar" : "varchar", len);
    }

    private Tx Arith(string op, Tx l, Tx r, TSqlFragment at)
    {
        if (l.Type?.IsString == true && r.Type?.IsNumeric == true) l = Cast(l, r.Type, false, null, at);
        if (r.Type?.IsString == true && l.Type?.IsNumeric == true) r = Cast(r, l.Type, false, null, at);
        var t = ArithType(l.Type, r.Type);
        string ls = l.Type?.Name == "bit" ? $"CAST({l.Sql} AS INTEGER)" : l.Sql, rs = r.Type?.Name == "bit" ? $"CAST({r.Sql} AS INTEGER)" : r.Sql;
        // SQL Server keeps int arithmetic in int (overflow is an error); DuckDB would widen tinyint.
        if (t is not null && t.IsInteger && t.Name is not "bigint")
            return new Tx($"CAST(({ls} {op} {rs}) AS INTEGER)", t.Name is "tinyint" or "smallint" or "bit" ? Int : t);
        if (t is not null && t.Name is "bigint") return new Tx($"CAST(({ls} {op} {rs}) AS BIGINT)", t);
        return new Tx($"({ls} {op} {rs})", t);
    }

    internal static SqlType? ArithType(SqlType? a, SqlType? b)
    {
        if (a is null) return b;
        if (b is null) return a;
        if (a.IsString && b.IsString) return a;
        var t = Precedence(a) >= Precedence(b) ? a : b;
        if (t.IsDecimal && a.IsDecimal && b.IsDecimal)
            return new SqlType("decimal", null, 38, Math.Max(a.Scale ?? 0, b.Scale ?? 0));
        return t;
    }

    internal static SqlType StringResult(Tx a) =>
        a.Type is { IsString: true } t ? (t.Name is "char" ? t with { Name = "varchar" } : t.Name is "nchar" ? t with { Name = "nvarchar" } : t) : NVarMax;

    /// <summary>An expression as text, the way SQL Server converts it implicitly for string functions.</summary>
    internal string AsText(Tx a)
    {
        if (a.Type is null || a.Type.IsString) return a.Sql;
        return Cast(a, new SqlType("nvarchar", SqlType.Max), false, null, null).Sql;
    }

    /// <summary>Converts an expression implicitly to a type (string constants to dates are parsed here).</summary>
    internal Tx Coerce(Tx a, SqlType? to, TSqlFragment? at)
    {
        if (to is null || a.Type is null && !a.IsNullLiteral) return a;
        if (a.IsNullLiteral) return new Tx($"CAST(NULL AS {DuckTypes.Of(to)})", to);
        if (a.Type is not null && a.Type.Name == to.Name) return a;
        if (a.Type!.IsString && !to.IsString) return Cast(a, to, false, null, at);
        if (to.IsString && !a.Type.IsString) return Cast(a, NVarMax with { Name = to.IsUnicode ? "nvarchar" : "varchar" }, false, null, at);
        return a;
    }
}
