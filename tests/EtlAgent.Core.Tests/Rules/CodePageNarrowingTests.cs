using EtlAgent.Core.Model;

namespace EtlAgent.Core.Tests.Rules;

/// <summary>
/// ETL0005: Unicode text into a varchar column at least as long cannot fail and loses only characters outside the
/// code page (none of ASCII codes and names): information. Too long a value, alone or beside such text, is a warning.
/// </summary>
public class CodePageNarrowingTests
{
    [Fact]
    public void Unicode_text_that_fits_is_information_a_value_too_long_a_warning()
    {
        var sql = File.ReadAllText(Path.Combine(TestPaths.Fixture("rules"), "ETL0005", "unicode-into-varchar.sql"));
        var findings = RuleHarness.Check(sql, null, "ETL0005").OrderBy(f => f.Location.Range.Start.Line).ToList();
        Assert.Equal(new[] { Severity.Information, Severity.Information, Severity.Warning }, findings.Select(f => f.Severity));
        Assert.Contains("cannot fail", findings[0].Message);
        Assert.Contains("String or binary data would be truncated", findings[2].Related.First().Message);
    }
}
