using EtlAgent.Core.Catalog;
using EtlAgent.Core.Model;
using EtlAgent.Core.Translation;
using Microsoft.SqlServer.TransactSql.ScriptDom;
using static EtlAgent.Core.Translation.SqlText;

namespace EtlAgent.Core.Sandbox.DuckDb;

internal sealed partial class Interpreter
{
    /// <summary>
    /// Tables a transformation makes and drops: table variables, #temp tables (permanent tables are
    /// refused), TRUNCATE TABLE, and CREATE INDEX (which changes no result).
    /// </summary>
    private sealed class DdlExecutor(Interpreter host)
    {
        public Flow DeclareTable(DeclareTableVariableStatement dt)
        {
            if (host._frame.Tables.ContainsKey(dt.Body.VariableName.Value)) return Flow.Normal; // declared once per batch, even in a loop
            var def = DdlReader.ReadDeclaredTable(host._frame.Document!, new QualifiedName(null, dt.Body.VariableName.Value), dt.Body.Definition, dt, host._model.Catalog.AliasTypes);
            host.CreateLocal(dt.Body.VariableName.Value, def, dt);
            return Flow.Normal;
        }

        public Flow CreateTable(CreateTableStatement ct)
        {
            var name = DdlReader.NameOf(ct.SchemaObjectName);
            if (!name.IsTemp) throw host.Unsupported("CREATE TABLE of a permanent table inside a transformation", ct);
            if (host.FindLocalInFrame(name.Name)) throw new SandboxRuntimeError(2714, $"There is already an object named '{name.Name}' in the database.");
            var def = DdlReader.ReadTable(host._frame.Document!, ct, host._model.Catalog.AliasTypes);
            host.CreateLocal(name.Name, def, ct);
            return Flow.Normal;
        }

        public Flow DropTable(DropTableStatement dr)
        {
            foreach (var o in dr.Objects)
            {
                var name = DdlReader.NameOf(o);
                if (!name.IsTemp) throw host.Unsupported("DROP TABLE of a permanent table", dr);
                var owner = host.FrameOf(name.Name);
                if (owner is null)
                {
                    if (dr.IsIfExists) continue;
                    throw new SandboxRuntimeError(3701, $"Cannot drop the table '{name.Name}', because it does not exist or you do not have permission.");
                }
                host.Exec($"DROP TABLE IF EXISTS {Id(owner.Tables[name.Name].PhysicalName)}");
                owner.Tables.Remove(name.Name);
            }
            return Flow.Normal;
        }

        public Flow Truncate(TruncateTableStatement tr)
        {
            var name = DdlReader.NameOf(tr.TableName);
            if (!name.IsLocal) host._schema.Ensure(name);
            var local = name.IsLocal ? host.FindLocal(name.Name) ?? throw new SandboxRuntimeError(208, $"Invalid object name '{name}'.") : null;
            // SQL Server refuses to truncate a table a foreign key references, even an empty one
            if (local is null && host._model.ForeignKeys && host._model.Catalog.Tables.Any(t => t.Name != name && t.ForeignKeys.Any(fk => fk.ReferencedTable == name)))
                throw new SandboxRuntimeError(4712, $"Cannot truncate table '{name}' because it is being referenced by a FOREIGN KEY constraint.");
            var physical = local is not null ? Id(local.PhysicalName) : Table(name);
            host.Exec($"DELETE FROM {physical}");
            // TRUNCATE resets an identity to its seed: DuckDB cannot restart a sequence a default
            // uses, so the default is dropped, the sequence made again, the default restored
            foreach (var c in (local?.Columns ?? host._model.Catalog.Find(name)?.Columns ?? Array.Empty<ColumnDef>()).Where(c => c.Identity))
            {
                var seq = local is not null ? SchemaBuilder.LocalIdentitySequence(physical) : SchemaBuilder.IdentitySequence(name);
                host.Exec($"ALTER TABLE {physical} ALTER COLUMN {Id(c.Name)} DROP DEFAULT");
                host.Exec($"DROP SEQUENCE {SequenceId(seq)}");
                host.Exec($"CREATE {(local is not null ? "TEMP " : "")}SEQUENCE {SequenceId(seq)} {SchemaBuilder.IdentityOptions(c)}");
                host.Exec($"ALTER TABLE {physical} ALTER COLUMN {Id(c.Name)} SET DEFAULT nextval({SequenceArgument(seq)})");
            }
            return Flow.Normal;
        }

        /// <summary>Indexes do not change results.</summary>
        public Flow CreateIndex(CreateIndexStatement _) => Flow.Normal;
    }
}
