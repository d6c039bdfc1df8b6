using EtlAgent.Core.Reporting;

namespace EtlAgent.Core.Tests.RunReports;

/// <summary>`run` prints the seconds of generation per procedure and their mean; the HTML report lists them, slowest first.</summary>
public class GenerationTimeTests
{
    private static readonly GenerationTime[] Times =
    {
        new("dbo.LoadA", TimeSpan.FromSeconds(2.04), true),
        new("dbo.Load<B>", TimeSpan.FromSeconds(12.5), false),
        new("dbo.LoadC", TimeSpan.FromSeconds(0.46), true),
    };

    [Fact]
    public void The_summary_gives_the_count_the_total_the_mean_and_the_slowest()
    {
        Assert.Equal("generation: 3 procedures in 15.0 s, 5.0 s per procedure on average (slowest: dbo.Load<B> 12.5 s)", GenerationTime.Summary(Times));
        Assert.Equal("", GenerationTime.Summary(Array.Empty<GenerationTime>()));
        Assert.Equal("(0.5 s)", GenerationTime.Seconds(TimeSpan.FromSeconds(0.46)));
    }

    [Fact]
    public void The_report_section_lists_the_slowest_first_escaped()
    {
        var html = GenerationTime.HtmlSection(Times);
        Assert.True(html.IndexOf("dbo.Load&lt;B&gt;", StringComparison.Ordinal) < html.IndexOf("dbo.LoadA", StringComparison.Ordinal));
        Assert.True(html.IndexOf("dbo.LoadA", StringComparison.Ordinal) < html.IndexOf("dbo.LoadC", StringComparison.Ordinal));
        Assert.DoesNotContain("<B>", html);
        Assert.Contains("<td>12.5</td><td>none</td>", html);
        Assert.Equal("", GenerationTime.HtmlSection(Array.Empty<GenerationTime>()));
    }
}
