using System.Globalization;
using System.Text.Json.Nodes;
using EtlAgent.Core.Agent;
using EtlAgent.Core.Memory;
using EtlAgent.Core.Reporting;
using EtlAgent.Core.Workspace;

namespace EtlAgent.Cli.Commands;

/// <summary>
/// `etl-agent dismiss`: the editor's "Dismiss finding…" from a shell. Dismisses a finding named by
/// fingerprint or RULE:FILE:LINE (--reason, --until), lists the dismissals (--list) or lifts one
/// (--undo); stored in the memory by the same fingerprint and audited (<see cref="Dismissals"/>).
/// </summary>
internal static class DismissCommand
{
    public static async Task<int> RunAsync(CliOptions options, TextWriter stdout, CancellationToken cancellationToken)
    {
        var format = options.Get("--format", "text", "text", "json");
        bool list = options.Has("--list"), undo = options.Has("--undo");
        if (list && undo) throw new UsageException("--list and --undo do not go together.");
        // the finding comes after the workspace: the loader takes the workspace alone
        string? target = options.Positionals.Count > 1 ? options.Positionals[1] : null;
        if (target is not null) options.Positionals.RemoveAt(1);
        if (list && target is not null) throw new UsageException($"--list takes no finding; got '{target}'.");
        if (!list && target is null) throw new UsageException("missing <fingerprint|RULE:FILE:LINE> argument (or --list).");
        var reason = options.GetOptional("--reason");
        if (!list && !undo && string.IsNullOrWhiteSpace(reason)) throw new UsageException("--reason TEXT is required: say why the finding is dismissed.");
        DateTimeOffset? until = null;
        if (options.GetOptional("--until") is { } u)
        {
            if (list || undo) throw new UsageException("--until goes with a dismissal, not with --list or --undo.");
            until = DateTimeOffset.TryParse(u, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed) ? parsed
                : throw new UsageException($"--until must be a date (2027-03-31) or an ISO time; got '{u}'.");
        }

        var (analysis, engine, _) = await WorkspaceLoader.AnalyzeAsync(options, cancellationToken);
        IReadOnlyDictionary<string, FindingRecord> known;
        try { known = engine.Memory.Findings(); }
        catch (MemoryStoreException e) { throw new ConfigurationException($"memory: {e.Message}"); }
        var now = new DateTimeOffset(DateTime.SpecifyKind(engine.Clock.UtcNow, DateTimeKind.Utc));
        if (until is { } t && t <= now) throw new UsageException($"--until {options.GetOptional("--until")} is not in the future.");

        if (list)
        {
            var dismissed = known.Values.Where(k => k.State == FindingState.Dismissed).OrderBy(k => k.File, StringComparer.Ordinal).ThenBy(k => k.RuleId).ToList();
            WorkspaceLoader.Write(options, stdout, format == "json" ? DiscoveryReport.Serialize(ListJson(dismissed, now)) + Environment.NewLine : ListText(dismissed, now));
            return CliApp.ExitOk;
        }

        var finding = Dismissals.Resolve(target!, analysis.Findings, known);
        string text;
        JsonObject json;
        try
        {
            if (undo)
            {
                var record = known.GetValueOrDefault(finding.Fingerprint);
                if (record is null || !Dismissals.Undo(engine, record, reason ?? "dismissal undone from the CLI"))
                    throw new ConfigurationException($"{target}: {finding.RuleId} in {finding.File} ({finding.Fingerprint}) is not dismissed.");
                text = $"{finding.RuleId} in {finding.File} ({finding.Fingerprint}) is shown again.";
                json = new JsonObject { ["undone"] = true, ["fingerprint"] = finding.Fingerprint, ["ruleId"] = finding.RuleId, ["file"] = finding.File };
            }
            else
            {
                Dismissals.Dismiss(engine, finding, reason!.Trim(), until);
                text = $"Dismissed {finding.RuleId} in {finding.File} ({finding.Fingerprint}): {reason!.Trim()}" +
                       (until is { } e ? $" until {e:yyyy-MM-dd HH:mm} UTC" : "") + ". `check`, `run` and the editor leave it out.";
                json = new JsonObject
                {
                    ["dismissed"] = true, ["fingerprint"] = finding.Fingerprint, ["ruleId"] = finding.RuleId, ["file"] = finding.File,
                    ["reason"] = reason!.Trim(), ["expires"] = until?.ToString("o", CultureInfo.InvariantCulture),
                };
            }
        }
        catch (MemoryStoreException e) { throw new ConfigurationException($"memory: {e.Message}"); }
        WorkspaceLoader.Write(options, stdout, format == "json" ? DiscoveryReport.Serialize(json) + Environment.NewLine : text + Environment.NewLine);
        return CliApp.ExitOk;
    }

    private static string ListText(IReadOnlyList<FindingRecord> dismissed, DateTimeOffset now)
    {
        if (dismissed.Count == 0) return "No finding is dismissed." + Environment.NewLine;
        var sb = new System.Text.StringBuilder();
        foreach (var d in dismissed)
        {
            var lapse = d.Expires is { } e ? (d.IsDismissedAt(now) ? $" (until {e:yyyy-MM-dd})" : $" (lapsed {e:yyyy-MM-dd}: shown again)") : "";
            sb.AppendLine($"{d.Fingerprint}  {d.RuleId}  {d.File}  {d.Reason}{lapse}");
        }
        sb.AppendLine($"{LineageReport.Count(dismissed.Count(d => d.IsDismissedAt(now)), "dismissed finding")} (undo one: etl-agent dismiss <workspace> FINGERPRINT --undo)");
        return sb.ToString();
    }

    private static JsonObject ListJson(IReadOnlyList<FindingRecord> dismissed, DateTimeOffset now) => new()
    {
        ["dismissed"] = new JsonArray(dismissed.Select(d => (JsonNode)new JsonObject
        {
            ["fingerprint"] = d.Fingerprint,
            ["ruleId"] = d.RuleId,
            ["file"] = d.File,
            ["message"] = d.Message,
            ["reason"] = d.Reason,
            ["expires"] = d.Expires?.ToString("o", CultureInfo.InvariantCulture),
            ["active"] = d.IsDismissedAt(now),
            ["updated"] = d.Updated.ToString("o", CultureInfo.InvariantCulture),
        }).ToArray()),
    };
}
