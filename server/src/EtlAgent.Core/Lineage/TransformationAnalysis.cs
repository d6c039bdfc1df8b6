using EtlAgent.Core.Discovery;
using EtlAgent.Core.Model;
using EtlAgent.Core.Syntax;

namespace EtlAgent.Core.Lineage;

/// <summary>A discovered transformation with the syntax and column assignments it came from.</summary>
public sealed record TransformationAnalysis(
    Transformation Transformation,
    TransformationSyntax Syntax,
    SqlDocument Document,
    IReadOnlyList<ColumnAssignment> Assignments,
    IReadOnlyList<UnresolvedColumn> Unresolved);
