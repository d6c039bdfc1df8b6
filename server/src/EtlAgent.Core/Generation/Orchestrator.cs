using EtlAgent.Core.Model;

namespace EtlAgent.Core.Generation;

/// <summary>
/// A procedure that runs three or more procedures that write tables (a nightly job such as
/// Etl.RunNightlyLoad): it is tested through the procedures it runs. Generating for it would run
/// all of them for every candidate input (minutes per candidate there, a ~1,800-day calendar
/// included), so the full run, `generate` without --transformation and the "Generate tests" lens
/// leave it out; naming it explicitly (`generate --transformation`) still generates.
/// </summary>
public static class Orchestrator
{
    public const int MinimumLoads = 3;

    /// <summary>The procedures that write tables which <paramref name="t"/> runs directly.</summary>
    public static IReadOnlyList<string> LoadsRunBy(Transformation t, Func<string, Transformation?> find) =>
        t.Calls.Select(c => find(c.ToString())).Where(x => x is { Kind: TransformationKind.Procedure, Writes.Count: > 0 })
            .Select(x => x!.Name).Distinct(StringComparer.OrdinalIgnoreCase).ToList();

    public static bool Is(Transformation t, Func<string, Transformation?> find) =>
        t.Kind == TransformationKind.Procedure && LoadsRunBy(t, find).Count >= MinimumLoads;

    /// <summary>Why generation leaves <paramref name="t"/> out.</summary>
    public static string Reason(Transformation t, Func<string, Transformation?> find) =>
        $"orchestrator: runs {LoadsRunBy(t, find).Count} procedures that write tables, which are tested instead (generate it by name with --transformation)";
}
