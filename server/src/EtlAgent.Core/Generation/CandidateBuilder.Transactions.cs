namespace EtlAgent.Core.Generation;

public sealed partial class CandidateBuilder
{
    /// <summary>
    /// The base inputs again, called inside the caller's transaction, for a procedure that asks whether it
    /// has one (<see cref="CodeFacts.AsksForTransaction"/>): its BEGIN, COMMIT and ROLLBACK decisions take
    /// the other way (an outer transaction is the caller's to commit), which no input outside one reaches.
    /// Variations, not base cases: kept when they show something new or tell a mutant apart.
    /// </summary>
    private static IEnumerable<Scenario> InTransaction(IReadOnlyList<Scenario> bases) => bases.Select(b => b.CalledInsideTransaction());
}
