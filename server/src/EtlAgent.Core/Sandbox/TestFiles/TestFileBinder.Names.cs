using System.Text.RegularExpressions;
using EtlAgent.Core.Model;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace EtlAgent.Core.Sandbox.TestFiles;

/// <summary>Table, column and value binding against the catalog, YAML shape checks, and the error list.</summary>
internal sealed partial class TestFileBinder
{
    private TableDef? ResolveTable(YamlNode keyNode, bool tablesOnly)
    {
        var text = KeyText(keyNode);
        QualifiedName name;
        try { name = QualifiedName.Parse(text); }
        catch (FormatException) { Error(keyNode, $"'{text}' is not a table name"); return null; }
        var catalog = Workspace.Catalog;
        // a table whose own name has a dot ([s].[a.b]) is written as the catalog prints it, s.a.b
        var table = catalog.Find(name) ?? (text.Count(c => c == '.') > 1 && !text.Contains('[') && !text.Contains('"')
            ? catalog.All.FirstOrDefault(t => t.Name.Database is null && string.Equals(t.Name.ToString(), text.Trim(), StringComparison.OrdinalIgnoreCase))
            : null);
        if (table is not null)
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
