using EtlAgent.Core.Catalog;
using EtlAgent.Core.Translation;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace EtlAgent.Core.Sandbox.DuckDb;

internal sealed partial class Interpreter
{
    /// <summary>DECLARE @v and SET @v (SELECT @v = … is a SELECT: <see cref="SelectExecutor"/>).</summary>
    private sealed class VariableExecutor(Interpreter host)
    {
        public Flow Declare(DeclareVariableStatement d)
        {
            foreach (var v in d.Declarations)
            {
                var type = DataTypes.From(v.DataType, host._model.Catalog.AliasTypes);
                // a variable of a user-defined table type is a table variable with the type's columns and keys
                if (v.DataType is UserDataTypeReference udtRef && host._model.Catalog.Find(DdlReader.NameOf(udtRef.Name)) is { Kind: Model.TableKind.TableType } tableType)
                {
                    if (!host.FindLocalInFrame(v.VariableName.Value)) host.CreateLocal(v.VariableName.Value, tableType, v);
                    continue;
                }
                if (v.DataType is UserDataTypeReference && !DuckTypes.IsKnown(type))
                    throw host.Unsupported(DuckTypes.Unknown(type), v);
                // A DECLARE met again (in a loop) keeps the value unless it has an initializer.
                if (v.Value is null && host._frame.Vars.TryGetValue(v.VariableName.Value, out var existing) && existing.Type == type) continue;
                object? value = v.Value is null ? null : host.Eval(v.Value, type);
                host._frame.Vars[v.VariableName.Value] = new Var { Type = type, Value = value };
            }
            return Flow.Normal;
        }

        public Flow Set(SetVariableStatement sv)
        {
            if (sv.CursorDefinition is not null) throw host.Unsupported("cursor variables", sv);
            if (sv.Expression is null) throw host.Unsupported("SET @variable form", sv);
            var v = host.VarOf(sv.Variable.Name, sv);
            object? value;
            if (sv.AssignmentKind == AssignmentKind.Equals) value = host.Eval(sv.Expression, v.Type);
            else if (sv.AssignmentKind is AssignmentKind.AddEquals or AssignmentKind.SubtractEquals or AssignmentKind.MultiplyEquals && v.Type.IsInteger && v.Type.Name != "bit"
                     && host.Local.TryScalar(new BinaryExpression
                     {
                         FirstExpression = new VariableReference { Name = sv.Variable.Name },
                         SecondExpression = sv.Expression,
                         BinaryExpressionType = sv.AssignmentKind switch
                         {
                             AssignmentKind.AddEquals => BinaryExpressionType.Add,
                             AssignmentKind.SubtractEquals => BinaryExpressionType.Subtract,
                             _ => BinaryExpressionType.Multiply,
                         },
                     }, v.Type, out var compound))
                value = compound;
            else
            {
                var t = host.Translator();
                var cur = t.Scalar(new VariableReference { Name = sv.Variable.Name });
                var rhs = t.Scalar(sv.Expression);
                string sql = sv.AssignmentKind switch
                {
                    AssignmentKind.AddEquals => v.Type.IsString ? $"({cur.Sql} || {t.AsText(rhs)})" : $"({cur.Sql} + {rhs.Sql})",
                    AssignmentKind.SubtractEquals => $"({cur.Sql} - {rhs.Sql})",
                    AssignmentKind.MultiplyEquals => $"({cur.Sql} * {rhs.Sql})",
                    AssignmentKind.DivideEquals => v.Type.IsInteger && rhs.Type?.IsInteger == true ? $"tsql_idiv({cur.Sql}, {rhs.Sql})" : $"tsql_div({cur.Sql}, {rhs.Sql})",
                    AssignmentKind.ModEquals => $"tsql_mod({cur.Sql}, {rhs.Sql})",
                    _ => throw host.Unsupported("SET " + sv.AssignmentKind, sv),
                };
                value = host.Scalar(t.Cast(new Tx(sql, v.Type), v.Type, false, null, sv).Sql, v.Type);
            }
            v.Value = value;
            host._rowCount = 1;
            return Flow.Normal;
        }
    }
}
