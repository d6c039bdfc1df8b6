namespace EtlAgent.Core.Healing;

/// <summary>
/// A statement the heal search edits: a span of a transformation's file (offsets into the
/// document's text). The caller ranks them, best first (root-cause analysis, or
/// <see cref="ProcedureStatements.DefaultSuspects"/> until it is wired in).
/// </summary>
public sealed record SuspectStatement(string File, int StartOffset, int EndOffset)
{
    public bool Contains(int start, int length) => StartOffset <= start && start + length <= EndOffset;
}
