using EtlAgent.Core.WorkspaceModel;
using System.Text.RegularExpressions;
using EtlAgent.Core.Model;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Workspace;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace EtlAgent.Core.Sandbox.TestFiles;

/// <summary>
/// Reads `*.etltest.yaml` files and binds them to the workspace: table, column and parameter
/// names are checked against the catalog (unknown names are errors naming file, line and name,
/// with a "did you mean" when one is close) and every value is converted by its column's type.
/// Never throws on bad input: every problem found is returned, placed at its line and column.
/// </summary>
public sealed partial class TestFileLoader(WorkspaceAnalysis workspace)
{
    private static readonly string[] RootKeys = { "transformation", "enforce_foreign_keys", "invariants", "cases" };
    private static readonly string[] InvariantKeys = { "unique", "windows", "exists", "columns", "where", "from", "to", "in", "in_columns" };
    private static readonly string[] CaseKeys = { "name", "clock", "given", "call", "expect" };
    private static readonly string[] RowsKeys = { "columns", "match", "rows" };
    private static readonly string[] ErrorKeys = { "number", "message_contains" };

    public WorkspaceAnalysis Workspace { get; } = workspace;

    /// <summary>The test files of a workspace (not ignored), in a stable order.</summary>
    public static IReadOnlyList<string> FindTestFiles(IFileSource files, WorkspaceSettings settings) =>
        files.EnumerateFiles()
            .Where(TestFile.IsTestFile)
            .Where(f => !settings.Ignore.IsIgnored(f))
            .OrderBy(f => f, StringComparer.Ordinal)
            .ToList();

    public IReadOnlyList<TestFileLoadResult> LoadAll(IFileSource files, IEnumerable<string> paths)
    {
        var results = new List<TestFileLoadResult>();
        foreach (var path in paths)
        {
            string text;
            try { text = files.ReadAllText(path); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                results.Add(new TestFileLoadResult(null, new[] { new TestFileError(path, 1, 1, $"cannot read the file: {e.Message}") }));
                continue;
            }
            results.Add(Load(path, text));
        }
        return results;
    }

    public TestFileLoadResult Load(string path, string text) => new Binder(this, path).Bind(text);

    [GeneratedRegex(@"^\(Line: \d+, Col: \d+, Idx: \d+\) - \(Line: \d+, Col: \d+, Idx: \d+\): ")]
    private static partial Regex YamlMessagePrefix();

    private sealed class Binder(TestFileLoader loader, string path)
    {
        private readonly List<TestFileError> _errors = new();
        private readonly Dictionary<(int Line, int Column), List<SchemaChange>> _drift = new();
        private readonly HashSet<SchemaChange> _driftReported = new(ReferenceEqualityComparer.Instance);
        private WorkspaceAnalysis Workspace => loader.Workspace;

        public TestFileLoadResult Bind(string text)
        {
            var stream = new YamlStream();
            try
            {
                stream.Load(new StringReader(text));
            }
            catch (YamlException e)
            {
                var message = YamlMessagePrefix().Replace(e.InnerException?.Message ?? e.Message, "");
                if (e.InnerException is not null && e.InnerException.Message != e.Message)
                    message = YamlMessagePrefix().Replace(e.Message, "") + (e.InnerException is ArgumentException ? " (a key appears twice)" : "");
                Error((int)e.Start.Line, (int)e.Start.Column, $"not valid YAML: {message}");
                return new TestFileLoadResult(null, _errors);
            }
            if (stream.Documents.Count == 0)
            {
                Error(1, 1, "the file is empty; a test file needs 'transformation' and 'cases'");
                return new TestFileLoadResult(null, _errors);
            }
            if (stream.Documents.Count > 1)
                Error(stream.Documents[1].RootNode, "a test file holds one YAML document; split the others into their own files");
            if (AsMapping(stream.Documents[0].RootNode, "the test file") is not { } root)
                return new TestFileLoadResult(null, _errors);
            // Unknown columns and values that no longer fit are reported as schema drift where the
            // drift detector explains them (same node), so `test` and the editor say the same thing.
            foreach (var change in SchemaDrift.Detect(Workspace.Catalog, path, stream).Changes)
            {
                if (!_drift.TryGetValue((change.Line, change.Column), out var at)) _drift[(change.Line, change.Column)] = at = new List<SchemaChange>();
                at.Add(change);
            }

            string? transformation = null;
            YamlNode? transformationNode = null;
            bool enforceForeignKeys = true;
            YamlNode? casesNode = null;
            YamlNode? invariantsNode = null;
            foreach (var (keyNode, value) in root.Children)
            {
                var key = KeyText(keyNode);
                switch (key)
                {
                    case "transformation":
                        transformation = ScalarText(value, "transformation");
                        transformationNode = value;
                        break;
                    case "enforce_foreign_keys":
                        enforceForeignKeys = Bool(value, "enforce_foreign_keys") ?? true;
                        break;
                    case "cases":
                        casesNode = value;
                        break;
                    case "invariants":
                        invariantsNode = value;
                        break;
                    default:
                        Error(keyNode, $"unknown key '{key}'{NameSuggestions.DidYouMean(key, RootKeys)}; a test file has {string.Join(", ", RootKeys)}");
                        break;
                }
            }
            if (transformation is null && transformationNode is null)
                Error(root, "missing 'transformation': the procedure, view, function or script path under test");

            var target = transformation is null ? null : ResolveTransformation(transformation, transformationNode!);
            var cases = new List<TestCase>();
            if (casesNode is null) Error(root, "missing 'cases': a list of test cases");
            else if (AsSequence(casesNode, "cases") is { } seq)
            {
                if (seq.Children.Count == 0) Error(seq, "'cases' is empty; add at least one case");
                var names = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
                foreach (var item in seq.Children)
                {
                    if (BindCase(item, target) is not { } c) continue;
                    if (names.TryGetValue(c.Name, out var firstLine))
                        Error(item, $"case name '{c.Name}' is used twice (first at line {firstLine}); names identify cases in reports");
                    else names[c.Name] = c.Line;
                    cases.Add(c);
                }
            }

            foreach (var change in _drift.Values.SelectMany(c => c).Where(c => !_driftReported.Contains(c)))
                _errors.Add(new TestFileError(path, change.Line, change.Column, change.Message) { Drift = change });
            var invariants = new List<Invariant>();
            if (invariantsNode is not null && AsSequence(invariantsNode, "invariants") is { } list)
                foreach (var item in list.Children)
                    if (BindInvariant(item) is { } invariant) invariants.Add(invariant);

            var file = new TestFile(path, target?.Name ?? transformation ?? "", enforceForeignKeys, cases, 1) { Invariants = invariants };
            return new TestFileLoadResult(file, _errors);
        }

        private Transformation? ResolveTransformation(string name, YamlNode node)
        {
            var normalized = name.Trim().Replace('\\', '/');
            if (normalized.StartsWith("./", StringComparison.Ordinal)) normalized = normalized[2..];
            var all = Workspace.Transformations.Select(t => t.Transformation).ToList();
            var script = all.FirstOrDefault(t => t.Kind == TransformationKind.Script && string.Equals(t.Name, normalized, StringComparison.OrdinalIgnoreCase));
            if (script is not null) return script;
            if (normalized.EndsWith(".sql", StringComparison.OrdinalIgnoreCase))
            {
                Error(node, $"no script '{name}' with DML in the workspace{NameSuggestions.DidYouMean(normalized, all.Where(t => t.Kind == TransformationKind.Script).Select(t => t.Name))}");
                return null;
            }
            QualifiedName q;
            try { q = QualifiedName.Parse(normalized); }
            catch (FormatException) { Error(node, $"'{name}' is not an object name"); return null; }
            var found = all.FirstOrDefault(t => t.Kind != TransformationKind.Script && QualifiedName.Parse(t.Name) == q);
            if (found is null)
                Error(node, $"unknown transformation '{name}'{NameSuggestions.DidYouMean(q.ToString(), all.Select(t => t.Name))}; name a procedure, view or function (Schema.Name) or a script path");
            return found;
        }

        private TestCase? BindCase(YamlNode node, Transformation? target)
        {
            if (AsMapping(node, "a case") is not { } map) return null;
            string? name = null;
            DateTime? clock = null;
            var given = new List<GivenTable>();
            var call = new List<KeyValuePair<string, object?>>();
            var expect = TestExpectations.None;
            foreach (var (keyNode, value) in map.Children)
            {
                var key = KeyText(keyNode);
                switch (key)
                {
                    case "name":
                        name = ScalarText(value, "name");
                        if (name is { Length: 0 }) Error(value, "a case name cannot be empty");
                        break;
                    case "clock":
                        if (ScalarText(value, "clock") is { } c)
                        {
                            if (TestValues.TryConvert(c, false, new SqlType("datetime2", Scale: 7), out var v, out _) && v is DateTime dt) clock = dt;
                            else Error(value, $"clock '{c}' is not an ISO date/time such as \"2016-06-02T08:00:00\"");
                        }
                        break;
                    case "given":
                        given = BindGiven(value);
                        break;
                    case "call":
                        call = BindCall(value, target);
                        break;
                    case "expect":
                        expect = BindExpect(value, target);
                        break;
                    default:
                        Error(keyNode, $"unknown key '{key}' in a case{NameSuggestions.DidYouMean(key, CaseKeys)}; a case has {string.Join(", ", CaseKeys)}");
                        break;
                }
            }
            if (name is null)
            {
                Error(map, "a case needs a 'name'");
                name = $"case at line {Line(map)}";
            }
            return new TestCase(name, clock, given, call, expect, Line(map));
        }

        private List<GivenTable> BindGiven(YamlNode node)
        {
            var result = new List<GivenTable>();
            if (IsNullNode(node) || AsMapping(node, "given") is not { } map) return result;
            var seen = new HashSet<QualifiedName>();
            foreach (var (keyNode, value) in map.Children)
            {
                var table = ResolveTable(keyNode, tablesOnly: true);
                if (table is null) continue;
                if (!seen.Add(table.Name)) { Error(keyNode, $"{table.Name} is given twice in this case"); continue; }
                var rows = new List<TestRow>();
                if (!IsNullNode(value) && AsSequence(value, $"given rows of {table.Name}") is { } seq)
                    foreach (var rowNode in seq.Children)
                        if (BindRow(rowNode, table, table.Name.ToString(), given: true) is { } row) rows.Add(row);
                result.Add(new GivenTable(table.Name, rows, Line(keyNode)));
            }
            return result;
        }

        private List<KeyValuePair<string, object?>> BindCall(YamlNode node, Transformation? target)
        {
            var result = new List<KeyValuePair<string, object?>>();
            if (IsNullNode(node) || AsMapping(node, "call") is not { } map) return result;
            if (target is not null && target.Kind is TransformationKind.View or TransformationKind.Script && map.Children.Count > 0)
            {
                Error(map, $"{target.Name} is a {target.Kind.ToString().ToLowerInvariant()}; it takes no parameters");
                return result;
            }
            foreach (var (keyNode, value) in map.Children)
            {
                var key = KeyText(keyNode);
                var name = key.StartsWith('@') ? key : "@" + key;
                ParameterDef? parameter = null;
                if (target is not null)
                {
                    parameter = target.Parameters.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));
                    if (parameter is null)
                    {
                        var list = target.Parameters.Count == 0 ? "it has no parameters" : "its parameters: " + string.Join(", ", target.Parameters.Select(p => p.Name));
                        Error(keyNode, $"unknown parameter '{name}' of {target.Name}{NameSuggestions.DidYouMean(name, target.Parameters.Select(p => p.Name))}; {list}");
                        continue;
                    }
                    name = parameter.Name;
                }
                if (result.Any(r => string.Equals(r.Key, name, StringComparison.OrdinalIgnoreCase)))
                {
                    Error(keyNode, $"parameter {name} is given twice");
                    continue;
                }
                if (parameter is not null && Workspace.Catalog.FindTableType(parameter.Type) is { } tableType)
                {
                    // a table-valued parameter: a list of rows typed by the table type's columns
                    if (IsNullNode(value)) { result.Add(new(name, new List<SandboxRow>())); continue; }
                    if (AsSequence(value, $"parameter {name} (table type {tableType.Name}): rows") is not { } seq) continue;
                    var rows = new List<SandboxRow>();
                    foreach (var rowNode in seq.Children)
                        if (BindRow(rowNode, tableType, $"parameter {name}", given: true) is { } row) rows.Add(new SandboxRow(row.Cells));
                    result.Add(new(name, rows));
                    continue;
                }
                if (Value(value, parameter?.Type, $"parameter {name}", out var v)) result.Add(new(name, v));
            }
            return result;
        }

        private TestExpectations BindExpect(YamlNode node, Transformation? target)
        {
            if (IsNullNode(node) || AsMapping(node, "expect") is not { } map) return TestExpectations.None;
            var tables = new List<RowsExpectation>();
            var counts = new List<RowCountExpectation>();
            ErrorExpectation? error = null;
            RowsExpectation? result = null;
            MessagesExpectation? messages = null;
            foreach (var (keyNode, value) in map.Children)
            {
                var key = KeyText(keyNode);
                switch (key)
                {
                    case "messages":
                        if (AsSequence(value, "messages") is { } list)
                            messages = new MessagesExpectation(list.Children.Select(m => ScalarText(m, "a message") ?? "").ToList(), Line(keyNode));
                        break;
                    case "row_counts":
                        counts.AddRange(BindRowCounts(value));
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
            return new TestExpectations(tables, counts, error, result, messages);
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
            int? number = null;
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
                    default:
                        Error(keyNode, $"unknown key '{key}' in error{NameSuggestions.DidYouMean(key, ErrorKeys)}; it has number, message_contains");
                        break;
                }
            }
            return new ErrorExpectation(number, contains, Line(map));
        }

        /// <summary>`{unique: T, columns: [...], where: {...}}`, `{windows: T, columns: [...], from: C, to: C}` or `{exists: T, columns: [...], in: T2, in_columns: [...]}`.</summary>
        private Invariant? BindInvariant(YamlNode node)
        {
            if (AsMapping(node, "an invariant") is not { } map) return null;
            InvariantKind? kind = null;
            TableDef? table = null, other = null;
            var columns = new List<string>();
            List<string>? otherColumns = null;
            var where = new List<KeyValuePair<string, object?>>();
            string? from = null, to = null;
            YamlNode? whereNode = null, otherColumnsNode = null;
            foreach (var (keyNode, value) in map.Children)
            {
                var key = KeyText(keyNode);
                switch (key)
                {
                    case "unique" or "windows" or "exists":
                        if (kind is not null) { Error(keyNode, "an invariant has one kind: unique, windows or exists"); return null; }
                        kind = key switch { "unique" => InvariantKind.Unique, "windows" => InvariantKind.Windows, _ => InvariantKind.Exists };
                        table = ResolveTable(value, tablesOnly: true);
                        break;
                    case "columns":
                        if (AsSequence(value, "columns") is { } cs) columns.AddRange(cs.Children.Select(c => ScalarText(c, "a column") ?? ""));
                        break;
                    case "where": whereNode = value; break;
                    case "from": from = ScalarText(value, "from"); break;
                    case "to": to = ScalarText(value, "to"); break;
                    case "in": other = ResolveTable(value, tablesOnly: false); break;
                    case "in_columns": otherColumnsNode = value; break;
                    default:
                        Error(keyNode, $"unknown key '{key}' in an invariant{NameSuggestions.DidYouMean(key, InvariantKeys)}");
                        break;
                }
            }
            if (kind is null) { Error(node, "an invariant needs its kind and table: unique: T, windows: T or exists: T"); return null; }
            if (table is null) return null;
            string? Column(YamlNode at, string name, TableDef shape) => ResolveColumn(at, name, shape, $"invariant on {shape.Name}");
            var resolved = columns.Select(c => Column(node, c, table)).ToList();
            if (resolved.Count == 0) Error(node, $"the invariant on {table.Name} needs 'columns'");
            if (resolved.Any(c => c is null)) return null;
            if (whereNode is not null && AsMapping(whereNode, "where") is { } wm)
                foreach (var (k, v) in wm.Children)
                    if (Column(k, KeyText(k), table) is { } wc && Value(v, table.FindColumn(wc)!.Type, $"where [{wc}]", out var wv)) where.Add(new(wc, wv));
            if (kind == InvariantKind.Windows)
            {
                if (from is null || to is null) { Error(node, $"a windows invariant on {table.Name} needs 'from' and 'to' columns"); return null; }
                from = Column(node, from, table);
                to = Column(node, to, table);
                if (from is null || to is null) return null;
            }
            if (kind == InvariantKind.Exists)
            {
                if (other is null) { Error(node, $"an exists invariant on {table.Name} needs 'in': the table the values must be found in"); return null; }
                if (otherColumnsNode is not null && AsSequence(otherColumnsNode, "in_columns") is { } ocs)
                {
                    otherColumns = ocs.Children.Select(c => Column(c, ScalarText(c, "a column") ?? "", other)).Where(c => c is not null).Select(c => c!).ToList();
                    if (otherColumns.Count != resolved.Count) { Error(otherColumnsNode, "'in_columns' must name as many columns as 'columns'"); return null; }
                }
                else if (resolved.Any(c => other.FindColumn(c!) is null)) { Error(node, $"{other.Name} has no column of the same name; give 'in_columns'"); return null; }
            }
            return new Invariant(kind.Value, table.Name, resolved!, Line(node))
            {
                Where = where, From = from, To = to, In = other?.Name, InColumns = otherColumns,
            };
        }

        private TableDef? ResolveTable(YamlNode keyNode, bool tablesOnly)
        {
            var text = KeyText(keyNode);
            QualifiedName name;
            try { name = QualifiedName.Parse(text); }
            catch (FormatException) { Error(keyNode, $"'{text}' is not a table name"); return null; }
            var catalog = Workspace.Catalog;
            if (catalog.Find(name) is { } table)
            {
                if (tablesOnly && table.Kind != TableKind.Table)
                {
                    Error(keyNode, $"{table.Name} is a {KindText(table.Kind)}, not a table; given rows go into tables");
                    return null;
                }
                if (!tablesOnly && table.Kind is not (TableKind.Table or TableKind.View))
                {
                    Error(keyNode, $"{table.Name} is a {KindText(table.Kind)}; expectations read tables or views (use 'result' for the function under test)");
                    return null;
                }
                return table;
            }
            var candidates = catalog.All.Where(t => t.Kind == TableKind.Table || (!tablesOnly && t.Kind == TableKind.View)).Select(t => t.Name).ToList();
            var suggestion = NameSuggestions.DidYouMean(name.ToString(), candidates.Select(c => c.ToString()));
            if (suggestion.Length == 0 && candidates.FirstOrDefault(c => NameSuggestions.Closest(name.Name, new[] { c.Name }) is not null) is { Name: not null } sameName)
                suggestion = $" (did you mean '{sameName}'?)";
            Error(keyNode, $"unknown table '{text}'{suggestion}; write names as the catalog has them, e.g. Integration.Load Watermark (no brackets)");
            return null;
        }

        private static string KindText(TableKind kind) => kind switch
        {
            TableKind.View => "view",
            TableKind.TableType => "table type",
            TableKind.FunctionResult => "function",
            _ => "table",
        };

        private string? ResolveColumn(YamlNode at, string name, TableDef? shape, string what)
        {
            var bare = name.Trim();
            if (bare.StartsWith('[') && bare.EndsWith(']')) bare = bare[1..^1];
            if (shape is null) return bare;
            if (shape.FindColumn(bare) is { } c) return c.Name;
            if (!DriftError(at)) Error(at, $"unknown column '{name}' in {what}{NameSuggestions.DidYouMean(bare, shape.Columns.Select(x => x.Name))}");
            return null;
        }

        private bool Value(YamlNode node, SqlType? type, string what, out object? value)
        {
            value = null;
            if (node is not YamlScalarNode scalar)
            {
                Error(node, $"{what}: a value must be a scalar (number, string, true/false, null), not a {(node is YamlMappingNode ? "mapping" : "list")}");
                return false;
            }
            if (!TestValues.TryConvert(scalar.Value ?? "", scalar.Style == ScalarStyle.Plain, type, out value, out var error))
            {
                if (!DriftError(node)) Error(node, $"{what}: {error}");
                return false;
            }
            return true;
        }

        private static bool IsNullNode(YamlNode node) =>
            node is YamlScalarNode s && TestValues.IsNull(s.Value ?? "", s.Style == ScalarStyle.Plain);

        private string KeyText(YamlNode key) => key is YamlScalarNode s ? s.Value ?? "" : key.ToString();

        private string? ScalarText(YamlNode node, string what)
        {
            if (node is YamlScalarNode s) return s.Value ?? "";
            Error(node, $"{what} must be a single value");
            return null;
        }

        private bool? Bool(YamlNode node, string what)
        {
            var text = ScalarText(node, what);
            if (text is null) return null;
            if (text.Equals("true", StringComparison.OrdinalIgnoreCase)) return true;
            if (text.Equals("false", StringComparison.OrdinalIgnoreCase)) return false;
            Error(node, $"{what} must be true or false; got '{text}'");
            return null;
        }

        private YamlMappingNode? AsMapping(YamlNode node, string what)
        {
            if (node is YamlMappingNode m) return m;
            Error(node, $"{what} must be a mapping (key: value lines)");
            return null;
        }

        private YamlSequenceNode? AsSequence(YamlNode node, string what)
        {
            if (node is YamlSequenceNode s) return s;
            Error(node, $"{what} must be a list (lines starting with '- ')");
            return null;
        }

        private static int Line(YamlNode node) => (int)node.Start.Line;

        /// <summary>Reports the schema change found at this node, if any; false when there is none.</summary>
        private bool DriftError(YamlNode node)
        {
            if (!_drift.TryGetValue(((int)node.Start.Line, (int)node.Start.Column), out var changes)) return false;
            foreach (var change in changes)
                if (_driftReported.Add(change))
                    _errors.Add(new TestFileError(path, change.Line, change.Column, change.Message) { Drift = change });
            return true;
        }

        private void Error(YamlNode node, string message) => Error((int)node.Start.Line, (int)node.Start.Column, message);

        private void Error(int line, int column, string message) => _errors.Add(new TestFileError(path, Math.Max(line, 1), Math.Max(column, 1), message));
    }
}
