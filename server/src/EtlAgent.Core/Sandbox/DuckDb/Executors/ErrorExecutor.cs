using System.Globalization;
using System.Text.RegularExpressions;
using EtlAgent.Core.Model;
using EtlAgent.Core.Translation;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace EtlAgent.Core.Sandbox.DuckDb;

internal sealed partial class Interpreter
{
    /// <summary>TRY … CATCH, THROW, RAISERROR and PRINT: errors raised and caught, and messages.</summary>
    private sealed class ErrorExecutor(Interpreter host)
    {
        public Flow TryCatch(TryCatchStatement tc)
        {
            try
            {
                host._tryDepth++;
                try { return host.RunList(tc.TryStatements.Statements); }
                finally { host._tryDepth--; }
            }
            catch (SandboxRuntimeError e) when (e.Severity > 10)
            {
                var saved = host._catch;
                host._catch = new ErrorInfo
                {
                    Number = e.Number, Severity = e.Severity, State = e.State, Message = e.Message,
                    Line = e.Data["line"] is int l ? l : 0,
                    Procedure = e.Data["proc"] is string pn ? QualifiedName.Parse(pn).Name : null,
                    ProcedureFull = e.Data["proc"], Document = e.Data["document"], Statement = e.Data["statement"],
                };
                host._lastError = e.Number;
                // the idiom TRY { DROP TABLE #t } CATCH {} fails by design and skips nothing; an error
                // that skipped the rest of its TRY block took the code off its normal path
                var last = tc.TryStatements.Statements.LastOrDefault();
                if (last is not null && !host.Covered.Contains((host._frame.Document?.Path ?? "", last.StartOffset))) host.Caught.Add(e);
                try { return host.RunList(tc.CatchStatements.Statements); }
                finally { host._catch = saved; }
            }
        }

        public Flow Throw(ThrowStatement th)
        {
            if (th.ErrorNumber is null)
            {
                if (host._catch is null) throw new SandboxRuntimeError(10704, "To rethrow an error, a THROW statement must be used inside a CATCH block.");
                var re = new SandboxRuntimeError(host._catch.Number, host._catch.Message, host._catch.Severity, host._catch.State);
                // Rethrown as it was raised: same number, message, line, procedure and place.
                re.Data["line"] = host._catch.Line;
                re.Data["proc"] = host._catch.ProcedureFull;
                re.Data["document"] = host._catch.Document;
                re.Data["statement"] = host._catch.Statement;
                if (host._tranCount > 0 && host._xactAbort) host.Doom();
                throw re;
            }
            int number = Convert.ToInt32(host.Eval(th.ErrorNumber, SqlTranslator.Int), CultureInfo.InvariantCulture);
            string message = Values.ToText(host.Eval(th.Message, SqlTranslator.NVarMax)) ?? "";
            int state = Convert.ToInt32(host.Eval(th.State, SqlTranslator.Int), CultureInfo.InvariantCulture);
            if (number < 50000) throw new SandboxRuntimeError(35100, $"Error number {number} in the THROW statement is outside the valid range. Specify an error number in the valid range of 50000 to 2147483647.");
            throw new SandboxRuntimeError(number, message, 16, state);
        }

        public Flow RaiseError(RaiseErrorStatement re)
        {
            var first = host.Eval(re.FirstParameter);
            int severity = Convert.ToInt32(host.Eval(re.SecondParameter, SqlTranslator.Int), CultureInfo.InvariantCulture);
            int state = Convert.ToInt32(host.Eval(re.ThirdParameter, SqlTranslator.Int), CultureInfo.InvariantCulture);
            // What SQL Server raises for a NULL msg_str is not documented (RAISERROR (Transact-SQL)): refused, named as such.
            if (first is null) throw host.Unsupported($"RAISERROR whose message is NULL ({(re.FirstParameter is VariableReference v ? v.Name : "its first argument")})", re);
            if (first is not string format) throw host.Unsupported("RAISERROR with a message id", re);
            var args = re.OptionalParameters.Select(p => host.Eval(p)).ToList();
            var message = FormatMessage(format, args);
            host._rowCount = 0;
            if (severity <= 10) { host.Messages.Add(message); return Flow.Normal; }
            var error = new SandboxRuntimeError(50000, message, severity, state);
            error.Data["raiserror"] = true;
            throw error;
        }

        /// <summary>RAISERROR's printf-style substitution: %d %i %u %s %x %X %o with optional flags/width.</summary>
        private static string FormatMessage(string format, IReadOnlyList<object?> args)
        {
            int next = 0;
            return Regex.Replace(format, @"%%|%([-+ 0#]*)(\d+|\*)?(?:\.(\d+|\*))?(h|l|I64)?([disuxXo])", m =>
            {
                if (m.Value == "%%") return "%";
                object? a = next < args.Count ? args[next++] : null;
                string text = m.Groups[5].Value switch
                {
                    "s" => a?.ToString() ?? "(null)",
                    "x" => Convert.ToInt64(a ?? 0, CultureInfo.InvariantCulture).ToString("x"),
                    "X" => Convert.ToInt64(a ?? 0, CultureInfo.InvariantCulture).ToString("X"),
                    "o" => Convert.ToString(Convert.ToInt64(a ?? 0, CultureInfo.InvariantCulture), 8),
                    _ => a is null ? "(null)" : Convert.ToInt64(a, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture),
                };
                if (m.Groups[2].Success && int.TryParse(m.Groups[2].Value, out int width))
                    text = m.Groups[1].Value.Contains('-') ? text.PadRight(width) : text.PadLeft(width, m.Groups[1].Value.Contains('0') ? '0' : ' ');
                return text;
            });
        }

        public Flow Print(PrintStatement p)
        {
            host.Messages.Add(Values.ToText(host.Eval(p.Expression, SqlTranslator.NVarMax)) ?? "");
            host._rowCount = 0;
            return Flow.Normal;
        }
    }
}
