using EtlAgent.Core.Model;

namespace EtlAgent.Core.Generation;

/// <summary>
/// What gets tests generated without being named: a procedure that writes tables or returns rows
/// (a report, a lookup: its cases expect the rows returned) and is not an <see cref="Orchestrator"/>.
/// The full run, `generate` without --transformation and the "Generate tests" lens all ask this
/// one question; a procedure that does neither has no behaviour a case could record. tSQLt's
/// framework and the workspace's tSQLt tests are test code, not transformations (see TsqltCode);
/// a restatement of a procedure defined elsewhere too (a deployment script's copy, an older
/// migration) is not a second target: its name's tests run the definition in use.
/// </summary>
public static class DefaultTargets
{
    public static bool Includes(Transformation t, Func<string, Transformation?> find) =>
        t.Kind == TransformationKind.Procedure && t.Tsqlt == TsqltRole.None && t.SupersededBy is null && (t.Writes.Count > 0 || t.ReturnsRows) && !Orchestrator.Is(t, find);

    /// <summary>A procedure that writes no table but returns rows: its cases expect those rows.</summary>
    public static bool IsReadOnly(Transformation t) => t.Kind == TransformationKind.Procedure && t.Writes.Count == 0 && t.ReturnsRows;

    /// <summary>Why a procedure that neither writes a table nor returns rows gets no tests.</summary>
    public const string NothingToRecord = "writes no table and returns no rows: no behaviour a generated case could record";
}
