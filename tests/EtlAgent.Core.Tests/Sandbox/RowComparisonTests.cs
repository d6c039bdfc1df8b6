using EtlAgent.Core.Model;
using EtlAgent.Core.Sandbox;
using EtlAgent.Core.Sandbox.Runner;
using EtlAgent.Core.Sandbox.TestFiles;

namespace EtlAgent.Core.Tests.Sandbox;

public class RowComparisonTests
{
    private static readonly SqlType NVarChar = new("nvarchar", Length: 50);
    private static readonly SqlType Decimal = new("decimal", Precision: 18, Scale: 2);
    private static readonly SqlType DateTime2 = new("datetime2", Scale: 7);

    [Theory]
    [InlineData("Gift Store", "GIFT STORE")]
    [InlineData("Gift Store", "gift store   ")]
    [InlineData("", "   ")]
    public void Strings_compare_like_the_default_collation(string a, string b) =>
        Assert.True(RowComparison.ValuesEqual(a, b, NVarChar));

    [Theory]
    [InlineData(" Gift", "Gift")]     // leading spaces count
    [InlineData("Gift Store", "Gift-Store")]
    [InlineData("cafe", "café")]      // accent-sensitive (…CI_AS)
    public void Strings_that_differ(string a, string b) => Assert.False(RowComparison.ValuesEqual(a, b, NVarChar));

    [Fact]
    public void Numbers_compare_by_value_and_datetimes_exactly()
    {
        Assert.True(RowComparison.ValuesEqual(12.5m, 12.50m, Decimal));
        Assert.True(RowComparison.ValuesEqual(12.5m, 12.500000m, null));
        Assert.True(RowComparison.ValuesEqual(5, 5L, null));
        Assert.True(RowComparison.ValuesEqual((byte)5, 5, new SqlType("tinyint")));
        Assert.True(RowComparison.ValuesEqual(true, 1, new SqlType("bit")));
        Assert.False(RowComparison.ValuesEqual(12.5m, 12.51m, Decimal));
        var t = new DateTime(2016, 6, 1, 10, 0, 0);
        Assert.True(RowComparison.ValuesEqual(t, t, DateTime2));
        Assert.False(RowComparison.ValuesEqual(t, t.AddTicks(1), DateTime2));
        Assert.True(RowComparison.ValuesEqual("2016-06-01T10:00:00", t, null));   // an untyped expectation meets a typed value
        Assert.True(RowComparison.ValuesEqual(null, null, NVarChar));
        Assert.False(RowComparison.ValuesEqual(null, "", NVarChar));
        Assert.False(RowComparison.ValuesEqual(0, null, Decimal));
        var offset = new DateTimeOffset(2016, 6, 1, 12, 0, 0, TimeSpan.FromHours(2));
        Assert.True(RowComparison.ValuesEqual(offset, offset.ToUniversalTime(), new SqlType("datetimeoffset", Scale: 7)));
    }

    [Fact]
    public void Rows_compare_as_multisets()
    {
        var expected = new[] { Row(("A", "x"), ("B", 1)), Row(("A", "x"), ("B", 1)), Row(("A", "y"), ("B", 2)) };
        var actual = new[] { Actual(("A", "X "), ("B", 1L), ("C", "ignored")), Actual(("A", "y"), ("B", 2L)), Actual(("A", "z"), ("B", 3L)) };
        var diff = RowComparison.Compare(expected, actual, new[] { "A", "B" }, _ => null);
        Assert.Single(diff.Missing);                 // the second ("x", 1) has no partner
        Assert.Equal(new object?[] { "x", 1 }, diff.Missing[0]);
        Assert.Single(diff.Unexpected);
        Assert.Equal(new object?[] { "z", 3L }, diff.Unexpected[0]);
        Assert.Equal(3, diff.ExpectedCount);
        Assert.Equal(3, diff.ActualCount);

        var same = RowComparison.Compare(expected.Take(1).ToList(), actual.Take(1).ToList(), new[] { "A" }, c => NVarChar);
        Assert.Empty(same.Missing);
        Assert.Empty(same.Unexpected);
    }

    private static TestRow Row(params (string Column, object? Value)[] cells) =>
        new(cells.Select(c => new KeyValuePair<string, object?>(c.Column, c.Value)).ToList());

    private static SandboxRow Actual(params (string Column, object? Value)[] cells) =>
        new(cells.Select(c => new KeyValuePair<string, object?>(c.Column, c.Value)));
}
