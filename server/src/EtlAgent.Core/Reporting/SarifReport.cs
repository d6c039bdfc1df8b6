using System.Text.Json.Nodes;
using EtlAgent.Core.Model;
using EtlAgent.Core.Rules;

namespace EtlAgent.Core.Reporting;

/// <summary>
/// SARIF 2.1.0 as GitHub code scanning reads it: one run, the rules with help text, results
/// with workspace-relative physical locations (uriBaseId %SRCROOT%), related locations and fixes.
/// </summary>
public static class SarifReport
{
    public const string ToolName = "etl-agent";
    public static string ToolVersion => ToolFullVersion.Split('+')[0];

    /// <summary>The assembly's informational version (the build's version, with its source revision when known).</summary>
    public static string ToolFullVersion =>
        typeof(SarifReport).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            is [System.Reflection.AssemblyInformationalVersionAttribute { InformationalVersion: { Length: > 0 } v }, ..]
            ? v
            : typeof(SarifReport).Assembly.GetName().Version?.ToString(3) ?? "0.1.0";

    /// <param name="findings">Every finding of the run: the rules' and the results of runs (failing cases, test files, survivors).</param>
    /// <param name="rules">The kinds to describe (<see cref="RuleRegistry.Kinds"/>): each finding's rule is among them.</param>
    public static JsonObject ToJson(IReadOnlyList<Finding> findings, IEnumerable<FindingKind> rules, string? workspaceRoot)
    {
        var ruleList = rules.OrderBy(r => r.Id, StringComparer.Ordinal).ToList();
        var index = ruleList.Select((r, i) => (r.Id, i)).ToDictionary(x => x.Id, x => x.i);

        var rulesJson = new JsonArray();
        foreach (var r in ruleList)
        {
            var d = r.Descriptor;
            rulesJson.Add(new JsonObject
            {
                ["id"] = d.Id,
                ["name"] = ToPascal(d.Name),
                ["shortDescription"] = new JsonObject { ["text"] = d.Title },
                ["fullDescription"] = new JsonObject { ["text"] = d.Doc.Summary },
                ["helpUri"] = d.HelpUri,
                ["help"] = new JsonObject
                {
                    ["text"] = $"{d.Doc.Summary}\n\nBad:\n{d.Doc.Bad}\n\nGood:\n{d.Doc.Good}",
                    ["markdown"] = RuleDocs.Markdown(d),
                },
                ["defaultConfiguration"] = new JsonObject { ["level"] = Level(d.DefaultSeverity) },
                ["properties"] = new JsonObject
                {
                    ["tags"] = new JsonArray("etl", d.Category.ToLowerInvariant()),
                    ["precision"] = "high",
                    ["problem.severity"] = d.DefaultSeverity switch { Severity.Error => "error", Severity.Warning => "warning", _ => "recommendation" },
                },
            });
        }

        var results = new JsonArray();
        var fingerprints = FindingFingerprint.Of(findings);
        for (int n = 0; n < findings.Count; n++)
        {
            var f = findings[n];
            var result = new JsonObject
            {
                ["ruleId"] = f.RuleId,
                ["level"] = Level(f.Severity),
                ["message"] = new JsonObject { ["text"] = f.Message },
                ["locations"] = new JsonArray(new JsonObject { ["physicalLocation"] = Physical(f.Location) }),
                ["partialFingerprints"] = new JsonObject { ["etlAgentFinding/v2"] = fingerprints[n] },
            };
            if (index.TryGetValue(f.RuleId, out var ri)) result["ruleIndex"] = ri;
            if (f.Related.Count > 0)
            {
                var related = new JsonArray();
                int id = 1;
                foreach (var r in f.Related)
                    related.Add(new JsonObject { ["id"] = id++, ["physicalLocation"] = Physical(r.Location), ["message"] = new JsonObject { ["text"] = r.Message } });
                result["relatedLocations"] = related;
            }
            if (f.Fixes.Count > 0)
            {
                var fixes = new JsonArray();
                foreach (var fix in f.Fixes)
                {
                    var changes = new JsonArray();
                    foreach (var byFile in fix.Edits.GroupBy(e => e.File))
                    {
                        var replacements = new JsonArray();
                        foreach (var e in byFile)
                            replacements.Add(new JsonObject { ["deletedRegion"] = Region(e.Range), ["insertedContent"] = new JsonObject { ["text"] = e.NewText } });
                        changes.Add(new JsonObject
                        {
                            ["artifactLocation"] = new JsonObject { ["uri"] = Uri(byFile.Key), ["uriBaseId"] = "%SRCROOT%" },
                            ["replacements"] = replacements,
                        });
                    }
                    fixes.Add(new JsonObject { ["description"] = new JsonObject { ["text"] = fix.Title }, ["artifactChanges"] = changes });
                }
                result["fixes"] = fixes;
            }
            results.Add(result);
        }

        var run = new JsonObject
        {
            ["tool"] = new JsonObject
            {
                ["driver"] = new JsonObject
                {
                    ["name"] = ToolName,
                    ["informationUri"] = "https://github.com/etlagentide/etlagentide",
                    ["version"] = ToolFullVersion,
                    ["semanticVersion"] = ToolVersion,
                    ["rules"] = rulesJson,
                },
            },
            ["columnKind"] = "utf16CodeUnits",
            ["results"] = results,
        };
        if (workspaceRoot is not null)
        {
            var root = workspaceRoot.Replace('\\', '/').TrimEnd('/') + "/";
            run["originalUriBaseIds"] = new JsonObject { ["%SRCROOT%"] = new JsonObject { ["uri"] = new Uri(root).AbsoluteUri } };
        }
        return new JsonObject
        {
            ["$schema"] = "https://json.schemastore.org/sarif-2.1.0.json",
            ["version"] = "2.1.0",
            ["runs"] = new JsonArray(run),
        };
    }

    private static JsonObject Physical(Location l) => new()
    {
        ["artifactLocation"] = new JsonObject { ["uri"] = Uri(l.File), ["uriBaseId"] = "%SRCROOT%" },
        ["region"] = Region(l.Range),
    };

    private static JsonObject Region(TextRange r)
    {
        var region = new JsonObject
        {
            ["startLine"] = r.Start.Line + 1,
            ["startColumn"] = r.Start.Character + 1,
            ["endLine"] = r.End.Line + 1,
            ["endColumn"] = r.End.Character + 1,
        };
        // a place known only by line and column (a test file that could not be read) has no offsets
        if (r.EndOffset > 0 || r.Start == default)
        {
            region["charOffset"] = r.StartOffset;
            region["charLength"] = r.Length;
        }
        return region;
    }

    // Relative URI references: spaces and other reserved characters percent-encoded per segment.
    private static string Uri(string path) => string.Join('/', path.Split('/').Select(System.Uri.EscapeDataString));

    private static string Level(Severity s) => s switch
    {
        Severity.Error => "error",
        Severity.Warning => "warning",
        _ => "note",
    };

    private static string ToPascal(string kebab) =>
        string.Concat(kebab.Split('-', StringSplitOptions.RemoveEmptyEntries).Select(p => char.ToUpperInvariant(p[0]) + p[1..]));
}
