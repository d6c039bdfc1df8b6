using EtlAgent.Core.WorkspaceModel;
using System.Text.Json;
using System.Text.Json.Nodes;
using EtlAgent.Core.Model;

namespace EtlAgent.Core.Reporting;

/// <summary>
/// The discover model as JSON: the contract shared by `etl-agent discover --format json` and the
/// language server's `etlAgent/pipelines` request. Names carry no brackets; spaces are kept.
/// </summary>
public static class DiscoveryReport
{
    public static JsonObject ToJson(WorkspaceAnalysis analysis)
    {
        var transformations = new JsonArray();
        foreach (var t in analysis.Transformations.Select(t => t.Transformation))
            transformations.Add(Transformation(t));
        var json = new JsonObject { ["transformations"] = transformations };
        foreach (var (name, node) in Sections(analysis)) json[name] = node;
        return json;
    }

    /// <summary>
    /// The same JSON as <see cref="Serialize"/> of <see cref="ToJson"/> (indented), written as it is
    /// built: a script's lineage can have hundreds of thousands of columns, and a tree of them plus
    /// its text would take far more memory than the analysis itself.
    /// </summary>
    public static void Write(Stream stream, WorkspaceAnalysis analysis)
    {
        using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = Encoder });
        w.WriteStartObject();
        w.WriteStartArray("transformations");
        foreach (var t in analysis.Transformations.Select(t => t.Transformation))
        {
            w.WriteStartObject();
            foreach (var (name, node) in Transformation(t, withColumns: false))
            {
                if (name != "columns") { w.WritePropertyName(name); WriteNode(w, node); continue; }
                w.WriteStartArray(name);
                int n = 0;
                foreach (var c in t.Columns)
                {
                    Column(c).WriteTo(w);
                    if (++n % 4096 == 0) w.Flush();
                }
                w.WriteEndArray();
            }
            w.WriteEndObject();
            w.Flush();
        }
        w.WriteEndArray();
        foreach (var (name, node) in Sections(analysis))
        {
            w.WritePropertyName(name);
            WriteNode(w, node);
        }
        w.WriteEndObject();
    }

    private static void WriteNode(Utf8JsonWriter w, JsonNode? node)
    {
        if (node is null) w.WriteNullValue();
        else node.WriteTo(w);
    }

    private static IEnumerable<(string Name, JsonNode Node)> Sections(WorkspaceAnalysis analysis)
    {
        var tables = new JsonArray();
        foreach (var t in analysis.Catalog.Tables)
            tables.Add(Table(t));

        var views = new JsonArray();
        foreach (var v in analysis.Catalog.Views)
            views.Add(Table(v));

        var sequences = new JsonArray();
        foreach (var s in analysis.Catalog.Sequences)
            sequences.Add(new JsonObject
            {
                ["name"] = s.Name.ToString(),
                ["type"] = s.Type.ToString(),
                ["start"] = s.Start,
                ["increment"] = s.Increment,
                ["file"] = s.Location?.File,
            });

        var pipelines = new JsonArray();
        foreach (var p in analysis.Pipelines)
            pipelines.Add(new JsonObject { ["id"] = p.Id, ["transformations"] = Strings(p.Transformations) });

        var diagnostics = new JsonArray();
        foreach (var d in analysis.DiscoveryDiagnostics)
            diagnostics.Add(FindingJson.ToJson(d));

        yield return ("tables", tables);
        yield return ("views", views);
        yield return ("sequences", sequences);
        yield return ("pipelines", pipelines);
        yield return ("diagnostics", diagnostics);
    }

    public static JsonObject Transformation(Transformation t) => Transformation(t, withColumns: true);

    private static JsonObject Column(ColumnLineage c) => new()
    {
        ["target"] = c.Target,
        ["sources"] = Strings(c.Sources),
        ["mapping"] = c.Mapping.ToString().ToLowerInvariant(),
        ["line"] = c.Location is null ? null : c.Location.Range.Start.Line + 1,
    };

    private static JsonObject Transformation(Transformation t, bool withColumns)
    {
        var columns = new JsonArray();
        if (withColumns)
            foreach (var c in t.Columns)
                columns.Add(Column(c));
        var parameters = new JsonArray();
        foreach (var p in t.Parameters)
            parameters.Add(new JsonObject
            {
                ["name"] = p.Name,
                ["type"] = p.Type.ToString(),
                ["output"] = p.IsOutput,
                ["readOnly"] = p.IsReadOnly,
                ["default"] = p.Default,
            });
        var json = new JsonObject
        {
            ["name"] = t.Name,
            ["kind"] = t.Kind.ToString().ToLowerInvariant(),
            ["file"] = t.File,
            ["range"] = FindingJson.Range(t.HeaderRange),
            ["reads"] = Strings(t.Reads.Select(r => r.ToString())),
            ["writes"] = Strings(t.Writes.Select(r => r.ToString())),
            ["calls"] = Strings(t.Calls.Select(r => r.ToString())),
            ["parameters"] = parameters,
            ["columns"] = columns,
        };
        // tSQLt's framework and test code: listed, but not a target (the key is absent for warehouse code)
        if (t.Tsqlt != TsqltRole.None)
            json["tsqlt"] = t.Tsqlt switch { TsqltRole.Framework => "framework", TsqltRole.Test => "test", _ => "test-class" };
        // a restatement of a name defined elsewhere too: listed, but the analysis and the tests use the other file's definition
        if (t.SupersededBy is { } used)
            json["supersededBy"] = used;
        return json;
    }

    public static JsonObject Table(TableDef t)
    {
        var columns = new JsonArray();
        foreach (var c in t.Columns)
            columns.Add(new JsonObject
            {
                ["name"] = c.Name,
                ["type"] = c.Type.ToString(),
                ["nullable"] = c.Nullable,
                ["identity"] = c.Identity,
                ["default"] = c.Default,
                ["computed"] = c.Computed,
                ["sequence"] = c.Sequence?.ToString(),
            });
        var fks = new JsonArray();
        foreach (var fk in t.ForeignKeys)
            fks.Add(new JsonObject
            {
                ["name"] = fk.Name,
                ["columns"] = Strings(fk.Columns),
                ["references"] = fk.ReferencedTable.ToString(),
                ["referencedColumns"] = Strings(fk.ReferencedColumns),
            });
        var uniques = new JsonArray();
        foreach (var u in t.UniqueKeys) uniques.Add(Strings(u.Columns));
        var checks = new JsonArray();
        foreach (var c in t.Checks) checks.Add(new JsonObject { ["name"] = c.Name, ["expression"] = c.Expression });
        return new JsonObject
        {
            ["name"] = t.Name.ToString(),
            ["kind"] = t.Kind switch { TableKind.View => "view", TableKind.TableType => "tableType", TableKind.FunctionResult => "function", _ => "table" },
            ["file"] = t.Location?.File,
            ["columns"] = columns,
            ["primaryKey"] = Strings(t.PrimaryKey?.Columns ?? Array.Empty<string>()),
            ["uniqueKeys"] = uniques,
            ["foreignKeys"] = fks,
            ["checks"] = checks,
            ["ignoredOptions"] = t.IgnoredOptions is { Count: > 0 } ? Strings(t.IgnoredOptions) : null,
        };
    }

    internal static JsonArray Strings(IEnumerable<string> values)
    {
        var a = new JsonArray();
        foreach (var v in values) a.Add(v);
        return a;
    }

    private static readonly System.Text.Encodings.Web.JavaScriptEncoder Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping;

    public static string Serialize(JsonNode node, bool indented = true) =>
        node.ToJsonString(new JsonSerializerOptions { WriteIndented = indented, Encoder = Encoder });
}

/// <summary>Findings as JSON (ranges one-based for people; zero-based offsets kept for tools).</summary>
public static class FindingJson
{
    public static JsonObject ToJson(Finding f)
    {
        var related = new JsonArray();
        foreach (var r in f.Related)
            related.Add(new JsonObject { ["file"] = r.Location.File, ["range"] = Range(r.Location.Range), ["message"] = r.Message });
        var fixes = new JsonArray();
        foreach (var fix in f.Fixes)
        {
            var edits = new JsonArray();
            foreach (var e in fix.Edits)
                edits.Add(new JsonObject { ["file"] = e.File, ["range"] = Range(e.Range), ["newText"] = e.NewText });
            fixes.Add(new JsonObject { ["title"] = fix.Title, ["verified"] = fix.Verified, ["verifiedBy"] = fix.VerifiedBy, ["edits"] = edits });
        }
        return new JsonObject
        {
            ["ruleId"] = f.RuleId,
            ["severity"] = f.Severity.ToString().ToLowerInvariant(),
            ["message"] = f.Message,
            ["file"] = f.Location.File,
            ["range"] = Range(f.Location.Range),
            ["related"] = related,
            ["fixes"] = fixes,
        };
    }

    /// <summary>One-based line and column, as people and SARIF count; end is exclusive.</summary>
    public static JsonObject Range(TextRange r) => new()
    {
        ["startLine"] = r.Start.Line + 1,
        ["startColumn"] = r.Start.Character + 1,
        ["endLine"] = r.End.Line + 1,
        ["endColumn"] = r.End.Character + 1,
    };
}
