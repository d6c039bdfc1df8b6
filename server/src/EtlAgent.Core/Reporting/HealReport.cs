using System.Text;
using System.Text.Json.Nodes;
using EtlAgent.Core.Analysis;
using EtlAgent.Core.Healing;
using EtlAgent.Core.Model;

namespace EtlAgent.Core.Reporting;

/// <summary>
/// Heals for people and tools. JSON: {"suggestions":[{"id","failure":{"test","case"},"kind","class",
/// "title","file","edits":[{"file","range":{"startLine","startColumn","endLine","endColumn"},"newText"}],
/// "verified":{"casesPassed","casesTotal","newFindings"},"source","diff":[…]}],"bases":{TRANSFORMATION:{"kind","description",…}}} with 1-based lines and columns, best first; "diff"
/// (a test heal's) lists the expected rows removed and added, the cases removed and added, the given rows changed;
/// "source" says where the candidate came from ("template", "inverse-mutation", "revert", "test", "llm", …).
/// </summary>
public static class HealReport
{
    /// <param name="bases">The last green version each searched transformation's heals started from ("bases": {transformation: {"kind", "description", …}}, as `analyze` writes a base); null: left out.</param>
    public static JsonObject ToJson(IReadOnlyList<HealSuggestion> suggestions, IReadOnlyDictionary<string, AnalysisBase>? bases = null) => new JsonObject
    {
        ["suggestions"] = new JsonArray(suggestions.Select(s => (JsonNode)new JsonObject
        {
            ["id"] = s.Id,
            ["failure"] = new JsonObject { ["test"] = s.Test, ["case"] = s.Case },
            ["kind"] = s.Kind,
            ["class"] = s.BugClass,
            ["title"] = s.Title,
            ["file"] = s.File,
            ["source"] = s.Candidate.Source,
            ["edits"] = new JsonArray(s.Edits.Select(e => (JsonNode)Edit(e)).ToArray()),
            ["verified"] = new JsonObject
            {
                ["casesPassed"] = s.Verified.CasesPassed,
                ["casesTotal"] = s.Verified.CasesTotal,
                ["newFindings"] = s.Verified.NewFindings,
            },
        }.Also(o =>
        {
            // a test heal's diff for the reviewer: expected rows ("- …"/"+ …"), cases, given rows changed
            if (s.Candidate.Diff.Count > 0) o["diff"] = new JsonArray(s.Candidate.Diff.Select(d => (JsonNode)JsonValue.Create(d)!).ToArray());
        })).ToArray()),
    }.Also(o =>
    {
        if (bases is not null) o["bases"] = new JsonObject(bases.OrderBy(b => b.Key, StringComparer.Ordinal).Select(b => KeyValuePair.Create(b.Key, (JsonNode?)AnalysisReport.BaseJson(b.Value))));
    });

    private static JsonObject Also(this JsonObject o, Action<JsonObject> add)
    {
        add(o);
        return o;
    }

    private static JsonObject Edit(TextEdit e) => new()
    {
        ["file"] = e.File,
        ["range"] = new JsonObject
        {
            ["startLine"] = e.Range.Start.Line + 1,
            ["startColumn"] = e.Range.Start.Character + 1,
            ["endLine"] = e.Range.End.Line + 1,
            ["endColumn"] = e.Range.End.Character + 1,
        },
        ["newText"] = e.NewText,
    };

    /// <summary>One block per heal: id, failure, title, evidence, the edits (a re-record shows its diff of expected rows); then a count.</summary>
    public static string Text(IReadOnlyList<HealSuggestion> suggestions, int failing, IReadOnlyDictionary<string, AnalysisBase>? bases = null)
    {
        var sb = new StringBuilder();
        // which last green version the heals started from: a revert is offered only against one
        foreach (var (name, b) in (bases ?? new Dictionary<string, AnalysisBase>()).OrderBy(b => b.Key, StringComparer.Ordinal))
            sb.Append("base for ").Append(name).Append(": ").AppendLine(b.Describe());
        foreach (var s in suggestions)
        {
            sb.Append(s.Id).Append("  ").Append(s.Kind).Append('/').Append(s.BugClass).Append("  ")
              .Append(s.Test).Append(s.Case is null ? "" : $" › {s.Case}").AppendLine();
            sb.Append("    Heal: ").Append(s.Title).Append(" (").Append(s.Verified).AppendLine(")");
            if (s.Candidate.Diff.Count > 0)
                foreach (var d in s.Candidate.Diff) sb.Append("      ").AppendLine(d);
            else
                foreach (var e in s.Edits)
                    sb.Append("    ").Append(e.File).Append(':').Append(e.Range.Start.Line + 1).Append(':').Append(e.Range.Start.Character + 1)
                      .Append("  → ").AppendLine(OneLine(e.NewText));
        }
        sb.Append(LineageReport.Count(suggestions.Count, "verified heal")).Append(" for ").Append(LineageReport.Count(failing, "failing case")).AppendLine();
        return sb.ToString();
    }

    private static string OneLine(string text)
    {
        var s = System.Text.RegularExpressions.Regex.Replace(text, @"\s+", " ").Trim();
        return s.Length == 0 ? "(delete)" : s.Length <= 100 ? s : s[..97] + "…";
    }
}
