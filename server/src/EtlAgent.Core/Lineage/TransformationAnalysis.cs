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
    IReadOnlyList<UnresolvedColumn> Unresolved)
{
    /// <summary>What its writes leave in the columns of each table it writes; kept when the syntax is dropped (the workspace step reads it).</summary>
    public IReadOnlyList<TableFill> Fills { get; init; } = Array.Empty<TableFill>();

    /// <summary>
    /// What the dynamic SQL it runs leaves in the tables that SQL writes, when every dynamic statement's text could be
    /// rebuilt and names its tables as constants; null when some cannot (or the body runs none that way).
    /// </summary>
    public IReadOnlyList<TableFill>? DynamicFills { get; init; }

    /// <summary>For each table it writes, the columns its writes keep unique (see <see cref="KeptKeys"/>); kept when the syntax is dropped.</summary>
    public IReadOnlyList<KeptKeys> KeptKeys { get; init; } = Array.Empty<KeptKeys>();

    /// <summary>A scalar function whose every RETURN gives a value that is never NULL (`RETURN DATEFROMPARTS(2100, 1, 1)`).</summary>
    public bool ReturnsValue { get; init; }

    /// <summary>True when syntax was dropped after analysis; re-parse the file to get it back.</summary>
    public bool HasSyntax => Document.Tree is not null;

    public TransformationAnalysis WithoutSyntax() => this with
    {
        Syntax = Syntax.WithoutSyntax(),
        Document = Document.WithoutTree(),
        Assignments = Array.Empty<ColumnAssignment>(),
        Unresolved = Array.Empty<UnresolvedColumn>(),
    };
}
