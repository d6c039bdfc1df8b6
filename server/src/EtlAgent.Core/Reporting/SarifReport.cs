using System.Security.Cryptography;
using System.Text;
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

    public static JsonObject ToJson(IReadOnlyList<Finding> findings, IEnumerable<Rule> rules, string? workspaceRoot)
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
        foreach (var f in findings)
        {
            var result = new JsonObject
            {
                ["ruleId"] = f.RuleId,
                ["level"] = Level(f.Severity),
                ["message"] = new JsonObject { ["text"] = f.Message },
                ["locations"] = new JsonArray(new JsonObject { ["physicalLocation"] = Physical(f.Location) }),
                ["partialFingerprints"] = new JsonObject { ["etlAgentFinding/v1"] = Fingerprint(f) },
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

    /// <summary>The rule id of failing sandbox tests (the editor's diagnostic code for them too).</summary>
    public const string SandboxTestRule = "sandbox-test";

    /// <summary>
    /// Adds failing sandbox test cases and test files that do not load to a report made by
    /// <see cref="ToJson"/>, at the case's (or the problem's) line in the test file, so code scanning
    /// shows a red test where it is written, beside the findings.
    /// </summary>
    public static JsonObject WithTests(JsonObject sarif, IEnumerable<Sandbox.Runner.TestCaseResult> cases, IEnumerable<Sandbox.TestFiles.TestFileError> fileErrors)
    {
        var run = (JsonObject)sarif["runs"]![0]!;
        var rules = (JsonArray)run["tool"]!["driver"]!["rules"]!;
        var results = (JsonArray)run["results"]!;
        var failing = cases.Where(c => c.Outcome != Sandbox.Runner.TestOutcome.Passed).ToList();
        var errors = fileErrors.ToList();
        if (failing.Count == 0 && errors.Count == 0) return sarif;
        int ruleIndex = rules.Count;
        rules.Add(new JsonObject
        {
            ["id"] = SandboxTestRule,
            ["name"] = "SandboxTest",
            ["shortDescription"] = new JsonObject { ["text"] = "A sandbox test fails or its file does not load" },
            ["fullDescription"] = new JsonObject { ["text"] = "A case of a *.etltest.yaml file failed when run in the sandbox against the current code, or the file could not be loaded." },
            ["help"] = new JsonObject { ["text"] = "Run `etl-agent test <workspace> --filter \"<transformation> › <case>\"` to see the missing and unexpected rows; fix the code, or the expectation if the change is intended." },
            ["defaultConfiguration"] = new JsonObject { ["level"] = "error" },
            ["properties"] = new JsonObject { ["tags"] = new JsonArray("etl", "test") },
        });
        JsonObject Result(string file, int line, string message) => new()
        {
            ["ruleId"] = SandboxTestRule,
            ["ruleIndex"] = ruleIndex,
            ["level"] = "error",
            ["message"] = new JsonObject { ["text"] = message },
            ["locations"] = new JsonArray(new JsonObject
            {
                ["physicalLocation"] = new JsonObject
                {
                    ["artifactLocation"] = new JsonObject { ["uri"] = Uri(file), ["uriBaseId"] = "%SRCROOT%" },
                    ["region"] = new JsonObject { ["startLine"] = Math.Max(1, line) },
                },
            }),
            ["partialFingerprints"] = new JsonObject
            {
                ["etlAgentFinding/v1"] = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes($"{SandboxTestRule}|{file}|{message}")), 0, 16).ToLowerInvariant(),
            },
        };
        foreach (var c in failing)
            results.Add(Result(c.File.Path, c.Case.Line, $"{c.FullName}: {(c.Failures.Count == 0 ? c.Outcome.ToString().ToLowerInvariant() : string.Join("; ", c.Failures.Select(f => f.Summary)))}"));
        foreach (var e in errors)
            results.Add(Result(e.File, e.Line, e.Message));
        return sarif;
    }

    private static JsonObject Physical(Location l) => new()
    {
        ["artifactLocation"] = new JsonObject { ["uri"] = Uri(l.File), ["uriBaseId"] = "%SRCROOT%" },
        ["region"] = Region(l.Range),
    };

    private static JsonObject Region(TextRange r) => new()
    {
        ["startLine"] = r.Start.Line + 1,
        ["startColumn"] = r.Start.Character + 1,
        ["endLine"] = r.End.Line + 1,
        ["endColumn"] = r.End.Character + 1,
        ["charOffset"] = r.StartOffset,
        ["charLength"] = r.Length,
    };

    // Relative URI references: spaces and other reserved characters percent-encoded per segment.
    private static string Uri(string path) => string.Join('/', path.Split('/').Select(System.Uri.EscapeDataString));

    private static string Level(Severity s) => s switch
    {
        Severity.Error => "error",
        Severity.Warning => "warning",
        _ => "note",
    };

    private static string Fingerprint(Finding f)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{f.RuleId}|{f.Location.File}|{f.Message}"));
        return Convert.ToHexString(hash, 0, 16).ToLowerInvariant();
    }

    private static string ToPascal(string kebab) =>
        string.Concat(kebab.Split('-', StringSplitOptions.RemoveEmptyEntries).Select(p => char.ToUpperInvariant(p[0]) + p[1..]));
}
