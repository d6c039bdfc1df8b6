namespace EtlAgent.Core.Healing;

/// <summary>
/// The bug classes a heal answers, as `heal.autoApply` lists them and reports show them. One name
/// per class so a policy can allow exactly the classes its team trusts.
/// </summary>
public static class HealClasses
{
    public const string NullUnsafeComparison = "null-unsafe-comparison";
    public const string NullPropagation = "null-propagation";
    public const string MissingCurrentRowFilter = "scd2-current-row";
    public const string Boundary = "boundary";
    public const string JoinType = "join-type";
    public const string Filter = "filter";
    public const string WrongKey = "wrong-key";
    public const string WrongAggregate = "wrong-aggregate";
    public const string Truncation = "truncation";
    public const string Expression = "expression";
    /// <summary>A statement put back as it was in the last green version, when no analysis named the fault's class.</summary>
    public const string RevertToLastGreen = "revert-to-last-green";
    /// <summary>Test side: the code changed on purpose, the expectations follow it.</summary>
    public const string IntendedChange = "intended-change";
    /// <summary>Test side: the test file fell behind the schema.</summary>
    public const string SchemaDrift = "schema-drift";
    /// <summary>Test side: a generated test file that no longer loads or fits its procedure, generated again for the current code.</summary>
    public const string RegenerateTest = "regenerate-test";
    /// <summary>Test side: given rows a new constraint rejects, edited as little as the constraint needs.</summary>
    public const string AdjustGivenRows = "adjust-given-rows";
}

/// <summary>What a heal edits: the code under test, or the test.</summary>
public static class HealKinds
{
    public const string Code = "code";
    public const string Test = "test";
}
