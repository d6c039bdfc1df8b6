using System.Globalization;
using EtlAgent.Core.Translation;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace EtlAgent.Core.Sandbox.DuckDb;

internal sealed partial class Interpreter
{
    /// <summary>BEGIN … END, IF, WHILE, BREAK, CONTINUE, RETURN, GOTO and labels, WAITFOR.</summary>
    private sealed class ControlFlowExecutor(Interpreter host)
    {
        public Flow Block(BeginEndBlockStatement b) => host.RunList(b.StatementList.Statements);

        public Flow If(IfStatement i)
        {
            if (host.Test(i.Predicate)) return host.Run(i.ThenStatement);
            return i.ElseStatement is null ? Flow.Normal : host.Run(i.ElseStatement);
        }

        public Flow While(WhileStatement w)
        {
            while (host.Test(w.Predicate))
            {
                host._cancel.ThrowIfCancellationRequested();
                var flow = host.Run(w.Statement);
                if (flow == Flow.Break) break;
                if (flow == Flow.Return) return flow;
            }
            return Flow.Normal;
        }

        public Flow Break(BreakStatement _) => Flow.Break;

        public Flow Continue(ContinueStatement _) => Flow.Continue;

        /// <summary>In a scalar function RETURN gives the function's value; elsewhere the procedure's return code.</summary>
        public Flow Return(ReturnStatement r)
        {
            if (host._frame.FunctionReturnType is { } frt)
                host._frame.FunctionResult = r.Expression is null ? null : host.Eval(r.Expression, frt);
            else
                host._frame.ReturnValue = r.Expression is null ? 0 : Convert.ToInt32(host.Eval(r.Expression, SqlTranslator.Int), CultureInfo.InvariantCulture);
            return Flow.Return;
        }

        /// <summary>The statement lists holding the label catch the jump: <see cref="RunList"/>.</summary>
        public Flow GoTo(GoToStatement g) => throw new GotoSignal(g.LabelName.Value, g);

        public Flow Label(LabelStatement _) => Flow.Normal;

        /// <summary>Time does not pass in the sandbox: WAITFOR returns at once.</summary>
        public Flow WaitFor(WaitForStatement _) => Flow.Normal;
    }
}
