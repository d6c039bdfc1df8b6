using EtlAgent.Core.Catalog;
using EtlAgent.Core.Model;
using EtlAgent.Core.Translation;
using Microsoft.SqlServer.TransactSql.ScriptDom;
using static EtlAgent.Core.Translation.SqlText;

namespace EtlAgent.Core.Sandbox.DuckDb;

internal sealed partial class Interpreter
{
    /// <summary>
    /// Tables a transformation makes and drops: table variables, #temp tables, permanent tables it makes
    /// (CREATE TABLE, SELECT … INTO; dropped again, as a stand-in can be), TRUNCATE TABLE, CREATE INDEX (which changes no result), and the views it makes.
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
            if (!name.IsTemp) return MakeTable(ct, name);
            if (host.FindLocalInFrame(name.Name)) throw new SandboxRuntimeError(2714, $"There is already an object named '{name.Name}' in the database.");
            var def = DdlReader.ReadTable(host._frame.Document!, ct, host._model.Catalog.AliasTypes);
            host.CreateLocal(name.Name, def, ct);
            return Flow.Normal;
        }

        /// <summary>
        /// CREATE TABLE of a permanent table (a work table a load makes when it is missing, often in dynamic SQL
        /// under a computed name): made in the case's database from its definition, as SELECT … INTO makes one
        /// (<see cref="SchemaState.MadeTable"/>), so later statements read, write, truncate and drop it. 2714 when
        /// the name is taken; a stand-in only guesses that its table exists, so code that makes it makes it.
        /// </summary>
        private Flow MakeTable(CreateTableStatement ct, QualifiedName name)
        {
            if (ct.SchemaObjectName.DatabaseIdentifier is not null && !string.Equals(ct.SchemaObjectName.DatabaseIdentifier.Value, "tempdb", StringComparison.OrdinalIgnoreCase))
                throw host.Unsupported("CREATE TABLE of a table named with its database", ct);
            if (ct.Definition is null || ct.AsNode || ct.AsEdge || ct.SelectStatement is not null)
                throw host.Unsupported("CREATE TABLE of a permanent table without a column list (AS SELECT, graph tables)", ct);
            bool guessed = host._model.Catalog.Find(name) is { StandIn: not null } && !host._schema.Exists(name);
            if ((host.ObjectIds.TypeOf(name) is not null && !guessed) || host._schema.MadeView(name) is not null || host._schema.MadeTable(name) is not null)
                throw new SandboxRuntimeError(2714, $"There is already an object named '{name.Name}' in the database.");
            var def = DdlReader.ReadTable(host._frame.Document!, ct, host._model.Catalog.AliasTypes);
            var physical = name.Schema + "." + name.Name;
            foreach (var c in def.Columns.Where(c => c.Identity))
                host.Exec($"CREATE SEQUENCE {SequenceId(SchemaBuilder.LocalIdentitySequence(Id(physical)))} {SchemaBuilder.IdentityOptions(c)}");
            foreach (var statement in SchemaBuilder.CreateTable(Id(physical), def with { Name = name, ForeignKeys = Array.Empty<ForeignKeyDef>() }, host.Translator(), false, temp: false, localIdentity: true))
                host.Exec(statement);
            host._schema.SetMadeTable(name, new LocalTable(physical, def.Columns));
            return Flow.Normal;
        }

        public Flow DropTable(DropTableStatement dr)
        {
            foreach (var o in dr.Objects)
            {
                var name = DdlReader.NameOf(o);
                if (!name.IsTemp && host._schema.MadeTable(name) is { } made)
                {
                    // a table the code made (SELECT … INTO): gone with its identity sequence
                    host.Exec($"DROP TABLE {Id(made.PhysicalName)}");
                    if (made.Columns.Any(c => c.Identity)) host.Exec($"DROP SEQUENCE IF EXISTS {SequenceId(SchemaBuilder.LocalIdentitySequence(Id(made.PhysicalName)))}");
                    host._schema.SetMadeTable(name, null);
                    continue;
                }
                if (!name.IsTemp && host._model.Catalog.Find(name) is { StandIn: not null, Kind: TableKind.Table } standIn && !host._schema.Dropped(standIn.Name))
                {
                    // a stand-in is a table made outside the repository (a staging table a copy pipeline creates at
                    // run time): the code that drops it after use drops it, and later statements find it missing
                    host._schema.Ensure(standIn.Name);
                    host.Exec($"DROP TABLE {Table(standIn.Name)}");
                    host._schema.SetDropped(standIn.Name);
                    continue;
                }
                if (!name.IsTemp && (host.ObjectIds.TypeOf(name) is null || host._model.Catalog.Find(name) is { StandIn: not null } dropped && host._schema.Dropped(dropped.Name)) && host._schema.MadeView(name) is null)
                {
                    if (dr.IsIfExists) continue;
                    throw new SandboxRuntimeError(3701, $"Cannot drop the table '{Written(o)}', because it does not exist or you do not have permission.");
                }
                if (!name.IsTemp) throw host.Unsupported("DROP TABLE of a permanent table the workspace defines", dr);
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
            // a table SELECT … INTO made is truncated like a #temp table (its identity sequence is the same kind), but lives in the case's database
            var made = name.IsLocal ? null : host._schema.MadeTable(name);
            var local = name.IsLocal ? host.FindLocal(name.Name) ?? throw new SandboxRuntimeError(208, $"Invalid object name '{name}'.") : made;
            // SQL Server refuses to truncate a table a foreign key references, even an empty one
            if (local is null && host._model.ForeignKeys && host._model.Catalog.Tables.Any(t => t.Name != name && t.ForeignKeys.Any(fk => fk.ReferencedTable == name)))
                throw new SandboxRuntimeError(4712, $"Cannot truncate table '{name}' because it is being referenced by a FOREIGN KEY constraint.");
            var physical = local is not null ? Id(local.PhysicalName) : Table(name);
            host.Exec($"DELETE FROM {physical}");
            // TRUNCATE resets an identity to its seed
            foreach (var c in (local?.Columns ?? host._model.Catalog.Find(name)?.Columns ?? Array.Empty<ColumnDef>()).Where(c => c.Identity))
            {
                var seq = local is not null ? SchemaBuilder.LocalIdentitySequence(physical) : SchemaBuilder.IdentitySequence(name);
                host.RestartIdentity(physical, seq, c, c.IdentitySeed, temp: local is not null && made is null);
            }
            return Flow.Normal;
        }

        /// <summary>Indexes do not change results.</summary>
        public Flow CreateIndex(CreateIndexStatement _) => Flow.Normal;

        /// <summary>
        /// CREATE VIEW (or CREATE OR ALTER / ALTER of one it made) run by the code, in dynamic SQL: the
        /// view is made in the case's database with its definition bound now, as SQL Server binds it
        /// (a missing table is error 208 here, not when the view is read), and later statements read
        /// it. The workspace's own views and tables are already there: making one again is error 2714,
        /// replacing one is refused (every other statement of the case reads the workspace's definition).
        /// </summary>
        public Flow MakeView(ViewStatementBody v)
        {
            var name = DdlReader.NameOf(v.SchemaObjectName);
            bool made = host._schema.MadeView(name) is not null;
            bool workspace = host._model.Catalog.Find(name) is { Kind: TableKind.Table or TableKind.View };
            switch (v)
            {
                case AlterViewStatement or CreateOrAlterViewStatement when workspace:
                    throw host.Unsupported("ALTER VIEW of a view or table the workspace defines", v);
                case AlterViewStatement when !made:
                    throw new SandboxRuntimeError(208, $"Invalid object name '{Written(v.SchemaObjectName)}'.");
                case CreateViewStatement when v is not CreateOrAlterViewStatement && (workspace || made):
                    throw new SandboxRuntimeError(2714, $"There is already an object named '{name.Name}' in the database.");
            }
            var t = host.ViewTranslator();
            var scope = new Scope(null);
            var sql = t.With(v.SelectStatement.WithCtesAndXmlNamespaces, scope) + t.Query(v.SelectStatement.QueryExpression, scope, out var shape);
            if (v.Columns.Count > shape.Count)
                throw new SandboxRuntimeError(8159, $"'{name.Name}' has fewer columns than were specified in the column list.");
            if (v.Columns.Count > 0 && v.Columns.Count < shape.Count)
                throw new SandboxRuntimeError(8158, $"'{name.Name}' has more columns than were specified in the column list.");
            var names = v.Columns.Count > 0 ? v.Columns.Select(c => c.Value).ToList() : shape.Select(c => c.Name).ToList();
            for (int i = 0; i < names.Count; i++)
            {
                if (string.IsNullOrEmpty(names[i]))
                    throw new SandboxRuntimeError(4511, $"Create View or Function failed because no column name was specified for column {i + 1}.");
                if (names.Take(i).Contains(names[i], StringComparer.OrdinalIgnoreCase))
                    throw new SandboxRuntimeError(4506, $"Column names in each view or function must be unique. Column name '{names[i]}' in view or function '{name.Name}' is specified more than once.");
            }
            host.Exec($"CREATE {(made ? "OR REPLACE " : "")}VIEW {Table(name)}({string.Join(", ", names.Select(Id))}) AS {sql}");
            host._schema.SetMadeView(name, names.Select((n, i) => new ColumnShape(n, shape[i].Type)).ToList());
            return Flow.Normal;
        }

        /// <summary>DROP VIEW of a view the code made; of one the workspace defines it is refused (see <see cref="MakeView"/>).</summary>
        public Flow DropView(DropViewStatement dr)
        {
            foreach (var o in dr.Objects)
            {
                var name = DdlReader.NameOf(o);
                if (host._schema.MadeView(name) is not null)
                {
                    host.Exec($"DROP VIEW {Table(name)}");
                    host._schema.SetMadeView(name, null);
                    continue;
                }
                switch (host._model.Catalog.Find(name)?.Kind)
                {
                    case TableKind.View: throw host.Unsupported("DROP VIEW of a view the workspace defines", dr);
                    case TableKind.Table: throw new SandboxRuntimeError(3705, $"Cannot use DROP VIEW with '{Written(o)}' because '{Written(o)}' is a table. Use DROP TABLE.");
                }
                if (dr.IsIfExists) continue;
                throw new SandboxRuntimeError(3701, $"Cannot drop the view '{Written(o)}', because it does not exist or you do not have permission.");
            }
            return Flow.Normal;
        }

        /// <summary>A name as the code wrote it (SQL Server's messages quote it so).</summary>
        private static string Written(SchemaObjectName n) => string.Join(".", n.Identifiers.Select(i => i.Value));
    }
}
