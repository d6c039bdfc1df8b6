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
    /// SELECT in its three forms: rows to the caller (a result set), SELECT @v = … (the last row's
    /// values, or an accumulation over the rows) and SELECT … INTO #temp.
    /// </summary>
    private sealed class SelectExecutor(Interpreter host)
    {
        public Flow Select(SelectStatement sel)
        {
            var t = host.Translator();
            if (sel.QueryExpression is QuerySpecification qs && qs.SelectElements.Any(e => e is SelectSetVariable))
            {
                t.AssignTargets = new();
                var sql = t.Select(sel, out _);
                var (_, rows) = host.Query(sql);
                host._rowCount = rows.Count;
                if (rows.Count == 0) return Flow.Normal;
                var last = rows[^1];
                for (int i = 0; i < t.AssignTargets.Count; i++)
                {
                    var (name, kind, _) = t.AssignTargets[i];
                    if (kind == AssignmentKind.Equals) { host.Assign(name, last[i], sel); continue; }
                    // SELECT @s += x: accumulate over the rows in order.
                    var v = host.VarOf(name, sel);
                    foreach (var row in rows)
                    {
                        var cur = new Tx(Literal(v.Value, v.Type), v.Type);
                        var rhs = new Tx(Literal(row[i], Values.TypeOf(row[i])), Values.TypeOf(row[i]));
                        string op = kind switch { AssignmentKind.AddEquals => v.Type.IsString ? "||" : "+", AssignmentKind.SubtractEquals => "-", AssignmentKind.MultiplyEquals => "*", _ => throw host.Unsupported("SELECT " + kind, sel) };
                        v.Value = host.Scalar(t.Cast(new Tx($"({cur.Sql} {op} {(op == "||" ? t.AsText(rhs) : rhs.Sql)})", v.Type), v.Type, false, null, sel).Sql, v.Type);
                    }
                }
                return Flow.Normal;
            }
            if (sel.Into is not null) return SelectInto(sel, t);
            var q = t.Select(sel, out var qshape);
            var result = host.Query(q);
            if (qshape.Count == result.Columns.Count)
                for (int i = 0; i < qshape.Count; i++)
                {
                    if (qshape[i].Type is { Scale: int sc } st && (st.IsDecimal || st.Name is "money" or "smallmoney"))
                    {
                        foreach (var r in result.Rows) if (r[i] is decimal d) r[i] = Values.WithScale(d, sc);
                    }
                    else if (qshape[i].Type is { Name: "datetime2" } dt2)
                        foreach (var row in result.Rows) row[i] = Values.Coerce(row[i], dt2); // the datetime2 maximum shows its 7th digit
                }
            host._rowCount = result.Rows.Count;
            var names = ResultColumnNames(result.Columns, qshape);
            host.ResultSets.Add(new ResultSet(names, result.Rows.Select(r => Row(names, r)).ToList()));
            return Flow.Normal;
        }

        /// <summary>
        /// SELECT … INTO a #temp table or a permanent table ("SELECT - INTO Clause"): the table is made
        /// from the query's result columns (names, types, the nullability and IDENTITY of a column
        /// selected as it is) and filled with its rows; 2714 when the name is taken. A #temp table
        /// belongs to the scope that made it; a permanent one is in no catalog and lives in the case's
        /// database until the code drops it or the case ends (<see cref="SchemaState.MadeTable"/>).
        /// </summary>
        private Flow SelectInto(SelectStatement sel, SqlTranslator t)
        {
            var name = DdlReader.NameOf(sel.Into);
            string physical;
            if (name.IsTemp)
            {
                if (host.FindLocalInFrame(name.Name)) throw Exists(name.Name);
                physical = $"{name.Name}~{host._schema.NextId()}";
            }
            else
            {
                if (sel.Into.DatabaseIdentifier is not null && !string.Equals(sel.Into.DatabaseIdentifier.Value, "tempdb", StringComparison.OrdinalIgnoreCase))
                    throw host.Unsupported("SELECT … INTO a table named with its database", sel.Into);
                // a stand-in only guesses that a table the workspace defines nowhere exists: code that makes
                // it (in dynamic SQL, where no stand-in inference sees it) makes it, unless a case gave it rows
                bool guessed = host._model.Catalog.Find(name) is { StandIn: not null } && !host._schema.Exists(name);
                if ((host.ObjectIds.TypeOf(name) is not null && !guessed) || host._schema.MadeView(name) is not null || host._schema.MadeTable(name) is not null) throw Exists(name.Name);
                physical = name.Schema + "." + name.Name;
            }
            var sql = t.Select(sel, out var shape);
            host.Exec($"CREATE {(name.IsTemp ? "TEMP " : "")}TABLE {Id(physical)} AS {sql}");
            List<ColumnDef> defs;
            if (shape.All(c => c.Type is not null && c.Name.Length > 0 && c.Name != "*") && shape.Select(c => c.Name).Distinct(StringComparer.OrdinalIgnoreCase).Count() == shape.Count)
                defs = shape.Select(c => new ColumnDef(c.Name, c.Type!, true)).ToList();
            else
            {
                var (_, rows) = host.Query($"SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = {Str(physical)} AND database_name = {(name.IsTemp ? "'temp'" : "current_database()")} ORDER BY column_index");
                defs = rows.Select((r, i) => new ColumnDef((string)r[0]!, i < shape.Count && shape[i].Type is { } st ? st : DuckTypes.FromDuck((string)r[1]!), true)).ToList();
            }
            var origins = t.SelectIntoOrigins(sel, defs.Count);
            for (int i = 0; i < defs.Count; i++)
                if (origins[i] is { } o) defs[i] = defs[i] with { Nullable = o.Nullable, Identity = o.Identity, IdentitySeed = o.IdentitySeed, IdentityIncrement = o.IdentityIncrement };
            foreach (var c in defs.Where(c => !c.Nullable))
                host.Exec($"ALTER TABLE {Id(physical)} ALTER COLUMN {Id(c.Name)} SET NOT NULL");
            foreach (var c in defs.Where(c => c.Identity))
            {
                // the identity goes on after the largest value copied (as after inserts with IDENTITY_INSERT ON), or starts at the seed
                var seq = SchemaBuilder.LocalIdentitySequence(Id(physical));
                var last = host.Scalar($"{(c.IdentityIncrement < 0 ? "min" : "max")}({Id(c.Name)}) FROM {Id(physical)}", null);
                long start = last is null ? c.IdentitySeed : Convert.ToInt64(last, CultureInfo.InvariantCulture) + c.IdentityIncrement;
                host.Exec($"CREATE {(name.IsTemp ? "TEMP " : "")}SEQUENCE {SequenceId(seq)} {SchemaBuilder.IdentityOptions(c with { IdentitySeed = start })}");
                host.Exec($"ALTER TABLE {Id(physical)} ALTER COLUMN {Id(c.Name)} SET DEFAULT nextval({SequenceArgument(seq)})");
            }
            var table = new LocalTable(physical, defs);
            if (name.IsTemp) host.OwnerFrame(name.Name).Tables[name.Name] = table;
            else host._schema.SetMadeTable(name, table);
            host._rowCount = Convert.ToInt32(host.Scalar($"count(*) FROM {Id(physical)}", null), CultureInfo.InvariantCulture);
            return Flow.Normal;
        }

        private static SandboxRuntimeError Exists(string name) => new(2714, $"There is already an object named '{name}' in the database.");

        /// <summary>
        /// Result column names as a <see cref="SandboxRow"/> can hold them: a column without a name
        /// (SQL Server shows "(No column name)") is named Column1, Column2… by position, and a repeated
        /// name gets "#2", "#3"… (rows are case-insensitive dictionaries).
        /// </summary>
        public static List<string> ResultColumnNames(List<string> duckNames, IReadOnlyList<ColumnShape> shape)
        {
            var names = new List<string>();
            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            for (int i = 0; i < duckNames.Count; i++)
            {
                string name = shape.Count == duckNames.Count && shape[i].Name.Length == 0 ? $"Column{i + 1}" : duckNames[i];
                string unique = name;
                for (int n = 2; !seen.Add(unique); n++) unique = $"{name}#{n}";
                names.Add(unique);
            }
            return names;
        }

        public static SandboxRow Row(List<string> cols, object?[] values)
        {
            var row = new SandboxRow();
            for (int i = 0; i < cols.Count; i++) row[cols[i]] = values[i];
            return row;
        }
    }
}
