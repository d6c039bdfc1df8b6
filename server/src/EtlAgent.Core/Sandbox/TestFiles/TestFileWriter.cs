using EtlAgent.Core.Catalog;
using EtlAgent.Core.Model;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace EtlAgent.Core.Sandbox.TestFiles;

/// <summary>
/// Writes a <see cref="TestFile"/> as YAML that loads back to the same data. Keys come in a fixed
/// order (transformation, enforce_foreign_keys, cases; name, clock, in_transaction, given, call, expect; columns,
/// match, rows), cases, tables, rows and cells in the model's order, one row per line, so a
/// regenerated file differs from the previous one only where the data does.
/// </summary>
public static class TestFileWriter
{
    /// <summary>Writes the file; with a catalog, date columns are written without a time part.</summary>
    public static string Write(TestFile file, SchemaCatalog? catalog = null)
    {
        var text = new StringWriter { NewLine = "\n" };
        var emitter = new Emitter(text, 2, int.MaxValue);
        var w = new Writer(emitter, catalog);
        emitter.Emit(new StreamStart());
        emitter.Emit(new DocumentStart(null, null, isImplicit: true));
        w.BeginMap();
        w.Key("transformation"); w.Plain(file.Transformation);
        if (!file.EnforceForeignKeys) { w.Key("enforce_foreign_keys"); w.Plain("false"); }
        if (file.Invariants.Count > 0)
        {
            w.Key("invariants");
            w.BeginSeq();
            foreach (var i in file.Invariants) WriteInvariant(w, i);
            w.EndSeq();
        }
        w.Key("cases");
        w.BeginSeq();
        foreach (var c in file.Cases) WriteCase(w, c, file);
        w.EndSeq();
        w.EndMap();
        emitter.Emit(new DocumentEnd(isImplicit: true));
        emitter.Emit(new StreamEnd());
        return text.ToString();
    }

    /// <summary>
    /// The canonical form a generator should write, so regenerating a file gives the smallest diff:
    /// cells in catalog column order; expectations, row counts and expected rows sorted (they are
    /// compared as multisets, so order carries no meaning). Given rows keep their order (it decides
    /// identity values), and cases keep theirs.
    /// </summary>
    public static TestFile Canonicalize(TestFile file, SchemaCatalog catalog)
    {
        var resultShape = QualifiedNameOrNull(file.Transformation) is { } q ? catalog.Find(q) : null;
        return file with
        {
            Cases = file.Cases.Select(c => c with
            {
                Given = c.Given.Select(g => g with { Rows = g.Rows.Select(r => Ordered(r, catalog.Find(g.Table))).ToList() }).ToList(),
                Expect = c.Expect with
                {
                    Tables = c.Expect.Tables.OrderBy(t => t.Table!.Value).Select(t => Sorted(t, catalog.Find(t.Table!.Value))).ToList(),
                    RowCounts = c.Expect.RowCounts.OrderBy(r => r.Table).ToList(),
                    Result = c.Expect.Result is null ? null : Sorted(c.Expect.Result, resultShape),
                },
            }).ToList(),
        };
    }

    private static RowsExpectation Sorted(RowsExpectation e, TableDef? shape)
    {
        var rows = e.Rows.Select(r => Ordered(r, shape)).ToList();
        var columns = e.Columns is null || shape is null
            ? e.Columns
            : e.Columns.OrderBy(c => ColumnIndex(shape, c)).ToList();
        string SortKey(TestRow r) => string.Join("\u0001", r.Cells.Select(c => TestValues.Format(c.Value, shape?.FindColumn(c.Key)?.Type).Text));
        return e with { Columns = columns, Rows = rows.OrderBy(SortKey, StringComparer.Ordinal).ToList() };
    }

    private static TestRow Ordered(TestRow row, TableDef? shape) =>
        shape is null ? row : row with { Cells = row.Cells.OrderBy(c => ColumnIndex(shape, c.Key)).ToList() };

    private static int ColumnIndex(TableDef shape, string column)
    {
        for (int i = 0; i < shape.Columns.Count; i++)
            if (string.Equals(shape.Columns[i].Name, column, StringComparison.OrdinalIgnoreCase)) return i;
        return int.MaxValue;
    }

    private static void WriteCase(Writer w, TestCase c, TestFile file)
    {
        w.BeginMap();
        w.Key("name"); w.Quoted(c.Name);
        if (c.Clock is { } clock) { w.Key("clock"); w.Quoted(TestValues.FormatDateTime(clock, new SqlType("datetime2", Scale: 7))); }
        if (c.InTransaction) { w.Key("in_transaction"); w.Plain("true"); }
        if (c.Given.Count > 0)
        {
            w.Key("given");
            w.BeginMap();
            foreach (var g in c.Given)
            {
                w.Key(g.Table.ToString());
                w.Rows(g.Rows, w.Shape(g.Table));
            }
            w.EndMap();
        }
        if (c.Call.Count > 0)
        {
            w.Key("call");
            w.BeginMap(flow: true);
            foreach (var (name, value) in c.Call)
            {
                w.QuotedKey(name);
                if (value is IEnumerable<SandboxRow> rows) w.ParameterRows(rows); else w.Value(value, null);
            }
            w.EndMap();
        }
        var e = c.Expect;
        if (!e.IsEmpty)
        {
            w.Key("expect");
            w.BeginMap();
            foreach (var t in e.Tables)
            {
                w.Key(t.Table!.Value.ToString());
                WriteRowsExpectation(w, t, w.Shape(t.Table.Value));
            }
            if (e.RowCounts.Count > 0)
            {
                w.Key("row_counts");
                w.BeginMap(flow: true);
                foreach (var rc in e.RowCounts) { w.Key(rc.Table.ToString()); w.Plain(rc.Count.ToString(System.Globalization.CultureInfo.InvariantCulture)); }
                w.EndMap();
            }
            if (e.Dropped.Count > 0)
            {
                w.Key("dropped");
                w.BeginSeq(flow: true);
                foreach (var d in e.Dropped) w.Plain(d.Table.ToString());
                w.EndSeq();
            }
            if (e.Error is { } error)
            {
                w.Key("error");
                w.BeginMap(flow: true);
                if (error.Number is { } n) { w.Key("number"); w.Plain(n.ToString(System.Globalization.CultureInfo.InvariantCulture)); }
                if (error.MessageContains is { } m) { w.Key("message_contains"); w.Quoted(m); }
                if (error.Severity is { } sv) { w.Key("severity"); w.Plain(sv.ToString(System.Globalization.CultureInfo.InvariantCulture)); }
                if (error.State is { } st) { w.Key("state"); w.Plain(st.ToString(System.Globalization.CultureInfo.InvariantCulture)); }
                w.EndMap();
            }
            if (e.Result is { } result)
            {
                w.Key("result");
                WriteRowsExpectation(w, result, QualifiedNameOrNull(file.Transformation) is { } q ? w.Shape(q) : null);
            }
            if (e.Outputs is { } outputs)
            {
                w.Key("outputs");
                w.BeginMap(flow: true);
                foreach (var (name, value) in outputs.Values) { w.QuotedKey(name); w.Value(value, null); }
                w.EndMap();
            }
            if (e.Return is { } returned)
            {
                w.Key("return");
                w.Plain(returned.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
            if (e.Messages is { } messages)
            {
                w.Key("messages");
                w.BeginSeq();
                foreach (var m in messages.Messages) w.Quoted(m);
                w.EndSeq();
            }
            w.EndMap();
        }
        w.EndMap();
    }

    private static void WriteInvariant(Writer w, Invariant i)
    {
        w.BeginMap(flow: true);
        w.Key(i.Kind switch { InvariantKind.Unique => "unique", InvariantKind.Windows => "windows", _ => "exists" });
        w.Plain(i.Table.ToString());
        w.Key("columns");
        w.BeginSeq(flow: true);
        foreach (var c in i.Columns) w.Quoted(c);
        w.EndSeq();
        if (i.Where.Count > 0)
        {
            w.Key("where");
            w.BeginMap(flow: true);
            foreach (var (k, v) in i.Where) { w.QuotedKey(k); w.Value(v, w.Shape(i.Table)?.FindColumn(k)?.Type); }
            w.EndMap();
        }
        if (i.From is not null) { w.Key("from"); w.Quoted(i.From); }
        if (i.To is not null) { w.Key("to"); w.Quoted(i.To); }
        if (i.In is { } other) { w.Key("in"); w.Plain(other.ToString()); }
        if (i.InColumns is { } ic)
        {
            w.Key("in_columns");
            w.BeginSeq(flow: true);
            foreach (var c in ic) w.Quoted(c);
            w.EndSeq();
        }
        w.EndMap();
    }

    private static QualifiedName? QualifiedNameOrNull(string name) =>
        name.EndsWith(".sql", StringComparison.OrdinalIgnoreCase) || name.Length == 0 ? null : QualifiedName.Parse(name);

    private static void WriteRowsExpectation(Writer w, RowsExpectation e, TableDef? shape)
    {
        w.BeginMap();
        if (e.Columns is not null)
        {
            w.Key("columns");
            w.BeginSeq(flow: true);
            foreach (var c in e.Columns) w.Quoted(c);
            w.EndSeq();
        }
        if (e.Match != MatchMode.Exact) { w.Key("match"); w.Plain(e.Match.ToString().ToLowerInvariant()); }
        w.Key("rows");
        w.Rows(e.Rows, shape);
        w.EndMap();
    }

    private sealed class Writer(IEmitter emitter, SchemaCatalog? catalog)
    {
        public TableDef? Shape(QualifiedName table) => catalog?.Find(table);

        public void BeginMap(bool flow = false) =>
            emitter.Emit(new MappingStart(null, null, true, flow ? MappingStyle.Flow : MappingStyle.Block));

        public void EndMap() => emitter.Emit(new MappingEnd());

        public void BeginSeq(bool flow = false) =>
            emitter.Emit(new SequenceStart(null, null, true, flow ? SequenceStyle.Flow : SequenceStyle.Block));

        public void EndSeq() => emitter.Emit(new SequenceEnd());

        /// <summary>A key written plain when YAML allows it (the emitter quotes it otherwise).</summary>
        public void Key(string key) => Plain(key);

        public void QuotedKey(string key) => Quoted(key);

        public void Plain(string text) => emitter.Emit(new Scalar(null, null, text, ScalarStyle.Plain, true, false));

        public void Quoted(string text) => emitter.Emit(new Scalar(null, null, text, ScalarStyle.DoubleQuoted, false, true));

        public void Value(object? value, SqlType? type)
        {
            var (text, quoted) = TestValues.Format(value, type);
            if (quoted) Quoted(text); else Plain(text);
        }

        /// <summary>A table-valued parameter's rows, on the call's line: [{"Key": 1}, {"Key": 2}].</summary>
        public void ParameterRows(IEnumerable<SandboxRow> rows)
        {
            BeginSeq(flow: true);
            foreach (var row in rows)
            {
                BeginMap(flow: true);
                foreach (var (column, value) in row) { QuotedKey(column); Value(value, null); }
                EndMap();
            }
            EndSeq();
        }

        public void Rows(IReadOnlyList<TestRow> rows, TableDef? shape)
        {
            if (rows.Count == 0)
            {
                BeginSeq(flow: true);
                EndSeq();
                return;
            }
            BeginSeq();
            foreach (var row in rows)
            {
                BeginMap(flow: true);
                foreach (var (column, value) in row.Cells)
                {
                    QuotedKey(column);
                    Value(value, shape?.FindColumn(column)?.Type);
                }
                EndMap();
            }
            EndSeq();
        }
    }
}
