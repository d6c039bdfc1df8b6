namespace EtlAgent.Core.Healing;

/// <summary>
/// The evidence behind "verified": after the edits, <see cref="CasesPassed"/> of the
/// <see cref="CasesTotal"/> cases of the affected test files pass (every failing case it targets
/// and every case that passed before), and the edited files have <see cref="NewFindings"/> more
/// static findings at warning or above than before (zero for a verified heal).
/// </summary>
public sealed record HealVerification(int CasesPassed, int CasesTotal, int NewFindings)
{
    public override string ToString() => $"verified: {CasesPassed}/{CasesTotal} cases, {NewFindings} new {(NewFindings == 1 ? "finding" : "findings")}";
}
