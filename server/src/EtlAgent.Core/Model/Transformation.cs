namespace EtlAgent.Core.Model;

public enum TransformationKind
{
    Procedure,
    View,
    Function,
    Script,
}

public enum MappingKind
{
    Direct,
    Expression,
    Aggregate,
    Constant,
    Variable,
}

public sealed record ParameterDef(string Name, SqlType Type, bool IsOutput, bool IsReadOnly, string? Default);

/// <summary>One target column fed by zero or more source columns ("Schema.Table.Column").</summary>
public sealed record ColumnLineage(string Target, IReadOnlyList<string> Sources, MappingKind Mapping, Location? Location = null);

/// <summary>
/// A unit of data movement: a procedure, view, function, or a script file whose top level holds DML.
/// Scripts are named by their workspace-relative path.
/// </summary>
public sealed record Transformation(
    string Name,
    TransformationKind Kind,
    string File,
    TextRange HeaderRange,
    TextRange BodyRange,
    IReadOnlyList<QualifiedName> Reads,
    IReadOnlyList<QualifiedName> Writes,
    IReadOnlyList<QualifiedName> Calls,
    IReadOnlyList<ParameterDef> Parameters,
    IReadOnlyList<ColumnLineage> Columns)
{
    public Location Header => new(File, HeaderRange);

    /// <summary>Its body has a SELECT that returns rows to the caller (not an assignment, not SELECT … INTO).</summary>
    public bool ReturnsRows { get; init; }

    /// <summary>tSQLt's framework, a tSQLt test or other test-class code (known once the whole workspace is read); None for warehouse code.</summary>
    public TsqltRole Tsqlt { get; init; }

    /// <summary>
    /// The file of the definition of the same name that is used instead of this one (a source file
    /// over a deployment script's copy, the latest migration over older ones; see DefinitionPreference);
    /// null for the definition in use. Such a restatement is listed, never a target.
    /// </summary>
    public string? SupersededBy { get; init; }
}

public sealed record Pipeline(string Id, IReadOnlyList<string> Transformations);
