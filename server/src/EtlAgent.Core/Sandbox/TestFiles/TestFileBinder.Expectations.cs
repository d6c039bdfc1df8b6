using System.Text.RegularExpressions;
using EtlAgent.Core.Model;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace EtlAgent.Core.Sandbox.TestFiles;

/// <summary>The `expect` of a case: rows of tables, views or the result, row counts, an error, messages.</summary>
internal sealed partial class TestFileBinder
{
    private TestExpectations BindExpect(YamlNode node, Transformation? target)
    {
        if (IsNullNode(node) || AsMapping(node, "expect") is not { } map) return TestExpectations.None;
        var tables = new List<RowsExpectation>();
        var counts = new List<RowCountExpectation>();
        ErrorExpectation? error = null;
        RowsExpectation? result = null;
        MessagesExpectation? messages = null;
        OutputsExpectation? outputs = null;
        ReturnExpectation? returned = null;
        var dropped = new List<DroppedExpectation>();
        foreach (var (keyNode, value) in map.Children)
        {
            var key = KeyText(keyNode);
            switch (key)
            {
                case "messages":
                    if (AsSequence(value, "messages") is { } list)
                        messages = new MessagesExpectation(list.Children.Select(m => ScalarText(m, "a message") ?? "").ToList(), Line(keyNode));
                    break;
                case "outputs":
                    outputs = BindOutputs(value, target) is { } values ? new OutputsExpectation(values, Line(keyNode)) : null;
                    break;
                case "return":
                    if (ScalarText(value, "return") is { } text)
                    {
                        if (int.TryParse(text, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var code)) returned = new ReturnExpectation(code, Line(keyNode));
                        else Error(value, $"return '{text}' is not an integer: a procedure returns an int status");
                    }
                    break;
                case "row_counts":
                    counts.AddRange(BindRowCounts(value));
                    break;
                case "dropped":
                    if (AsSequence(value, "dropped") is { } droppedTables)
                        foreach (var item in droppedTables.Children)
                            if (ResolveTable(item, tablesOnly: true) is { } gone)
                            {
                                if (dropped.Any(d => d.Table == gone.Name)) Error(item, $"{gone.Name} is listed twice under dropped");
                                else dropped.Add(new DroppedExpectation(gone.Name, Line(item)));
                            }
                    break;
                case "error":
                    error = BindError(value);
                    break;
                case "result":
                {
                    TableDef? shape = null;
                    if (target is not null && target.Kind is TransformationKind.View or TransformationKind.Function
                        && Workspace.Catalog.Find(QualifiedName.Parse(target.Name)) is { } s)
                        shape = s;
                    result = BindRowsExpectation(value, null, shape, "the result") is { } r ? r with { Line = Line(keyNode) } : null;
                    break;
                }
                default:
                {
                    var table = ResolveTable(keyNode, tablesOnly: false);
                    if (table is null) break;
                    if (tables.Any(t => t.Table == table.Name)) { Error(keyNode, $"{table.Name} is expected twice in this case"); break; }
                    if (BindRowsExpectation(value, table.Name, table, table.Name.ToString()) is { } e) tables.Add(e with { Line = Line(keyNode) });
                    break;
                }
            }
        }
        foreach (var d in dropped.Where(d => tables.Any(t => t.Table == d.Table)))
            Error(map, $"{d.Table} is expected both dropped and with rows in this case");
        return new TestExpectations(tables, counts, error, result, messages, outputs, returned) { Dropped = dropped };
    }

    /// <summary>`outputs:` maps OUTPUT parameters of the procedure to the values they must hold after the call.</summary>
    private List<KeyValuePair<string, object?>>? BindOutputs(YamlNode node, Transformation? target)
    {
        if (AsMapping(node, "outputs") is not { } map) return null;
        var result = new List<KeyValuePair<string, object?>>();
        foreach (var (keyNode, value) in map.Children)
        {
            var key = KeyText(keyNode);
            var name = key.StartsWith('@') ? key : "@" + key;
            ParameterDef? parameter = null;
            if (target is not null)
            {
                var outputs = target.Parameters.Where(p => p.IsOutput).ToList();
                parameter = outputs.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));
                if (parameter is null)
                {
                    var list = outputs.Count == 0 ? "it has no OUTPUT parameters" : "its OUTPUT parameters: " + string.Join(", ", outputs.Select(p => p.Name));
                    Error(keyNode, $"'{name}' is not an OUTPUT parameter of {target.Name}{NameSuggestions.DidYouMean(name, outputs.Select(p => p.Name))}; {list}");
                    continue;
                }
                name = parameter.Name;
            }
            if (result.Any(r => string.Equals(r.Key, name, StringComparison.OrdinalIgnoreCase))) { Error(keyNode, $"output {name} is expected twice"); continue; }
            if (Value(value, parameter?.Type, $"output {name}", out var v)) result.Add(new(name, v));
        }
        return result;
    }

    private RowsExpectation? BindRowsExpectation(YamlNode node, QualifiedName? tableName, TableDef? shape, string what)
    {
        var line = Line(node);
        if (node is YamlSequenceNode shorthand)
            return Finish(new RowsExpectation(tableName, null, MatchMode.Exact, BindRows(shorthand, shape, what), line), node);
        if (AsMapping(node, $"the expectation for {what}") is not { } map) return null;
        List<string>? columns = null;
        var match = MatchMode.Exact;
        List<TestRow>? rows = null;
        foreach (var (keyNode, value) in map.Children)
        {
            var key = KeyText(keyNode);
            switch (key)
            {
                case "columns":
                    if (AsSequence(value, "columns") is not { } seq) break;
                    columns = new List<string>();
                    foreach (var c in seq.Children)
                    {
                        if (ScalarText(c, "a column name") is not { } name) continue;
                        var resolved = ResolveColumn(c, name, shape, what);
                        if (resolved is null) continue;
                        if (columns.Contains(resolved, StringComparer.OrdinalIgnoreCase)) Error(c, $"column '{resolved}' is listed twice");
                        else columns.Add(resolved);
                    }
                    break;
                case "match":
                    var m = ScalarText(value, "match");
                    if (m is null) break;
                    if (m.Equals("exact", StringComparison.OrdinalIgnoreCase)) match = MatchMode.Exact;
                    else if (m.Equals("contains", StringComparison.OrdinalIgnoreCase)) match = MatchMode.Contains;
                    else Error(value, $"match must be 'exact' or 'contains'; got '{m}'");
                    break;
                case "rows":
                    rows = IsNullNode(value) ? new List<TestRow>() : AsSequence(value, "rows") is { } rs ? BindRows(rs, shape, what) : new List<TestRow>();
                    break;
                default:
                    Error(keyNode, $"unknown key '{key}' in the expectation for {what}{NameSuggestions.DidYouMean(key, RowsKeys)}; it has {string.Join(", ", RowsKeys)}");
                    break;
            }
        }
        if (rows is null)
        {
            Error(map, $"the expectation for {what} needs 'rows' (write rows: [] to expect no rows)");
            rows = new List<TestRow>();
        }
        return Finish(new RowsExpectation(tableName, columns, match, rows, line), node);

        RowsExpectation Finish(RowsExpectation e, YamlNode at)
        {
            var compared = e.ComparedColumns;
            foreach (var row in e.Rows)
            {
                foreach (var cell in row.Cells)
                    if (e.Columns is not null && !e.Columns.Contains(cell.Key, StringComparer.OrdinalIgnoreCase))
                        Error(row.Line, row.Column, $"{what}: the row gives '{cell.Key}', which is not in 'columns' ({string.Join(", ", e.Columns)})");
                foreach (var c in compared)
                    if (!row.Has(c))
                        Error(row.Line, row.Column, $"{what}: the row does not give '{c}'; every expected row gives every compared column ({string.Join(", ", compared)})");
            }
            return e;
        }
    }

    private List<TestRow> BindRows(YamlSequenceNode seq, TableDef? shape, string what)
    {
        var rows = new List<TestRow>();
        foreach (var rowNode in seq.Children)
            if (BindRow(rowNode, shape, what, given: false) is { } row) rows.Add(row);
        return rows;
    }

    private TestRow? BindRow(YamlNode node, TableDef? shape, string what, bool given)
    {
        if (AsMapping(node, $"a row of {what}") is not { } map) return null;
        var cells = new List<KeyValuePair<string, object?>>();
        foreach (var (keyNode, value) in map.Children)
        {
            var key = KeyText(keyNode);
            var columnName = ResolveColumn(keyNode, key, shape, what);
            if (columnName is null) continue;
            var column = shape?.FindColumn(columnName);
            if (given && column?.Computed is not null)
            {
                Error(keyNode, $"{what}.[{column.Name}] is a computed column; the database computes it, so it cannot be given");
                continue;
            }
            if (cells.Any(c => string.Equals(c.Key, columnName, StringComparison.OrdinalIgnoreCase)))
            {
                Error(keyNode, $"column '{columnName}' appears twice in the row");
                continue;
            }
            if (Value(value, column?.Type, $"{what}.[{columnName}]", out var v)) cells.Add(new(columnName, v));
        }
        return new TestRow(cells, Line(map), (int)map.Start.Column);
    }

    private IEnumerable<RowCountExpectation> BindRowCounts(YamlNode node)
    {
        if (AsMapping(node, "row_counts") is not { } map) yield break;
        foreach (var (keyNode, value) in map.Children)
        {
            var table = ResolveTable(keyNode, tablesOnly: false);
            if (table is null) continue;
            var text = ScalarText(value, $"the row count of {table.Name}");
            if (text is null) continue;
            if (!long.TryParse(text, out var n) || n < 0) { Error(value, $"the row count of {table.Name} must be a whole number ≥ 0; got '{text}'"); continue; }
            yield return new RowCountExpectation(table.Name, n, Line(keyNode));
        }
    }

    private ErrorExpectation? BindError(YamlNode node)
    {
        if (node is YamlScalarNode s)
        {
            if (int.TryParse(s.Value, out var only)) return new ErrorExpectation(only, null, Line(node));
            if (IsNullNode(node)) return new ErrorExpectation(null, null, Line(node));
            Error(node, $"error must be a number or {{number: N, message_contains: \"...\"}}; got '{s.Value}'");
            return null;
        }
        if (AsMapping(node, "error") is not { } map) return null;
        int? number = null, severity = null, state = null;
        string? contains = null;
        foreach (var (keyNode, value) in map.Children)
        {
            var key = KeyText(keyNode);
            switch (key)
            {
                case "number":
                    var text = ScalarText(value, "error number");
                    if (text is null) break;
                    if (int.TryParse(text, out var n)) number = n;
                    else Error(value, $"error number must be an integer; got '{text}'");
                    break;
                case "message_contains":
                    contains = ScalarText(value, "message_contains");
                    break;
                case "severity" or "state":
                    var level = ScalarText(value, $"error {key}");
                    if (level is null) break;
                    if (!int.TryParse(level, out var v) || v < 0 || v > 255) Error(value, $"error {key} must be an integer from 0 to 255; got '{level}'");
                    else if (key == "severity") severity = v;
                    else state = v;
                    break;
                default:
                    Error(keyNode, $"unknown key '{key}' in error{NameSuggestions.DidYouMean(key, ErrorKeys)}; it has number, message_contains, severity, state");
                    break;
            }
        }
        return new ErrorExpectation(number, contains, Line(map)) { Severity = severity, State = state };
    }

    /// <summary>`{unique: T, columns: [...], where: {...}}`, `{windows: T, columns: [...], from: C, to: C}` or `{exists: T, columns: [...], in: T2, in_columns: [...]}`.</summary>
}
