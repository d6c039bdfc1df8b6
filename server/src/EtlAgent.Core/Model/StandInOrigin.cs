namespace EtlAgent.Core.Model;

/// <summary>
/// Why a catalog table is a stand-in: neither the workspace nor `externalObjects` defines it, so
/// the sandbox makes it from how the code uses it. <see cref="FirstUse"/> is the first reference;
/// each column says where it was seen and where its type came from.
/// </summary>
public sealed record StandInOrigin(Location FirstUse, IReadOnlyList<StandInColumn> Columns);

/// <summary>One inferred column: where the code uses it and what its type was inferred from
/// (null: no typed use, so a wide nullable type).</summary>
public sealed record StandInColumn(string Name, Location At, string? TypeFrom);
