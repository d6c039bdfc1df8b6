using System.Text.Json;
using System.Text.Json.Nodes;
using EtlAgent.Core.Catalog;
using EtlAgent.Core.Model;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace EtlAgent.Core.Generation;

/// <summary>
/// What the code reads out of a string parameter that holds JSON: `OPENJSON(@Json [, '$.path']) WITH
/// (Col type '$.a.b', …)` reads rows (an array of objects at the path), `JSON_VALUE(@Json, '$.a')` and
/// `JSON_QUERY` read members. The generator gives such a parameter a JSON document with those members
/// (a name where the code passes a string, 1 for a number, a date for a date) instead of the parameter's
/// name, which the code rejects with error 13609 before doing anything.
/// </summary>
public sealed class JsonShape
{
    private readonly List<(IReadOnlyList<string> Path, SqlType? Type)> _members = new();
    private readonly List<IReadOnlyList<string>> _rowPaths = new();

    /// <summary>Parameter → the shape the code reads from it, for the parameters of the code's closure.</summary>
    public static Dictionary<string, JsonShape> Collect(IEnumerable<TSqlFragment> bodies, AliasTypes aliases)
    {
        var visitor = new Visitor(aliases);
        foreach (var b in bodies) b.Accept(visitor);
        return visitor.Shapes;
    }

    /// <summary>
    /// The document: members nested along their paths, rows of OPENJSON … WITH as a one-element array
    /// at their path. <paramref name="numbersAsText"/> writes "10.0" in every string member: metadata
    /// exports often carry numbers as text, which the code then trims and converts.
    /// </summary>
    public string Value(bool numbersAsText = false)
    {
        JsonNode root = _rowPaths.Any(p => p.Count == 0) ? new JsonArray() : new JsonObject();
        foreach (var (path, type) in _members)
        {
            var leaf = Leaf(path.Count > 0 ? path[^1] : "value", type, numbersAsText);
            Place(ref root, path, leaf);
        }
        if (root is JsonArray top) First(top);
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = false });
    }

    private void Place(ref JsonNode root, IReadOnlyList<string> path, JsonNode leaf)
    {
        if (path.Count == 0) return;
        JsonNode? node = root is JsonArray top ? First(top) : root;
        for (int i = 0; i < path.Count - 1 && node is JsonObject; i++)
        {
            // an OPENJSON row path ends here: an array of one object
            bool rows = _rowPaths.Any(p => p.Count == i + 1 && p.SequenceEqual(path.Take(i + 1), StringComparer.Ordinal));
            node = Child((JsonObject)node, path[i], rows);
        }
        if (node is JsonObject o && !o.ContainsKey(path[^1])) o[path[^1]] = leaf;
    }

    private static JsonNode First(JsonArray array)
    {
        if (array.Count > 0) return array[0]!;
        var o = new JsonObject();
        array.Add(o);
        return o;
    }

    /// <summary>The object under <paramref name="name"/> (the first row of an array there); null where a value already stands.</summary>
    private static JsonNode? Child(JsonObject o, string name, bool rows)
    {
        switch (o[name])
        {
            case JsonArray a: return First(a);
            case JsonObject child: return child;
            case null when !o.ContainsKey(name):
                JsonNode made = rows ? new JsonArray() : new JsonObject();
                o[name] = made;
                return made is JsonArray ma ? First(ma) : made;
            default: return null;
        }
    }

    private static JsonNode Leaf(string name, SqlType? type, bool numbersAsText)
    {
        if (type is null) return new JsonObject(); // AS JSON, JSON_QUERY: an object
        if (type.IsString) return JsonValue.Create(Truncate(numbersAsText ? "10.0" : name, type))!;
        if (type.Name == "bit") return JsonValue.Create(true)!;
        if (type.IsNumeric) return JsonValue.Create(1)!;
        if (type.IsDateTime) return JsonValue.Create(type.Name == "date" ? "2016-01-01" : "2016-01-01T00:00:00")!;
        return JsonValue.Create(name)!;
    }

    private static string Truncate(string name, SqlType? type) =>
        type is { IsMax: false, Length: { } n } && n > 0 && name.Length > n ? name[..n] : name;

    /// <summary>`$.a.b` / `strict $."a b"[0]` as its member names; null for a path that is not a plain member chain.</summary>
    public static IReadOnlyList<string>? ParsePath(string path)
    {
        var p = path.Trim();
        if (p.StartsWith("lax ", StringComparison.OrdinalIgnoreCase)) p = p[4..].TrimStart();
        else if (p.StartsWith("strict ", StringComparison.OrdinalIgnoreCase)) p = p[7..].TrimStart();
        if (!p.StartsWith('$')) return null;
        var parts = new List<string>();
        int i = 1;
        while (i < p.Length)
        {
            if (p[i] == '[') { int close = p.IndexOf(']', i); if (close < 0) return null; i = close + 1; continue; }
            if (p[i] != '.') return null;
            i++;
            if (i < p.Length && p[i] == '"')
            {
                int close = p.IndexOf('"', i + 1);
                if (close < 0) return null;
                parts.Add(p[(i + 1)..close]);
                i = close + 1;
                continue;
            }
            int start = i;
            while (i < p.Length && p[i] != '.' && p[i] != '[') i++;
            if (i == start) return null;
            parts.Add(p[start..i]);
        }
        return parts;
    }

    private sealed class Visitor(AliasTypes aliases) : TSqlFragmentVisitor
    {
        public Dictionary<string, JsonShape> Shapes { get; } = new(StringComparer.OrdinalIgnoreCase);

        private JsonShape Of(string variable) => Shapes.TryGetValue(variable, out var s) ? s : Shapes[variable] = new JsonShape();

        public override void Visit(OpenJsonTableReference node)
        {
            if (node.Variable is not VariableReference v) return;
            var rows = node.RowPattern is StringLiteral rp ? ParsePath(rp.Value) : Array.Empty<string>();
            if (rows is null) return;
            var shape = Of(v.Name);
            if (!shape._rowPaths.Any(p => p.SequenceEqual(rows, StringComparer.Ordinal))) shape._rowPaths.Add(rows);
            foreach (var item in node.SchemaDeclarationItems)
            {
                var name = item.ColumnDefinition?.ColumnIdentifier?.Value;
                if (name is null) continue;
                var member = item.Mapping is StringLiteral m ? ParsePath(m.Value) : new[] { name };
                if (member is null || member.Count == 0) continue;
                shape._members.Add((rows.Concat(member).ToList(), item.AsJson ? null : DataTypes.From(item.ColumnDefinition!.DataType, aliases)));
            }
        }

        public override void Visit(FunctionCall node)
        {
            var f = node.FunctionName.Value;
            if (!(f.Equals("JSON_VALUE", StringComparison.OrdinalIgnoreCase) || f.Equals("JSON_QUERY", StringComparison.OrdinalIgnoreCase) || f.Equals("ISJSON", StringComparison.OrdinalIgnoreCase))) return;
            if (node.Parameters.Count == 0 || node.Parameters[0] is not VariableReference v) return;
            var shape = Of(v.Name);
            if (node.Parameters.Count < 2 || node.Parameters[1] is not StringLiteral path || ParsePath(path.Value) is not { Count: > 0 } member) return;
            if (!shape._members.Any(m => m.Path.SequenceEqual(member, StringComparer.Ordinal)))
                shape._members.Add((member, f.Equals("JSON_QUERY", StringComparison.OrdinalIgnoreCase) ? null : new SqlType("nvarchar", 4000)));
        }
    }
}
