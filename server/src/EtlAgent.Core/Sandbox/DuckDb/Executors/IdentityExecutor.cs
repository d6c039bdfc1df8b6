using System.Globalization;
using EtlAgent.Core.Catalog;
using EtlAgent.Core.Model;
using EtlAgent.Core.Translation;
using Microsoft.SqlServer.TransactSql.ScriptDom;
using static EtlAgent.Core.Translation.SqlText;

namespace EtlAgent.Core.Sandbox.DuckDb;

internal sealed partial class Interpreter
{
    /// <summary>
    /// Identity values the code sets itself: DBCC CHECKIDENT, which loads use to make a staging table's keys go on
    /// from a target's (`TRUNCATE` then `DBCC CHECKIDENT ('stg.T', RESEED, @last)`), and SET IDENTITY_INSERT, with
    /// which they insert explicit keys (an unknown member -1, rows copied with their keys). Other DBCC commands are refused.
    /// </summary>
    private sealed class IdentityExecutor(Interpreter host)
    {
        /// <summary>SET IDENTITY_INSERT: one table of the session at a time (SET IDENTITY_INSERT (Transact-SQL)).</summary>
        public Flow IdentityInsert(SetIdentityInsertStatement s)
        {
            var name = DdlReader.NameOf(s.Table);
            var identity = Identity(name,
                shown => new SandboxRuntimeError(1088, $"Cannot find the object \"{shown}\" because it does not exist or you do not have permissions."),
                shown => new SandboxRuntimeError(8106, $"Table '{shown}' does not have the identity property. Cannot perform SET operation."));
            var display = name.IsLocal ? name.Name : name.ToString();
            if (!s.IsOn)
            {
                if (host._identityInsert?.Physical == identity.Table) host._identityInsert = null;
                return Flow.Normal;
            }
            if (host._identityInsert is { } on && on.Physical != identity.Table)
                throw new SandboxRuntimeError(8107, $"IDENTITY_INSERT is already ON for table '{on.Display}'. Cannot perform SET operation for table '{display}'.");
            host._identityInsert = (identity.Table, display);
            return Flow.Normal;
        }

        public Flow Dbcc(DbccStatement d)
        {
            if (d.Command != DbccCommand.CheckIdent) throw host.Unsupported($"DBCC {d.Command.ToString().ToUpperInvariant()}", d);
            if (d.Literals.Count is 0 or > 3) throw host.Unsupported("DBCC CHECKIDENT with these arguments", d);
            var text = d.Literals[0].Value switch
            {
                StringLiteral s => s.Value,
                IdentifierLiteral i => i.Value,
                ScalarExpression e => Values.ToText(host.Eval(e, SqlTranslator.NVarMax)),
                _ => null,
            };
            if (string.IsNullOrWhiteSpace(text) || !QualifiedName.TryParse(text, out var name))
                throw host.Unsupported("DBCC CHECKIDENT of a table named at run time", d);
            string? mode = d.Literals.Count > 1 ? (d.Literals[1].Value as IdentifierLiteral)?.Value.ToUpperInvariant() : null;
            if (d.Literals.Count > 1 && mode is not ("RESEED" or "NORESEED")) throw host.Unsupported("DBCC CHECKIDENT with these arguments", d);
            if (mode == "NORESEED" && d.Literals.Count > 2) throw host.Unsupported("DBCC CHECKIDENT with these arguments", d);
            long? reseed = d.Literals.Count > 2 ? Convert.ToInt64(host.Eval(d.Literals[2].Value, SqlTranslator.BigInt) ??
                throw new SandboxRuntimeError(2560, "Parameter 3 is incorrect for this DBCC statement."), CultureInfo.InvariantCulture) : null;

            var identity = Identity(name, NotFound, NoIdentity);
            if (mode == "NORESEED") return Flow.Normal; // reports the values only
            var state = host.IdentityState(identity.Table, identity.Sequence, identity.Column);
            if (reseed is { } value)
            {
                // the first row after a create or a TRUNCATE takes the value itself; otherwise the next one
                // is the value plus the increment (SQL Server's DBCC CHECKIDENT documentation)
                host.RestartIdentity(identity.Table, identity.Sequence, identity.Column, value, state.Temporary, used: state.Last is not null);
                return Flow.Normal;
            }
            // RESEED without a value (or no option): the current value moves up to the largest in the column
            if (state.Extreme is { } m && state.Behind(m, identity.Column))
                host.RestartIdentity(identity.Table, identity.Sequence, identity.Column, m, state.Temporary, used: true);
            return Flow.Normal;
        }

        private IdentityColumn Identity(QualifiedName name, Func<string, SandboxRuntimeError> notFound, Func<string, SandboxRuntimeError> noIdentity)
        {
            string display = name.ToString();
            if (name.IsLocal)
            {
                var local = host.FindLocal(name.Name) ?? throw notFound(name.Name);
                var c = local.Columns.FirstOrDefault(x => x.Identity) ?? throw noIdentity(name.Name);
                var physical = Id(local.PhysicalName);
                return new IdentityColumn(physical, SchemaBuilder.LocalIdentitySequence(physical), c);
            }
            if (host._schema.MadeTable(name) is { } made)
            {
                var c = made.Columns.FirstOrDefault(x => x.Identity) ?? throw noIdentity(display);
                var physical = Id(made.PhysicalName);
                return new IdentityColumn(physical, SchemaBuilder.LocalIdentitySequence(physical), c);
            }
            var def = host._model.Catalog.Find(name);
            if (def is not { Kind: TableKind.Table }) throw notFound(display);
            var column = def.Columns.FirstOrDefault(x => x.Identity) ?? throw noIdentity(display);
            host._schema.Ensure(def.Name);
            return new IdentityColumn(Table(def.Name), SchemaBuilder.IdentitySequence(def.Name), column);
        }

        private static SandboxRuntimeError NotFound(string name) =>
            new(2501, $"Cannot find a table or object with the name \"{name}\". Check the system catalog.");

        private static SandboxRuntimeError NoIdentity(string name) =>
            new(7997, $"'{name}' does not contain an identity column.");

        private sealed record IdentityColumn(string Table, string Sequence, ColumnDef Column);
    }

    /// <summary>
    /// After an INSERT gave the identity column its values: the identity goes on after the largest (the smallest for a
    /// negative step) when that is past its current value, as SQL Server's does; SCOPE_IDENTITY and @@IDENTITY give
    /// that value (the largest, not necessarily the last row's).
    /// </summary>
    private void AfterExplicitIdentity(string physical, QualifiedName? table, ColumnDef column)
    {
        var sequence = table is { } t ? SchemaBuilder.IdentitySequence(t) : SchemaBuilder.LocalIdentitySequence(physical);
        var state = IdentityState(physical, sequence, column);
        if (state.Extreme is not { } extreme) return;
        // before any value was given out, the current value is one step before the seed
        if (state.Behind(extreme, column, unused: column.IdentitySeed - column.IdentityIncrement))
            RestartIdentity(physical, sequence, column, extreme, state.Temporary, used: true);
        _frame.ScopeIdentity = _identity = Convert.ToDecimal(extreme, CultureInfo.InvariantCulture);
    }

    /// <summary>An identity's last value given out (null: none since the table was made or truncated), whether its sequence is temporary, and the column's largest value (smallest for a negative step).</summary>
    private sealed record IdentityStatus(long? Last, bool Temporary, long? Extreme)
    {
        /// <summary>The current value is short of <paramref name="value"/> in the identity's direction (<paramref name="unused"/> stands for it before any value was given out).</summary>
        public bool Behind(long value, ColumnDef column, long? unused = null)
        {
            long? current = Last ?? unused;
            return column.IdentityIncrement >= 0 ? current is null || current < value : current is null || current > value;
        }
    }

    private IdentityStatus IdentityState(string physical, string sequence, ColumnDef column)
    {
        var name = Str(SequencePhysicalName(sequence));
        var (_, rows) = Query(
            $"SELECT (SELECT last_value FROM duckdb_sequences() WHERE sequence_name = {name} LIMIT 1), (SELECT temporary FROM duckdb_sequences() WHERE sequence_name = {name} LIMIT 1), " +
            $"(SELECT {(column.IdentityIncrement >= 0 ? "max" : "min")}({Id(column.Name)}) FROM {physical})");
        static long? AsLong(object? v) => v is null or DBNull ? null : Convert.ToInt64(v, CultureInfo.InvariantCulture);
        return rows.Count == 0 ? new IdentityStatus(null, false, null) : new IdentityStatus(AsLong(rows[0][0]), rows[0][1] is true, AsLong(rows[0][2]));
    }

    /// <summary>
    /// Makes an identity's sequence start again at <paramref name="start"/>: DuckDB cannot restart a
    /// sequence a default uses, so the default is dropped, the sequence made again, the default restored.
    /// </summary>
    /// <param name="used">The value counts as given out: the next row takes the one after it.</param>
    private void RestartIdentity(string physical, string sequence, ColumnDef column, long start, bool temp, bool used = false)
    {
        Exec($"ALTER TABLE {physical} ALTER COLUMN {Id(column.Name)} DROP DEFAULT");
        Exec($"DROP SEQUENCE {SequenceId(sequence)}");
        Exec($"CREATE {(temp ? "TEMP " : "")}SEQUENCE {SequenceId(sequence)} {SchemaBuilder.SequenceOptions(start, column.IdentityIncrement)}");
        Exec($"ALTER TABLE {physical} ALTER COLUMN {Id(column.Name)} SET DEFAULT nextval({SequenceArgument(sequence)})");
        if (used) Exec($"SELECT nextval({SequenceArgument(sequence)})");
    }
}
