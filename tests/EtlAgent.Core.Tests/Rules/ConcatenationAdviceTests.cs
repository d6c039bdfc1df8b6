namespace EtlAgent.Core.Tests.Rules;

/// <summary>ETL0016's advice on `a + '.' + b = @name`: a concatenation, not arithmetic (the message a rule case cannot check).</summary>
public class ConcatenationAdviceTests
{
    private const string Load = """
        CREATE TABLE etl.LoadControl (TargetSchema sysname NOT NULL, TargetTable sysname NOT NULL, TargetPK nvarchar(400) NULL, RowsLoaded int NULL);
        GO
        CREATE PROCEDURE etl.SetKey @tn nvarchar(300), @pk nvarchar(200), @rows int
        AS
        BEGIN
            UPDATE t SET TargetPK = @pk FROM etl.LoadControl AS t WHERE t.TargetSchema + '.' + t.TargetTable = @tn;
            UPDATE t SET TargetPK = @pk FROM etl.LoadControl AS t WHERE t.RowsLoaded + 1 = @rows;
        END
        """;

    [Fact]
    public void A_concatenation_is_named_so_and_its_advice_splits_the_value()
    {
        var messages = RuleHarness.Check(Load, null, "ETL0016").OrderBy(f => f.Location.Range.Start.Line).Select(f => f.Message).ToList();
        Assert.Equal(2, messages.Count);
        Assert.StartsWith("A string concatenation is applied to t.TargetSchema", messages[0]);
        Assert.DoesNotContain("arithmetic", messages[0], StringComparison.OrdinalIgnoreCase);
        Assert.StartsWith("Arithmetic is applied to t.RowsLoaded", messages[1]);
    }
}
