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
            if (sel.Into is not null)
            {
                var name = DdlReader.NameOf(sel.Into);
                if (!name.IsTemp) throw host.Unsupported("SELECT … INTO a permanent table", sel.Into);
                if (host.FindLocalInFrame(name.Name)) throw new SandboxRuntimeError(2714, $"There is already an object named '{name.Name}' in the database.");
                var sql = t.Select(sel, out var shape);
                var physical = $"{name.Name}~{host._schema.NextId()}";
                host._rowCount = host.Exec($"CREATE TEMP TABLE {Id(physical)} AS {sql}");
                List<ColumnDef> defs;
                if (shape.All(c => c.Type is not null && c.Name.Length > 0 && c.Name != "*") && shape.Select(c => c.Name).Distinct(StringComparer.OrdinalIgnoreCase).Count() == shape.Count)
                    defs = shape.Select(c => new ColumnDef(c.Name, c.Type!, true)).ToList();
                else
                {
                    var (_, rows) = host.Query($"SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = {Str(physical)} ORDER BY column_index");
                    defs = rows.Select((r, i) => new ColumnDef((string)r[0]!, i < shape.Count && shape[i].Type is { } st ? st : DuckTypes.FromDuck((string)r[1]!), true)).ToList();
                }
                host._frame.Tables[name.Name] = new LocalTable(physical, defs);
                host._rowCount = Convert.ToInt32(host.Scalar($"count(*) FROM {Id(physical)}", null), CultureInfo.InvariantCulture);
                return Flow.Normal;
            }
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
