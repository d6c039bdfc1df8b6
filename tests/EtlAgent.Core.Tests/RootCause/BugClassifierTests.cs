using EtlAgent.Core.Analysis;

namespace EtlAgent.Core.Tests.RootCause;

/// <summary>The bug class from the edit that turns a case green and what the case shows.</summary>
public class BugClassifierTests
{
    private static readonly FailureShape Changed = new(Array.Empty<Model.QualifiedName>(), new[] { "Amount" }, 1, 1, false, null, "RowsMismatch:t");
    private static readonly FailureShape Doubled = new(Array.Empty<Model.QualifiedName>(), Array.Empty<string>(), 0, 2, true, null, "RowsMismatch:t");

    private static string Classify(FailureShape shape, string original, string replacement, string op, string statement = "INSERT t SELECT 1") =>
        BugClassifier.Classify(shape, null, statement, new SuspectEdit(0, original.Length, original, replacement, op));

    [Theory]
    [InlineData(">=", ">", "relational operator >= → >", BugClass.BoundaryOffByOne)]
    [InlineData("30", "31", "constant", BugClass.BoundaryOffByOne)]
    [InlineData("MAX", "SUM", "aggregate MAX → SUM", BugClass.WrongAggregate)]
    [InlineData("s.[Amount]", "ISNULL(s.[Amount], 0)", "changed since the base", BugClass.NullUnsafeComparison)]
    [InlineData("CONVERT(nvarchar(10), s.[Name])", "CONVERT(nvarchar(50), s.[Name])", "changed since the base", BugClass.TruncationOverflowConversion)]
    [InlineData("s.[Bill To Code]", "s.[Customer Code]", "column replaced", BugClass.WrongColumn)]
    public void The_edit_names_the_class(string original, string replacement, string op, string expected) =>
        Assert.Equal(expected, Classify(Changed, original, replacement, op));

    // an inverse edit's class is known by construction: the conversion a restored fallback wraps does not make it a truncation
    [Theory]
    [InlineData("CONVERT(nvarchar(100), s.[Name])", "ISNULL(CONVERT(nvarchar(100), s.[Name]), N'Unknown')", InverseEdits.FallbackRestored, BugClass.NullPropagation)]
    [InlineData("TRY_CONVERT(int, s.[Quantity])", "ISNULL(TRY_CONVERT(int, s.[Quantity]), 0)", InverseEdits.FallbackRestored, BugClass.NullPropagation)]
    [InlineData("dc.[City Key]", "ISNULL(dc.[City Key], 0)", InverseEdits.FallbackRestored, BugClass.MissingUnknownMember)]
    [InlineData("LTRIM(s.[Name])", "NULLIF(LTRIM(s.[Name]), N'')", InverseEdits.BlankGuardRestored, BugClass.NullPropagation)]
    [InlineData("s.[Bill To Code]", "ISNULL(s.[Bill To Code], s.[Code])", InverseEdits.RoleFallback, BugClass.NullPropagation)]
    [InlineData("s.[City]", "s.[Region]", InverseEdits.ValueByTargetName, BugClass.WrongColumn)]
    [InlineData("3", "20", InverseEdits.ConversionWidened, BugClass.TruncationOverflowConversion)]
    public void An_inverse_edit_names_the_class_of_what_it_puts_back(string original, string replacement, string op, string expected) =>
        Assert.Equal(expected, Classify(Changed, original, replacement, op, "INSERT t SELECT CONVERT(nvarchar(100), s.[Name]), dc.[City Key] FROM s"));

    [Fact]
    public void A_join_change_that_removes_duplicated_rows_is_a_fan_out() =>
        Assert.Equal(BugClass.FanOutJoin, Classify(Doubled, "LEFT", "INNER", "LEFT JOIN → INNER JOIN"));

    [Fact]
    public void An_error_names_the_class_before_any_edit()
    {
        var merge = Changed with { Error = new Core.Sandbox.SandboxError(8672, "The MERGE statement attempted to UPDATE or DELETE the same row more than once.", 16, 1, null, null) };
        Assert.Equal(BugClass.DuplicateKey, BugClassifier.Classify(merge, null, "MERGE t USING s ON 1 = 1", null));
        var truncated = Changed with { Error = new Core.Sandbox.SandboxError(8152, "String or binary data would be truncated.", 16, 1, null, null) };
        Assert.Equal(BugClass.TruncationOverflowConversion, BugClassifier.Classify(truncated, null, "INSERT t SELECT 1", null));
    }
}
