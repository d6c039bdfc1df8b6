namespace EtlAgent.Core.Generation;

/// <summary>
/// What the candidates run so far have shown, in the order they are considered
/// (<see cref="CandidateOrder"/>): the outcome shapes (error or not, rows inserted, updated and
/// deleted per table, rows returned) and the statements reached. A candidate adds behaviour when
/// it shows a shape or reaches a statement none before it did; after <c>stopAfter</c> candidates in
/// a row that add none, more of the same is not worth its sandbox runs (<see cref="Exhausted"/>).
/// Considered in candidate order, so where the search stops does not depend on timing.
/// </summary>
public sealed class CandidateSearch(int stopAfter)
{
    private readonly HashSet<string> _shapes = new(StringComparer.Ordinal);
    private readonly HashSet<(string File, int Offset)> _reached = new();
    private int _inARow;

    /// <summary>Candidates in a row that added nothing reached the limit (never when the limit is 0).</summary>
    public bool Exhausted => stopAfter > 0 && _inARow >= stopAfter;

    /// <summary>
    /// Records one candidate's run (null shape: it could not run) and says whether it added
    /// behaviour; a base input (<paramref name="baseInput"/>, kept as a case whatever it shows) never
    /// counts towards the stop.
    /// </summary>
    public bool Add(string? shape, IReadOnlySet<(string File, int Offset)>? reached, bool baseInput = false)
    {
        bool added = (shape is not null && _shapes.Add(shape)) | baseInput;
        foreach (var statement in reached ?? (IEnumerable<(string, int)>)Array.Empty<(string, int)>())
            added |= _reached.Add(statement);
        _inARow = added ? 0 : _inARow + 1;
        return added;
    }
}
