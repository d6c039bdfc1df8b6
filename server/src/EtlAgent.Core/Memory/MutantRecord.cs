namespace EtlAgent.Core.Memory;

/// <summary>
/// One mutant tried on a transformation and its fate ("killed", "survived", "not-covered",
/// "equivalent"); the memory keeps the latest run's mutants per transformation.
/// </summary>
/// <param name="Key">What the mutant is, independent of its position: operator, original and mutated code.</param>
public sealed record MutantRecord(string Transformation, string Key, string Operator, string Status, string RunId);

/// <summary>An invariant known of a transformation ("Dim.City: [Valid To] ≥ [Valid From]") and where it came from.</summary>
public sealed record InvariantRecord(string Transformation, string Invariant, string Source);

/// <summary>
/// A finished generation for one code fingerprint (procedure text, catalog, generator version):
/// what it wrote, or why it wrote nothing, so a run on unchanged code does not do it again.
/// </summary>
/// <param name="Outcome">"written" or "nothing".</param>
public sealed record GenerationRecord(string Key, string Transformation, string Outcome, string? Reason, string? File, string RunId, DateTimeOffset Time);
