using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace EtlAgent.Core.Sandbox.DuckDb;

internal sealed partial class Interpreter
{
    /// <summary>
    /// SET options and USE: NOCOUNT, XACT_ABORT and ANSI_NULLS are kept; options that would change results away
    /// from the defaults the sandbox implements are refused; the rest change nothing here.
    /// </summary>
    private sealed class SessionOptionExecutor(Interpreter host)
    {
        public Flow Predicate(PredicateSetStatement ps)
        {
            if (ps.Options.HasFlag(SetOptions.NoCount)) host._frame.NoCount = ps.IsOn;
            if (ps.Options.HasFlag(SetOptions.XactAbort)) host._xactAbort = ps.IsOn;
            // Options that change results away from the defaults the sandbox implements.
            var semanticOff = SetOptions.ConcatNullYieldsNull | SetOptions.AnsiWarnings | SetOptions.AnsiPadding | SetOptions.ArithAbort;
            var semanticOn = SetOptions.NumericRoundAbort | SetOptions.ImplicitTransactions;
            if (!ps.IsOn && (ps.Options & semanticOff) != 0) throw host.Unsupported($"SET {ps.Options & semanticOff} OFF", ps);
            if (ps.IsOn && (ps.Options & semanticOn) != 0) throw host.Unsupported($"SET {ps.Options & semanticOn} ON", ps);
            if (ps.Options.HasFlag(SetOptions.AnsiNulls)) host._frame.AnsiNullsOff = !ps.IsOn;
            return Flow.Normal;
        }

        public Flow OnOff(SetOnOffStatement _) => Flow.Normal;

        public Flow Command(SetCommandStatement g)
        {
            foreach (var c in g.Commands)
                if (c is GeneralSetCommand { CommandType: GeneralSetCommandType.DateFirst or GeneralSetCommandType.DateFormat or GeneralSetCommandType.Language } gc
                    && !IsSandboxDefault(gc))
                    throw host.Unsupported($"SET {gc.CommandType} {SettingValue(gc) ?? "(not a constant)"}", c);
            return Flow.Normal;
        }

        /// <summary>
        /// The sandbox runs as us_english (DATEFORMAT mdy, DATEFIRST 7): setting one of those again
        /// changes nothing; any other value would change how dates read and print, so it is refused.
        /// </summary>
        private static bool IsSandboxDefault(GeneralSetCommand c) => (c.CommandType, SettingValue(c)?.ToLowerInvariant()) switch
        {
            (GeneralSetCommandType.Language, "us_english" or "english") => true,
            (GeneralSetCommandType.DateFormat, "mdy") => true,
            (GeneralSetCommandType.DateFirst, "7") => true,
            _ => false,
        };

        private static string? SettingValue(GeneralSetCommand c) => c.Parameter switch
        {
            Literal l => l.Value,
            _ => null,
        };

        public Flow ErrorLevel(SetErrorLevelStatement _) => Flow.Normal;

        /// <summary>
        /// One session: isolation levels do not change results, but the level is the session's
        /// (sys.dm_exec_sessions.transaction_isolation_level), kept until the module returns.
        /// </summary>
        public Flow IsolationLevel(SetTransactionIsolationLevelStatement s)
        {
            host._frame.IsolationLevel = s.Level switch
            {
                Microsoft.SqlServer.TransactSql.ScriptDom.IsolationLevel.ReadUncommitted => 1,
                Microsoft.SqlServer.TransactSql.ScriptDom.IsolationLevel.ReadCommitted => 2,
                Microsoft.SqlServer.TransactSql.ScriptDom.IsolationLevel.RepeatableRead => 3,
                Microsoft.SqlServer.TransactSql.ScriptDom.IsolationLevel.Serializable => 4,
                Microsoft.SqlServer.TransactSql.ScriptDom.IsolationLevel.Snapshot => 5,
                _ => throw host.Unsupported($"SET TRANSACTION ISOLATION LEVEL {s.Level}", s),
            };
            return Flow.Normal;
        }

        public Flow Use(UseStatement u) => throw host.Unsupported("USE", u);
    }
}
