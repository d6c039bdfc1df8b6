using EtlAgent.Core.WorkspaceModel;
using System.Text.RegularExpressions;
using EtlAgent.Core.Model;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace EtlAgent.Core.Sandbox.TestFiles;

/// <summary>
/// Binds one test file's YAML to the workspace for <see cref="TestFileLoader"/>: the root and its
/// cases here; expectations, invariants and name resolution in the other parts of this class.
/// Collects every problem with its line and column instead of stopping at the first.
/// </summary>
internal sealed partial class TestFileBinder(WorkspaceAnalysis workspace, string path)
{
    private static readonly string[] RootKeys = { "transformation", "enforce_foreign_keys", "invariants", "cases" };
    private static readonly string[] InvariantKeys = { "unique", "windows", "exists", "columns", "where", "from", "to", "in", "in_columns" };
    private static readonly string[] CaseKeys = { "name", "clock", "in_transaction", "given", "call", "expect" };
    private static readonly string[] RowsKeys = { "columns", "match", "rows" };
    private static readonly string[] ErrorKeys = { "number", "message_contains", "severity", "state" };

    private readonly List<TestFileError> _errors = new();
    private readonly Dictionary<(int Line, int Column), List<SchemaChange>> _drift = new();
    private readonly HashSet<SchemaChange> _driftReported = new(ReferenceEqualityComparer.Instance);
    /// <summary>The workspace as the file's transformation's database project sees it, once the file names it.</summary>
    private WorkspaceAnalysis Workspace { get; set; } = workspace;

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
            if (message.Contains("tab", StringComparison.OrdinalIgnoreCase) && IndentingTab(text, (int)e.Start.Line) is { } tab)
                Error(tab.Line, tab.Column, "not valid YAML: a tab in the indentation; YAML indents with spaces only");
            else Error((int)e.Start.Line, (int)e.Start.Column, $"not valid YAML: {message}");
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
        // tables and columns as the transformation's own database project defines them
        if (root.Children.TryGetValue(new YamlScalarNode("transformation"), out var named) && named is YamlScalarNode { Value: { } under })
            Workspace = workspace.For(TestFileOutline.Normalize(under));
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
        var normalized = TestFileOutline.Normalize(name);
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
        bool inTransaction = false;
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
                case "in_transaction":
                    inTransaction = Bool(value, "in_transaction") ?? false;
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
        return new TestCase(name, clock, given, call, expect, Line(map)) { InTransaction = inTransaction };
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

    /// <summary>
    /// The first tab in a line's indentation from <paramref name="fromLine"/> on (1-based). The YAML
    /// parser places a tab error at the node it was reading, often the file's first line.
    /// </summary>
    private static (int Line, int Column)? IndentingTab(string text, int fromLine)
    {
        var lines = text.Split('\n');
        for (int i = Math.Max(fromLine, 1) - 1; i < lines.Length; i++)
        {
            var line = lines[i];
            int indent = line.Length - line.TrimStart(' ', '\t').Length;
            int tab = line.IndexOf('\t', 0, indent);
            if (tab >= 0) return (i + 1, tab + 1);
        }
        return null;
    }

    [GeneratedRegex(@"^\(Line: \d+, Col: \d+, Idx: \d+\) - \(Line: \d+, Col: \d+, Idx: \d+\): ")]
    private static partial Regex YamlMessagePrefix();
}
