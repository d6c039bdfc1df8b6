using EtlAgent.Core.Syntax;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace EtlAgent.Core.Rules;

/// <summary>
/// The SQL an `EXEC ('…')` or `sp_executesql` runs, when its text is visible in the code: string
/// literals, concatenations of them, or a variable assigned once (in its DECLARE, one SET or one SELECT without FROM) in the
/// same module. Parts that are only known at run time (a variable, QUOTENAME(@x), a CAST) become a
/// placeholder, and names that touch a placeholder are not trusted (`'FROM dbo.' + @table`).
/// </summary>
public sealed class DynamicSqlText
{
    private const string Placeholder = " 0 ";
    private readonly List<(int Start, int End)> _placeholders;

    private DynamicSqlText(ExecuteStatement at, string text, List<(int, int)> placeholders, TSqlFragment tree)
    {
        At = at;
        Text = text;
        _placeholders = placeholders;
        Tree = tree;
        Index = new SyntaxIndex(tree);
    }

    /// <summary>The statement that runs the text.</summary>
    public ExecuteStatement At { get; }

    /// <summary>The text as rebuilt (placeholders for run-time parts); offsets of <see cref="Tree"/> are in it.</summary>
    public string Text { get; }

    public TSqlFragment Tree { get; }
    public SyntaxIndex Index { get; }

    /// <summary>Whether a name's text is constant: no run-time part inside it or right next to it.</summary>
    public bool IsConstant(TSqlFragment name)
    {
        int start = name.StartOffset, end = name.StartOffset + name.FragmentLength;
        foreach (var (s, e) in _placeholders)
            if (s <= end && e >= start) return false;
        return true;
    }

    /// <summary>Every dynamic SQL statement of the document whose text can be rebuilt and parses.</summary>
    public static IReadOnlyList<DynamicSqlText> Of(SyntaxIndex index, int compatibilityLevel)
    {
        List<DynamicSqlText>? result = null;
        foreach (var exec in index.OfType<ExecuteStatement>())
        {
            var parts = Parts(index, exec);
            if (parts is null) continue;
            var text = new System.Text.StringBuilder();
            var placeholders = new List<(int, int)>();
            foreach (var part in parts)
            {
                if (part is null)
                {
                    placeholders.Add((text.Length, text.Length + Placeholder.Length));
                    text.Append(Placeholder);
                }
                else text.Append(part);
            }
            if (placeholders.Count * Placeholder.Length == text.Length) continue; // nothing constant
            var parser = SqlParser.CreateParser(compatibilityLevel);
            var tree = parser.Parse(new StringReader(text.ToString()), out var errors);
            if (errors.Count > 0 || tree is null) continue;
            (result ??= new()).Add(new DynamicSqlText(exec, text.ToString(), placeholders, tree));
        }
        return (IReadOnlyList<DynamicSqlText>?)result ?? Array.Empty<DynamicSqlText>();
    }

    /// <summary>The constant pieces of the executed text in order, null for a run-time piece; null when the text is not visible.</summary>
    private static List<string?>? Parts(SyntaxIndex index, ExecuteStatement exec)
    {
        switch (exec.ExecuteSpecification?.ExecutableEntity)
        {
            case ExecutableStringList list:
            {
                var parts = new List<string?>();
                foreach (var s in list.Strings)
                {
                    if (s is StringLiteral literal) parts.Add(literal.Value);
                    else if (s is VariableReference v && Assigned(index, exec, v) is { } value) Flatten(index, exec, value, parts, 0);
                    else parts.Add(null);
                }
                return parts;
            }
            case ExecutableProcedureReference { ProcedureReference.ProcedureReference.Name.BaseIdentifier.Value: { } name } proc
                when string.Equals(name, "sp_executesql", StringComparison.OrdinalIgnoreCase) && proc.Parameters.Count > 0:
            {
                var parts = new List<string?>();
                switch (proc.Parameters[0].ParameterValue)
                {
                    case StringLiteral literal: parts.Add(literal.Value); break;
                    case VariableReference v when Assigned(index, exec, v) is { } value: Flatten(index, exec, value, parts, 0); break;
                    default: return null;
                }
                return parts;
            }
            default:
                return null;
        }
    }

    private static void Flatten(SyntaxIndex index, ExecuteStatement exec, ScalarExpression e, List<string?> parts, int depth)
    {
        switch (e)
        {
            case StringLiteral s: parts.Add(s.Value); break;
            case ParenthesisExpression p: Flatten(index, exec, p.Expression, parts, depth); break;
            case BinaryExpression { BinaryExpressionType: BinaryExpressionType.Add } b:
                Flatten(index, exec, b.FirstExpression, parts, depth);
                Flatten(index, exec, b.SecondExpression, parts, depth);
                break;
            case VariableReference v when depth < 4 && Assigned(index, exec, v) is { } value:
                Flatten(index, exec, value, parts, depth + 1);
                break;
            default: parts.Add(null); break;
        }
    }

    /// <summary>
    /// The value of a variable assigned exactly once in the module before <paramref name="exec"/>
    /// (its DECLARE's initial value, or one SET); null when it is assigned more often, appended to, or not at all.
    /// </summary>
    private static ScalarExpression? Assigned(SyntaxIndex index, ExecuteStatement exec, VariableReference v)
    {
        var module = SyntaxRuleHelpers.Innermost(index.OfType<ProcedureStatementBodyBase>(), exec);
        int from = module?.StartOffset ?? 0;
        ScalarExpression? value = null;
        int count = 0;
        foreach (var d in index.OfType<DeclareVariableElement>())
        {
            if (d.StartOffset < from) continue;
            if (d.StartOffset >= exec.StartOffset) break;
            if (!string.Equals(d.VariableName?.Value, v.Name, StringComparison.OrdinalIgnoreCase) || d.Value is null) continue;
            value = d.Value;
            count++;
        }
        foreach (var s in index.OfType<SetVariableStatement>())
        {
            if (s.StartOffset < from) continue;
            if (s.StartOffset >= exec.StartOffset) break;
            if (!string.Equals(s.Variable?.Name, v.Name, StringComparison.OrdinalIgnoreCase)) continue;
            if (s.AssignmentKind != AssignmentKind.Equals) return null;
            value = s.Expression;
            count++;
        }
        // SELECT @sql = ... counts like SET when the SELECT reads no table (it always assigns); over rows, the value is not known
        foreach (var s in index.OfType<SelectSetVariable>())
        {
            if (s.StartOffset < from || s.StartOffset >= exec.StartOffset || !string.Equals(s.Variable?.Name, v.Name, StringComparison.OrdinalIgnoreCase)) continue;
            var select = SyntaxRuleHelpers.Innermost(index.OfType<QuerySpecification>(), s);
            if (s.AssignmentKind != AssignmentKind.Equals || select is null || select.FromClause is not null || select.WhereClause is not null) return null;
            value = s.Expression;
            count++;
        }
        return count == 1 ? value : null;
    }
}
