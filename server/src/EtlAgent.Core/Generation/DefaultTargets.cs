using EtlAgent.Core.Model;

namespace EtlAgent.Core.Generation;

/// <summary>
/// What gets tests generated without being named: a procedure that writes tables and is not an
/// <see cref="Orchestrator"/>. The full run, `generate` without --transformation and the
/// "Generate tests" lens all ask this one question.
/// </summary>
public static class DefaultTargets
{
    public static bool Includes(Transformation t, Func<string, Transformation?> find) =>
        t.Kind == TransformationKind.Procedure && t.Writes.Count > 0 && !Orchestrator.Is(t, find);
}
