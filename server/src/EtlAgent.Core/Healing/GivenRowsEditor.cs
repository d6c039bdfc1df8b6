using System.Text;
using EtlAgent.Core.Model;
using EtlAgent.Core.Sandbox.TestFiles;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace EtlAgent.Core.Healing;

/// <summary>
/// Edits of the given rows of a test file, made on its YAML nodes and written as span edits of the
/// text: a value set or removed in a row, a row deleted, a row added to a given table or a new given
/// table added to a case. Only what changes is touched — the other values keep their spelling, the
/// comments stay. Rows are written in the test files' flow style ({"Column": value, …}).
/// </summary>
public sealed class GivenRowsEditor
{
    private readonly string _path;
    private readonly string _text;
    private readonly YamlMappingNode? _root;
    private readonly Dictionary<YamlMappingNode, (Dictionary<string, (object? Value, SqlType? Type)> Set, HashSet<string> Remove)> _rows = new();
    private readonly HashSet<YamlMappingNode> _deleted = new();
    private readonly Dictionary<YamlSequenceNode, List<string>> _appended = new();
    private readonly Dictionary<YamlMappingNode, List<(QualifiedName Table, List<string> Rows)>> _newTables = new();

    public GivenRowsEditor(string path, string text)
    {
        _path = path;
        _text = text;
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
            Stream = stream;
            _root = stream.Documents.FirstOrDefault()?.RootNode as YamlMappingNode;
        }
        catch (YamlException) { _root = null; }
    }

    /// <summary>The parsed file (null when it is not valid YAML); edits name its nodes.</summary>
    public YamlStream? Stream { get; }

    public YamlMappingNode? Root => _root;

    public bool IsEmpty => _rows.Count == 0 && _deleted.Count == 0 && _appended.Count == 0 && _newTables.Count == 0;

    /// <summary>The mapping of the case named <paramref name="name"/>.</summary>
    public YamlMappingNode? Case(string name) =>
        (_root is null ? null : RowSite.Get(_root, "cases") as YamlSequenceNode)?.Children.OfType<YamlMappingNode>()
            .FirstOrDefault(c => (RowSite.Get(c, "name") as YamlScalarNode)?.Value == name);

    /// <summary>The `given` mapping of a case.</summary>
    public static YamlMappingNode? Given(YamlMappingNode testCase) => RowSite.Get(testCase, "given") as YamlMappingNode;

    /// <summary>The rows given to <paramref name="table"/> in a case (null when the case gives it none, or not as a list).</summary>
    public static YamlSequenceNode? Rows(YamlMappingNode testCase, QualifiedName table, Func<QualifiedName, QualifiedName?> resolve)
    {
        if (Given(testCase) is not { } given) return null;
        foreach (var (key, value) in given.Children)
        {
            if (key is not YamlScalarNode { Value: { } text } || value is not YamlSequenceNode rows) continue;
            QualifiedName name;
            try { name = QualifiedName.Parse(text); }
            catch (FormatException) { continue; }
            if ((resolve(name) ?? name) == table) return rows;
        }
        return null;
    }

    /// <summary>The value node of <paramref name="column"/> in a row (brackets around the key ignored).</summary>
    public static YamlNode? Cell(YamlMappingNode row, string column) =>
        row.Children.FirstOrDefault(kv => string.Equals(RowSite.ColumnName(kv.Key), column, StringComparison.OrdinalIgnoreCase)).Value;

    public void Set(YamlMappingNode row, string column, object? value, SqlType? type) => Touch(row).Set[column] = (value, type);

    /// <summary>Leaves the column out of the row, so the table's default fills it.</summary>
    public void Remove(YamlMappingNode row, string column) => Touch(row).Remove.Add(column);

    public void Delete(YamlMappingNode row) => _deleted.Add(row);

    /// <summary>A row added to a given table of a case (appended to its list, or a new entry of `given`).</summary>
    public bool Add(YamlMappingNode testCase, QualifiedName table, IReadOnlyList<KeyValuePair<string, object?>> cells, TableDef? def,
        Func<QualifiedName, QualifiedName?> resolve)
    {
        var text = Row(cells, def);
        if (Rows(testCase, table, resolve) is { } rows)
        {
            if (rows.Style == SequenceStyle.Flow || rows.Children.Count == 0) return false;
            if (!_appended.TryGetValue(rows, out var list)) _appended[rows] = list = new List<string>();
            list.Add(text);
            return true;
        }
        if (Given(testCase) is not { } given || given.Style == MappingStyle.Flow || given.Children.Count == 0) return false;
        if (!_newTables.TryGetValue(given, out var tables)) _newTables[given] = tables = new();
        var entry = tables.FirstOrDefault(t => t.Table == table);
        if (entry.Rows is null) tables.Add((table, new List<string> { text }));
        else entry.Rows.Add(text);
        return true;
    }

    private (Dictionary<string, (object?, SqlType?)> Set, HashSet<string> Remove) Touch(YamlMappingNode row)
    {
        if (!_rows.TryGetValue(row, out var edits))
            _rows[row] = edits = (new Dictionary<string, (object?, SqlType?)>(StringComparer.OrdinalIgnoreCase), new HashSet<string>(StringComparer.OrdinalIgnoreCase));
        return edits;
    }

    /// <returns>The edits, or null when a row is written in a shape they cannot be made in (a flow list of rows, rows sharing a line).</returns>
    public IReadOnlyList<TextEdit>? Edits()
    {
        var edits = new List<TextEdit>();
        string newline = _text.Contains("\r\n", StringComparison.Ordinal) ? "\r\n" : "\n";
        foreach (var row in _deleted)
        {
            if (LineSpan(row) is not { } span) return null;
            edits.Add(SpanEdits.Replace(_path, _text, span.Start, span.End, ""));
        }
        foreach (var (row, (set, remove)) in _rows)
        {
            if (_deleted.Contains(row)) continue;
            var added = new List<string>();
            foreach (var (column, (value, type)) in set)
            {
                var (text, quoted) = TestValues.Format(value, type);
                var literal = quoted ? Quote(text) : text;
                if (Cell(row, column) is { } node) edits.Add(Span(node, literal));
                else added.Add($"{Quote(column)}: {literal}");
            }
            foreach (var column in remove)
            {
                var pair = row.Children.FirstOrDefault(kv => string.Equals(RowSite.ColumnName(kv.Key), column, StringComparison.OrdinalIgnoreCase));
                if (pair.Key is null) continue;
                if (row.Style != MappingStyle.Flow) return null;
                int start = (int)pair.Key.Start.Index, end = End(pair.Value);
                int after = end;
                while (after < _text.Length && _text[after] == ' ') after++;
                if (after < _text.Length && _text[after] == ',')
                {
                    end = after + 1;
                    while (end < _text.Length && _text[end] == ' ') end++;
                }
                else
                {
                    int before = start - 1;
                    while (before >= 0 && _text[before] == ' ') before--;
                    if (before >= 0 && _text[before] == ',') start = before;
                }
                edits.Add(SpanEdits.Replace(_path, _text, start, end, ""));
            }
            if (added.Count == 0) continue;
            if (row.Style == MappingStyle.Flow)
            {
                int at = row.Children.Count == 0 ? _text.IndexOf('{', (int)row.Start.Index) + 1 : End(row.Children.Last().Value);
                edits.Add(SpanEdits.Replace(_path, _text, at, at, (row.Children.Count == 0 ? "" : ", ") + string.Join(", ", added)));
            }
            else
            {
                if (row.Children.Count == 0) return null;
                var indent = new string(' ', (int)row.Children.First().Key.Start.Column - 1);
                int at = LineEnd(LastEnd(row) - 1);
                edits.Add(SpanEdits.Replace(_path, _text, at, at, string.Concat(added.Select(a => indent + a + newline))));
            }
        }
        foreach (var (rows, list) in _appended)
        {
            var last = rows.Children.Last();
            if (LineSpan(last) is not { } span) return null;
            var indent = _text[LineStart((int)last.Start.Index)..(int)last.Start.Index].TrimEnd('-', ' ');
            if (indent.Trim().Length > 0) return null;
            var insert = new StringBuilder();
            if (span.End == _text.Length && !_text.EndsWith('\n')) insert.Append(newline);
            foreach (var r in list) insert.Append(indent).Append("- ").Append(r).Append(newline);
            edits.Add(SpanEdits.Replace(_path, _text, span.End, span.End, insert.ToString()));
        }
        foreach (var (given, tables) in _newTables)
        {
            var first = given.Children.First().Key;
            var indent = new string(' ', (int)first.Start.Column - 1);
            int at = LineEnd(LastEnd(given) - 1);
            var insert = new StringBuilder();
            if (at == _text.Length && !_text.EndsWith('\n')) insert.Append(newline);
            foreach (var (table, rows) in tables)
            {
                insert.Append(indent).Append(Key(table)).Append(':').Append(newline);
                foreach (var r in rows) insert.Append(indent).Append("  - ").Append(r).Append(newline);
            }
            edits.Add(SpanEdits.Replace(_path, _text, at, at, insert.ToString()));
        }
        // two edits of one span cannot both apply
        var ordered = edits.OrderBy(e => e.Range.StartOffset).ThenBy(e => e.Range.EndOffset).ToList();
        for (int i = 1; i < ordered.Count; i++)
            if (ordered[i].Range.StartOffset < ordered[i - 1].Range.EndOffset) return null;
        return edits;
    }

    /// <summary>A row in the test files' flow style.</summary>
    public static string Row(IReadOnlyList<KeyValuePair<string, object?>> cells, TableDef? def) =>
        "{" + string.Join(", ", cells.Select(c =>
        {
            var (text, quoted) = TestValues.Format(c.Value, def?.FindColumn(c.Key)?.Type);
            return $"{Quote(c.Key)}: {(quoted ? Quote(text) : text)}";
        })) + "}";

    private static string Key(QualifiedName table)
    {
        var text = table.ToString();
        return text.Any(ch => ch is ':' or '#' or '"' or '\'' or '{' or '}' or '[' or ']' or ',' or '&' or '*' or '!' or '|' or '>' or '%' or '@' or '`') ? Quote(text) : text;
    }

    private static string Quote(string s) => "\"" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    private TextEdit Span(YamlNode node, string text) => SpanEdits.Replace(_path, _text, (int)node.Start.Index, End(node), text);

    /// <summary>Where the last node written inside a block node ends (a block node's own end is where the next one starts).</summary>
    private int LastEnd(YamlNode node)
    {
        while (true)
        {
            if (node is YamlSequenceNode { Style: not SequenceStyle.Flow } s && s.Children.Count > 0) node = s.Children[^1];
            else if (node is YamlMappingNode { Style: not MappingStyle.Flow } m && m.Children.Count > 0) node = m.Children.Last().Value;
            else return End(node);
        }
    }

    /// <summary>Where a node's text ends: a collection node's own end mark is not kept by the YAML model, so a flow one ends at its closing bracket.</summary>
    private int End(YamlNode node)
    {
        char close = node switch { YamlMappingNode => '}', YamlSequenceNode => ']', _ => '\0' };
        if (close == '\0') return (int)node.End.Index;
        var last = node switch
        {
            YamlMappingNode { Children.Count: > 0 } m => m.Children.Last().Value,
            YamlSequenceNode { Children.Count: > 0 } q => q.Children[^1],
            _ => null,
        };
        int from = last is null ? (int)node.Start.Index + 1 : End(last);
        int at = _text.IndexOf(close, Math.Min(from, _text.Length));
        return at < 0 ? _text.Length : at + 1;
    }

    private int LineStart(int offset) => offset <= 0 ? 0 : _text.LastIndexOf('\n', offset - 1) + 1;

    private int LineEnd(int offset)
    {
        int end = _text.IndexOf('\n', Math.Min(Math.Max(offset, 0), _text.Length));
        return end < 0 ? _text.Length : end + 1;
    }

    /// <summary>The whole lines of a block list item ("- {…}"), when nothing else shares them.</summary>
    private (int Start, int End)? LineSpan(YamlNode item)
    {
        int start = LineStart((int)item.Start.Index);
        var prefix = _text[start..(int)item.Start.Index];
        if (prefix.Trim() != "-") return null;
        int last = LastEnd(item);
        int end = LineEnd(last - 1);
        var rest = _text[last..end].Trim();
        if (rest.Length > 0 && !rest.StartsWith('#')) return null;
        return (start, end);
    }
}
