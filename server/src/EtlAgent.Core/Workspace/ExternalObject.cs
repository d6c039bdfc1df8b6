using System.Text.Json;

namespace EtlAgent.Core.Workspace;

/// <summary>
/// One entry of the manifest's `externalObjects`: a table or view made outside the repository
/// (a staging table a pipeline creates at run time, an object of a vendor package), named exactly
/// ("ext.Customer") or by a glob over schema-qualified names ("stg.*", "ext.Customer_*"). With
/// declared columns (name → type, optionally followed by NULL or NOT NULL) an exact name becomes a
/// catalog table; without, references to it are simply not unknown.
/// <code>"externalObjects": ["stg.*", { "name": "ext.Customer", "columns": { "CustomerId": "int NOT NULL", "Name": "nvarchar(100)" } }]</code>
/// </summary>
public sealed record ExternalObject(string Name, IReadOnlyList<(string Name, string Type)> Columns)
{
    public bool IsPattern => Name.IndexOfAny(new[] { '*', '?' }) >= 0;

    internal static IReadOnlyList<ExternalObject> From(JsonElement element)
    {
        const string key = WorkspaceSettings.ManifestFile + ": externalObjects";
        if (element.ValueKind == JsonValueKind.Null) return Array.Empty<ExternalObject>();
        if (element.ValueKind != JsonValueKind.Array)
            throw new ConfigurationException($"{key} must be a list of names, globs or {{ \"name\": ..., \"columns\": {{ ... }} }} objects.");
        var result = new List<ExternalObject>();
        int index = 0;
        foreach (var item in element.EnumerateArray())
        {
            var at = $"{key}[{index++}]";
            switch (item.ValueKind)
            {
                case JsonValueKind.String:
                    result.Add(new ExternalObject(RequiredName(item.GetString(), at), Array.Empty<(string, string)>()));
                    break;
                case JsonValueKind.Object:
                    var name = RequiredName(item.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null, at);
                    var columns = new List<(string, string)>();
                    if (item.TryGetProperty("columns", out var cols) && cols.ValueKind != JsonValueKind.Null)
                    {
                        if (cols.ValueKind != JsonValueKind.Object)
                            throw new ConfigurationException($"{at}.columns must be an object of column name → type, e.g. {{ \"Id\": \"int NOT NULL\" }}.");
                        foreach (var c in cols.EnumerateObject())
                        {
                            if (c.Value.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(c.Value.GetString()))
                                throw new ConfigurationException($"{at}.columns.{c.Name} must be a type such as \"nvarchar(50) NULL\".");
                            columns.Add((c.Name, c.Value.GetString()!.Trim()));
                        }
                    }
                    if (columns.Count > 0 && name.IndexOfAny(new[] { '*', '?' }) >= 0)
                        throw new ConfigurationException($"{at}: columns can only be declared for one object, not for the glob \"{name}\".");
                    result.Add(new ExternalObject(name, columns));
                    break;
                default:
                    throw new ConfigurationException($"{at} must be a name, a glob or an object with \"name\" and \"columns\".");
            }
        }
        return result;
    }

    private static string RequiredName(string? name, string at)
    {
        if (string.IsNullOrWhiteSpace(name)) throw new ConfigurationException($"{at} needs a name such as \"stg.*\" or \"ext.Customer\".");
        return name.Trim();
    }
}
