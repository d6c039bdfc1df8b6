using EtlAgent.Core.Catalog;
using EtlAgent.Core.Model;
using EtlAgent.Core.Translation;
using Microsoft.SqlServer.TransactSql.ScriptDom;
using static EtlAgent.Core.Translation.SqlText;

namespace EtlAgent.Core.Sandbox.DuckDb;

internal sealed partial class Interpreter
{
    /// <summary>
    /// INSERT, UPDATE, DELETE and MERGE: translated to a <see cref="DmlPlan"/> and run in DuckDB, with
    /// OUTPUT rows, INSERT … EXEC, identity values and constraint errors worded as SQL Server words them.
    /// </summary>
    private sealed class DmlExecutor(Interpreter host)
    {
        public Flow Insert(InsertStatement ins)
        {
            // rows of values computed here bind as constants: a loop of single-row INSERTs pays
            // DuckDB's bind of the expressions otherwise, every iteration
            var t = host.Translator();
            Dml(t.InsertOfComputedValues(ins, host.Computed) ?? t.Insert(ins), ins);
            return Flow.Normal;
        }

        public Flow Update(UpdateStatement up) { Dml(host.Translator().Update(up), up); return Flow.Normal; }

        public Flow Delete(DeleteStatement del) { Dml(host.Translator().Delete(del), del); return Flow.Normal; }

        public Flow Merge(MergeStatement mg) { Dml(host.Translator().Merge(mg), mg); return Flow.Normal; }

        private void Dml(DmlPlan plan, TSqlStatement s)
        {
            try { DmlCore(plan, s); }
            catch (SandboxRuntimeError e) when (plan.TargetTable is { } table && e.Number is 2627 or 547 or 515 && !e.Data.Contains("line"))
            {
                throw ErrorMapper.WithConstraint(e, host._model.Catalog.Find(table), s switch
                {
                    InsertStatement => "INSERT", UpdateStatement => "UPDATE", DeleteStatement => "DELETE", _ => "MERGE",
                }, host._model.Catalog);
            }
        }

        private void DmlCore(DmlPlan plan, TSqlStatement s)
        {
            if (host._doomed)
                throw new SandboxRuntimeError(3930, "The current transaction cannot be committed and cannot support operations that write to the log file. Roll back the transaction.");
            if (plan.ExecSource is not null)
            {
                var before = host.ResultSets.Count;
                host.ExecuteSpec(plan.ExecSource.Execute, null);
                var sets = host.ResultSets.Skip(before).ToList();
                host.ResultSets.RemoveRange(before, host.ResultSets.Count - before);
                int n = 0;
                foreach (var rs in sets)
                    foreach (var row in rs.Rows)
                    {
                        var vals = rs.Columns.Select(c => Literal(row[c], Values.TypeOf(row[c])));
                        n += host.Exec($"INSERT INTO {plan.TargetPhysical} ({string.Join(", ", plan.InsertColumns!.Select(Id))}) VALUES ({string.Join(", ", vals)})");
                    }
                host._rowCount = n;
                return;
            }
            if (plan.DoubleMatchCheck is not null && host.Query(plan.DoubleMatchCheck).Rows.Count > 0) throw MergeDoubleMatch();
            foreach (var b in plan.Before ?? Array.Empty<string>()) host.Exec(b);
            try { RunDml(plan, s); }
            finally { foreach (var a in plan.After ?? Array.Empty<string>()) try { host.Exec(a); } catch (SandboxRuntimeError) { } }
        }

        private static SandboxRuntimeError MergeDoubleMatch() =>
            new(8672, "The MERGE statement attempted to UPDATE or DELETE the same row more than once. This happens when a target row matches more than one source row. A MERGE statement cannot UPDATE/DELETE the same row of the target table multiple times. Refine the ON clause to ensure a target row matches at most one source row, or use the GROUP BY clause to group the source rows.");

        /// <summary>
        /// A MERGE as separate statements (<see cref="StagedMerge"/>), all or nothing like the MERGE it
        /// stands for: outside a transaction it runs in one of its own; inside one, an error ends the
        /// transaction as any failed statement does here. Returns the OUTPUT rows, if any.
        /// </summary>
        private (List<string> Columns, List<object?[]> Rows)? RunStagedMerge(DmlPlan plan)
        {
            var m = plan.Staged!;
            bool own = host._tranCount == 0 && !host._duckInTx;
            string? holder = null;
            if (own) { host.Exec("BEGIN TRANSACTION"); host._duckInTx = true; host._schema.InTransaction = true; }
            try
            {
                foreach (var p in m.Prepare) host.Exec(p);
                if (m.DoubleMatchCheck is not null && host.Query(m.DoubleMatchCheck).Rows.Count > 0) throw MergeDoubleMatch();
                int affected = 0;
                foreach (var w in m.Writes) affected += host.Exec(w);
                if (m.Insert is not null && m.InsertReturns)
                {
                    // The inserted rows in insertion order (the INSERT orders by source row), numbered
                    // so the OUTPUT pairs each with its source row.
                    var (_, inserted) = host.Query(m.Insert);
                    affected += inserted.Count;
                    holder = $"__merge_inserted_{host._schema.NextId()}";
                    var columns = plan.PostColumns!;
                    host.Exec($"CREATE TEMP TABLE {Id(holder)} (\"__ord\" BIGINT, {string.Join(", ", columns.Select(c => $"{Id(c.Name)} {(c.Type is null ? "VARCHAR" : DuckTypes.Of(c.Type))}"))})");
                    foreach (var chunk in inserted.Select((row, i) => (Row: row, Ord: i + 1)).Chunk(500))
                        host.Exec($"INSERT INTO {Id(holder)} VALUES {string.Join(", ", chunk.Select(x => $"({x.Ord}, {string.Join(", ", x.Row.Select((v, c) => Literal(v, columns[c].Type ?? Values.TypeOf(v))))})"))}");
                }
                else if (m.Insert is not null) affected += host.Exec(m.Insert);
                host._rowCount = affected;
                var output = m.Output is null ? ((List<string>, List<object?[]>)?)null : host.Query(holder is null ? m.Output : m.Output.Replace("{0}", Id(holder)));
                foreach (var c in m.Cleanup) host.Exec(c);
                if (holder is not null) host.Exec($"DROP TABLE IF EXISTS {Id(holder)}");
                if (own) { host.Exec("COMMIT"); host._duckInTx = false; host._schema.Committed(); }
                return output;
            }
            catch when (own)
            {
                if (host._duckInTx) { try { host.Exec("ROLLBACK"); } catch (SandboxRuntimeError) { } host._schema.RolledBack(); }
                host._duckInTx = false;
                throw;
            }
            catch (SandboxRuntimeError)
            {
                foreach (var c in m.Cleanup) try { host.Exec(c); } catch (SandboxRuntimeError) { }
                if (holder is not null) try { host.Exec($"DROP TABLE IF EXISTS {Id(holder)}"); } catch (SandboxRuntimeError) { }
                throw;
            }
        }

        private void RunDml(DmlPlan plan, TSqlStatement s)
        {
            string? seq = plan.TargetTable is { } tt && host._model.Catalog.Find(tt) is { } def && def.Columns.Any(c => c.Identity) ? SchemaBuilder.IdentitySequence(tt) : null;
            object? before2 = seq is not null && s is MergeStatement ? SeqValue(seq) : null;
            var staged = plan.Staged is null ? null : RunStagedMerge(plan);
            if (plan.Returns)
            {
                List<string> cols;
                List<object?[]> rows;
                if (plan.OutputSelect is not null)
                {
                    int changed = host.Exec(plan.Sql);
                    (cols, rows) = host.Query(plan.OutputSelect);
                    host._rowCount = changed;
                }
                else
                {
                    (cols, rows) = staged ?? host.Query(plan.Sql);
                    if (plan.Staged is null) host._rowCount = rows.Count;
                }
                if (plan.PostSelect is not null)
                {
                    var holder = $"__returned_{host._schema.NextId()}";
                    host.Exec($"CREATE TEMP TABLE {Id(holder)} ({string.Join(", ", plan.PostColumns!.Select(c => $"{Id(c.Name)} {(c.Type is null ? "VARCHAR" : DuckTypes.Of(c.Type))}"))})");
                    try
                    {
                        foreach (var r in rows)
                            host.Exec($"INSERT INTO {Id(holder)} VALUES ({string.Join(", ", r.Select((v, i) => Literal(v, plan.PostColumns![i].Type ?? Values.TypeOf(v))))})");
                        (cols, rows) = host.Query(string.Format(plan.PostSelect, Id(holder)));
                    }
                    finally { host.Exec($"DROP TABLE IF EXISTS {Id(holder)}"); }
                }
                if (plan.OutputInto is not null)
                {
                    var target = plan.OutputInto switch
                    {
                        VariableTableReference v => Id(host.FindLocal(v.Variable.Name)?.PhysicalName ?? throw host.Unsupported("undeclared table variable", v)),
                        NamedTableReference n when n.SchemaObject.BaseIdentifier.Value.StartsWith('#') => Id(host.FindLocal(n.SchemaObject.BaseIdentifier.Value)!.PhysicalName),
                        NamedTableReference n => EnsureTable(DdlReader.NameOf(n.SchemaObject)),
                        _ => throw host.Unsupported("OUTPUT INTO target", plan.OutputInto),
                    };
                    var colList = plan.OutputIntoColumns is { Count: > 0 } oc ? "(" + string.Join(", ", oc.Select(Id)) + ")" : "";
                    foreach (var r in rows)
                        host.Exec($"INSERT INTO {target} {colList} VALUES ({string.Join(", ", r.Select(v => Literal(v, Values.TypeOf(v))))})");
                }
                else
                {
                    var names = SelectExecutor.ResultColumnNames(cols, Array.Empty<ColumnShape>());
                    host.ResultSets.Add(new ResultSet(names, rows.Select(r => SelectExecutor.Row(names, r)).ToList()));
                }
            }
            else if (plan.Staged is null) host._rowCount = host.Exec(plan.Sql);
            if (plan.ExplicitIdentity is { } explicitColumn)
            {
                if (host._rowCount > 0) host.AfterExplicitIdentity(plan.TargetPhysical, plan.TargetTable, explicitColumn);
            }
            else if (seq is not null && host._rowCount > 0 && s is InsertStatement or MergeStatement)
            {
                var after = s is MergeStatement ? SeqValue(seq) : host.Scalar($"currval({SequenceArgument(seq)})", null);
                if (after is not null && !Equals(after, before2)) { host._frame.ScopeIdentity = after; host._identity = after; }
            }
        }

        private string EnsureTable(QualifiedName name)
        {
            host._schema.Ensure(name);
            return Table(name);
        }

        private object? SeqValue(string seq)
        {
            var (_, rows) = host.Query($"SELECT last_value FROM duckdb_sequences() WHERE sequence_name = {Str(SequencePhysicalName(seq))}");
            return rows.Count == 0 ? null : rows[0][0];
        }
    }
}
