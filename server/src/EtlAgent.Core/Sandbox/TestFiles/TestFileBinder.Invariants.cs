using System.Text.RegularExpressions;
using EtlAgent.Core.Model;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace EtlAgent.Core.Sandbox.TestFiles;

/// <summary>The `invariants` of a file: unique keys, validity windows, values found in another table.</summary>
internal sealed partial class TestFileBinder
{
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
}
