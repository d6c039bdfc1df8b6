using System.Globalization;
using EtlAgent.Core.Model;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Workspace;

namespace EtlAgent.Core.Healing;

/// <summary>What applying a heal came to: written, or refused with the reason (and what would allow it).</summary>
public sealed record HealApplyResult(bool Applied, string Message);

/// <summary>
/// The approval gate: writes a verified heal only where the policy allows its kind and class
/// (<see cref="PolicySettings.AllowsAutoApply"/>; re-recording expectations on its own also needs
/// `policy.rerecordExpectations`), and records every heal applied and every refusal in the audit
/// log with who asked, what changed and why.
/// </summary>
public sealed class HealApplier(IFileSource files, IFileWriter writer, PolicySettings policy, IAuditLog audit, IClock clock, string actor)
{
    /// <summary>Whether the policy lets <paramref name="heal"/> be written without an editor's review (<paramref name="automatic"/>: no one asked for this heal by id).</summary>
    public static bool Allows(PolicySettings policy, HealSuggestion heal, bool automatic) =>
        policy.AllowsAutoApply(heal.Kind, heal.BugClass) && (!automatic || !Rerecords(heal) || policy.RerecordExpectations)
        && (heal.BugClass != HealClasses.RegenerateTest || policy.WriteGeneratedTests);

    /// <summary>Heals that replace expectations with what the code does now: on their own only when the policy also allows re-recording.</summary>
    private static bool Rerecords(HealSuggestion heal) => heal.BugClass is HealClasses.IntendedChange or HealClasses.RegenerateTest;

    public HealApplyResult Apply(HealSuggestion heal, bool automatic)
    {
        var details = Details(heal);
        if (!Allows(policy, heal, automatic))
        {
            var why = $"heal {heal.Id} ({heal.Kind}, {heal.BugClass}) is a suggestion: the policy does not allow applying it " +
                $"(etl-agent.json \"heal\": {{\"autoApply\": …}} is \"{Describe(policy)}\"; allow \"{(heal.Kind == HealKinds.Test ? "tests" : "all")}\" or list \"{heal.BugClass}\"" +
                (automatic && Rerecords(heal) && !policy.RerecordExpectations ? ", and set policy.rerecordExpectations" : "") +
                (heal.BugClass == HealClasses.RegenerateTest && !policy.WriteGeneratedTests ? ", and set policy.writeGeneratedTests" : "") +
                "), or apply it in the editor as a quick fix";
            audit.Append(new AuditEntry(clock.UtcNow, actor, AuditActions.PolicyRefusal, heal.File, why, details));
            return new HealApplyResult(false, why);
        }
        foreach (var file in heal.Edits.Select(e => e.File).Distinct())
        {
            string text;
            try { text = files.ReadAllText(file); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return new HealApplyResult(false, $"cannot read {file}: {e.Message}"); }
            if (SpanEdits.Apply(text, heal.Edits, file) is not { } edited)
                return new HealApplyResult(false, $"{file} changed since heal {heal.Id} was verified; run heal again");
            writer.WriteAllText(file, edited);
        }
        var action = Rerecords(heal) ? AuditActions.ExpectationsRerecorded : AuditActions.HealApplied;
        audit.Append(new AuditEntry(clock.UtcNow, actor, action, heal.File,
            $"{heal.Title}, for {(heal.Case is null ? "" : $"the failing case \"{heal.Case}\" of ")}{heal.Test} ({heal.Verified}){(automatic ? "; applied under the heal policy" : "; applied on request")}", details));
        return new HealApplyResult(true, $"applied heal {heal.Id}: {heal.Title} ({string.Join(", ", heal.Edits.Select(e => e.File).Distinct())})");
    }

    private static Dictionary<string, string> Details(HealSuggestion heal) => new()
    {
        ["id"] = heal.Id,
        ["kind"] = heal.Kind,
        ["class"] = heal.BugClass,
        ["source"] = heal.Candidate.Source,
        ["test"] = heal.Test,
        ["case"] = heal.Case ?? "",
        ["casesPassed"] = heal.Verified.CasesPassed.ToString(CultureInfo.InvariantCulture),
        ["casesTotal"] = heal.Verified.CasesTotal.ToString(CultureInfo.InvariantCulture),
        ["newFindings"] = heal.Verified.NewFindings.ToString(CultureInfo.InvariantCulture),
    };

    private static string Describe(PolicySettings policy) => policy.ApplyHeals switch
    {
        HealAutoApply.Classes => string.Join(", ", policy.ApplyHealClasses),
        var a => a.ToString().ToLowerInvariant(),
    };
}
