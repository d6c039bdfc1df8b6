using System.Globalization;
using EtlAgent.Core.Lineage;
using EtlAgent.Core.Model;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace EtlAgent.Core.Generation;

/// <summary>
/// Scalar functions whose one RETURN is a constant (`RETURN DATEFROMPARTS(2100, 1, 1)`, `RETURN '99991231'`): the
/// "end of time" of a warehouse's validity windows. A comparison with a call of one (`d.[end_date] = mq.fn_GetMaxDate()`)
/// is a comparison with that literal, so the rows a lookup must find hold it (<see cref="CodeFacts"/>).
/// </summary>
internal sealed class ConstantFunctions
{
    private readonly Dictionary<string, Literal> _constants = new(StringComparer.OrdinalIgnoreCase);

    public static ConstantFunctions Of(IEnumerable<TransformationAnalysis> closure)
    {
        var found = new ConstantFunctions();
        foreach (var t in closure)
        {
            if (t.Transformation.Kind != TransformationKind.Function || t.Syntax.Definition is not FunctionStatementBody
                { ReturnType: ScalarFunctionReturnType, StatementList: { } body }) continue;
            var returns = new Returns();
            body.Accept(returns);
            if (returns.Found is [{ Expression: { } e }] && Fold(e) is { } literal) found._constants[t.Transformation.Name] = literal;
        }
        return found;
    }

    /// <summary>The literal a call of a constant function stands for; null for any other expression.</summary>
    public Literal? Of(ScalarExpression e) =>
        _constants.Count > 0 && e is FunctionCall { CallTarget: MultiPartIdentifierCallTarget { MultiPartIdentifier.Count: 1 } target } call
        && _constants.TryGetValue($"{target.MultiPartIdentifier.Identifiers[0].Value}.{call.FunctionName.Value}", out var literal) ? literal : null;

    /// <summary>
    /// A constant expression as one literal: a literal, a conversion of one (dates written ISO, unseparated
    /// yyyymmdd included), DATEFROMPARTS/DATETIMEFROMPARTS of integers. Null for anything else.
    /// </summary>
    internal static Literal? Fold(ScalarExpression e)
    {
        switch (e)
        {
            case ParenthesisExpression p: return Fold(p.Expression);
            case IntegerLiteral or NumericLiteral: return (Literal)e;
            case StringLiteral s: return s;
            case CastCall c: return Converted(c.DataType, c.Parameter);
            case ConvertCall c when c.Style is null: return Converted(c.DataType, c.Parameter);
            case FunctionCall f when f.CallTarget is null && f.Parameters.Select(Integer).ToList() is var parts && parts.All(p => p is not null):
                try
                {
                    return f.FunctionName.Value.ToUpperInvariant() switch
                    {
                        "DATEFROMPARTS" when parts.Count == 3 => Date(new DateTime((int)parts[0]!, (int)parts[1]!, (int)parts[2]!)),
                        "DATETIMEFROMPARTS" when parts.Count == 7 => Date(new DateTime((int)parts[0]!, (int)parts[1]!, (int)parts[2]!,
                            (int)parts[3]!, (int)parts[4]!, (int)parts[5]!, (int)parts[6]!)),
                        _ => null,
                    };
                }
                catch (ArgumentOutOfRangeException) { return null; }
            default: return null;
        }
    }

    private static Literal? Converted(DataTypeReference type, ScalarExpression value)
    {
        if (Fold(value) is not { } inner) return null;
        if (type is not SqlDataTypeReference { SqlDataTypeOption: var option }) return null;
        bool toDate = option is SqlDataTypeOption.Date or SqlDataTypeOption.DateTime or SqlDataTypeOption.DateTime2 or SqlDataTypeOption.SmallDateTime;
        if (!toDate) return inner;
        if (inner is not StringLiteral { Value: var text }) return null;
        // yyyymmdd is the one unseparated form SQL Server reads whatever the language; the rest as the invariant culture does
        if (text.Length == 8 && DateTime.TryParseExact(text, "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day)) return Date(day);
        return DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var when) ? Date(when) : null;
    }

    private static int? Integer(ScalarExpression e) =>
        e is IntegerLiteral i && int.TryParse(i.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : null;

    private static StringLiteral Date(DateTime d) => new()
    {
        Value = d.TimeOfDay == TimeSpan.Zero ? d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : d.ToString("yyyy-MM-ddTHH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture),
    };

    private sealed class Returns : TSqlFragmentVisitor
    {
        public List<ReturnStatement> Found { get; } = new();
        public override void ExplicitVisit(ReturnStatement node) => Found.Add(node);
    }
}
