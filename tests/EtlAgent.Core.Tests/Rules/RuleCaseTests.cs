using System.Text.RegularExpressions;

namespace EtlAgent.Core.Tests.Rules;

/// <summary>
/// Rule tests as data: every tests/fixtures/rules/ETLnnnn/*.sql file starts with a comment
/// `-- expect: ETL0007 5:11, ETL0007 9:5` (one-based line:column of each finding of that rule)
/// or `-- expect: none`; files under tests/fixtures/rules/all-rules/ are checked against every rule. CREATE TABLEs in the same file form the catalog. A file may also
/// have a `name.fixed.sql` beside it holding the text after applying every first fix.
/// </summary>
public class RuleCaseTests
{
    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        var root = TestPaths.Fixture("rules");
        foreach (var f in Directory.EnumerateFiles(root, "*.sql", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            if (!f.EndsWith(".fixed.sql", StringComparison.Ordinal))
                data.Add(Path.GetRelativePath(root, f).Replace('\\', '/'));
        return data;
    }

    [Theory, MemberData(nameof(Cases))]
    public void Case(string relative) => Run(relative, streamed: false);

    /// <summary>
    /// Cases that must come out the same when analysed as `check` does (streamed: the rules run before the
    /// workspace's stand-ins for undefined tables are built).
    /// </summary>
    [Theory]
    [InlineData("ETL0006/other-database.sql")]
    public void StreamedCase(string relative) => Run(relative, streamed: true);

    private static void Run(string relative, bool streamed)
    {
        var path = Path.Combine(TestPaths.Fixture("rules"), relative);
        var text = File.ReadAllText(path);
        // A folder named after a rule runs that rule; any other folder (all-rules/) runs every rule.
        var folder = Path.GetFileName(Path.GetDirectoryName(path))!;
        string? ruleId = Regex.IsMatch(folder, "^ETL[0-9]{4}$") ? folder : null;
        var header = Regex.Match(text, @"--\s*expect:\s*(?<list>[^\r\n]*)");
        Assert.True(header.Success, $"{relative}: missing '-- expect:' header");
        var expected = header.Groups["list"].Value.Trim() == "none"
            ? new List<string>()
            : header.Groups["list"].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();

        var findings = RuleHarness.Check(text, null, ruleId, streamed);
        var actual = findings.Select(f => $"{f.RuleId} {f.Location.Range.Start.Line + 1}:{f.Location.Range.Start.Character + 1}").ToList();
        Assert.Equal(expected.Order(StringComparer.Ordinal), actual.Order(StringComparer.Ordinal));

        var fixedPath = Path.ChangeExtension(path, ".fixed.sql");
        if (!streamed && File.Exists(fixedPath))
        {
            var fixedText = RuleHarness.ApplyFirstFixes(text, findings);
            Assert.Equal(RuleHarness.Normalize(File.ReadAllText(fixedPath)), RuleHarness.Normalize(fixedText));
        }
    }
}
