namespace EtlAgent.Core.Analysis;

/// <summary>
/// The kinds of fault a root cause is classed as (kebab-case ids, stable: reports, the heal
/// templates and the benchmark key on them), each with one sentence a data engineer reads.
/// </summary>
public static class BugClass
{
    public const string FanOutJoin = "fan-out-join";
    public const string RowsLostOrAdded = "rows-lost-or-added";
    public const string NullUnsafeComparison = "null-unsafe-comparison";
    public const string NullPropagation = "null-propagation";
    public const string BoundaryOffByOne = "boundary-off-by-one";
    public const string WrongJoinKey = "wrong-join-key";
    public const string WrongColumn = "wrong-column";
    public const string WrongAggregate = "wrong-aggregate";
    public const string TruncationOverflowConversion = "truncation-overflow-conversion";
    public const string DuplicateKey = "duplicate-key";
    public const string Scd2Window = "scd2-window";
    public const string MissingUnknownMember = "missing-unknown-member";
    public const string Nondeterminism = "nondeterminism";
    public const string SchemaDrift = "schema-drift";
    public const string TestDataInvalid = "test-data-invalid";
    public const string WrongValue = "wrong-value";
    public const string UnsupportedConstruct = "unsupported-construct";

    public static readonly IReadOnlyDictionary<string, string> Descriptions = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [FanOutJoin] = "a join matches more than one row per key, so rows are duplicated",
        [RowsLostOrAdded] = "a filter or a join type keeps rows it should drop, or drops rows it should keep",
        [NullUnsafeComparison] = "a comparison or filter treats NULL as a value (or drops it), so rows with NULLs go the wrong way",
        [NullPropagation] = "a NULL flows into a written value where a default or fallback was intended",
        [BoundaryOffByOne] = "a range boundary is off by one (> instead of >=, a constant one too high or low)",
        [WrongJoinKey] = "a join or lookup matches on the wrong column",
        [WrongColumn] = "a value is taken from the wrong source column",
        [WrongAggregate] = "an aggregate computes the wrong function (SUM/MAX/MIN/COUNT/AVG) or over the wrong rows",
        [TruncationOverflowConversion] = "a value is truncated, overflows or fails to convert to the target type",
        [DuplicateKey] = "two rows collide on a key (a MERGE touching a row twice, error 8672, or a unique key, 2627/2601)",
        [Scd2Window] = "a slowly changing dimension's validity window is not closed, overlaps or leaves a gap",
        [MissingUnknownMember] = "a fact row whose dimension member is missing is not mapped to the unknown member",
        [Nondeterminism] = "the result depends on row order, the clock or NEWID (TOP or ROW_NUMBER with ties)",
        [SchemaDrift] = "the test or the code no longer matches the table's columns",
        [TestDataInvalid] = "the test's given rows are no longer valid for the schema (a constraint rejects them)",
        [WrongValue] = "a written value is computed wrongly",
        [UnsupportedConstruct] = "the sandbox cannot run a construct of the code faithfully",
    };

    public static string Describe(string id) => Descriptions.TryGetValue(id, out var d) ? d : id;
}
