using EtlAgent.Core.Lineage;
using Microsoft.SqlServer.TransactSql.ScriptDom;
using static EtlAgent.Core.Rules.SyntaxRuleHelpers;

namespace EtlAgent.Core.Rules.Correctness;

/// <summary>
/// The longest text an expression can hold when its parts say more than its declared type: a
/// variable set once to the procedure's own name (`QUOTENAME(OBJECT_SCHEMA_NAME(@@PROCID)) + '.' + ...`),
/// or to ERROR_MESSAGE() in the CATCH block that uses it, joined with literals or chosen by CASE/IIF/COALESCE.
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
            case VariableReference v:
                return OfVariable(context, t, v, depth);
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

    private static bool IsProcId(ScalarExpression e) => Unparen(e) is GlobalVariableExpression g && g.Name.Equals("@@PROCID", StringComparison.OrdinalIgnoreCase);

    private static bool IsAscii(string s)
    {
        foreach (var c in s) if (c > 127) return false;
        return true;
    }
}
