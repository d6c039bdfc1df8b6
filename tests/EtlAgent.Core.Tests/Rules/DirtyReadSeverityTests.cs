using EtlAgent.Core.Model;

namespace EtlAgent.Core.Tests.Rules;

/// <summary>
/// ETL0010 is about loads: a dirty read in a procedure that writes no table and calls nothing that could (a report,
/// a log reader) is information, also when it calls only such procedures, of its file or another; one in a load or in a
/// procedure that calls one that writes, runs dynamic SQL or is not in the workspace stays a warning. So is a one-row read by a key of a table no procedure,
/// function or trigger writes.
/// </summary>
public class DirtyReadSeverityTests
{
    private static IReadOnlyList<(int Line, Severity Severity)> Findings(string caseName)
    {
        var sql = File.ReadAllText(Path.Combine(TestPaths.Fixture("rules"), "ETL0010", caseName));
        return RuleHarness.Check(sql, null, "ETL0010")
            .Select(f => (f.Location.Range.Start.Line + 1, f.Severity)).OrderBy(f => f.Item1).ToList();
    }

    [Fact]
    public void Procedures_that_write_nothing_get_information_one_that_calls_a_procedure_defined_elsewhere_a_warning()
    {
        var findings = Findings("reads-no-table.sql");
        Assert.Equal(new[] { Severity.Information, Severity.Information, Severity.Warning, Severity.Information }, findings.Select(f => f.Severity));
    }

    [Fact]
    public void One_row_by_key_of_a_table_no_module_writes_is_information_part_of_a_key_or_a_written_table_a_warning()
    {
        var findings = Findings("one-row-by-key.sql");
        Assert.Equal(new[] { Severity.Information, Severity.Information, Severity.Warning, Severity.Warning }, findings.Select(f => f.Severity));
    }

    [Fact]
    public void Reference_tables_no_module_writes_are_information_beside_a_live_table_loaded_by_a_procedure_or_under_a_view_a_warning()
    {
        var findings = Findings("reference-tables.sql");
        Assert.Equal(new[] { Severity.Information, Severity.Information, Severity.Warning, Severity.Warning, Severity.Warning }, findings.Select(f => f.Severity));
    }

    [Fact]
    public void A_reference_table_a_script_backfills_stays_information()
    {
        var sql = File.ReadAllText(Path.Combine(TestPaths.Fixture("rules"), "ETL0010", "reference-tables.sql"));
        var backfill = File.ReadAllText(Path.Combine(TestPaths.Fixture("dirty-read-callees"), "metadata-backfill.sql"));
        var findings = RuleHarness.Check(sql, backfill, "ETL0010").OrderBy(f => f.Location.Range.Start.Line).ToList();
        // an onboarding script runs once, not beside the loads: only procedures, functions and triggers count as writers
        Assert.Equal(new[] { Severity.Information, Severity.Information, Severity.Warning, Severity.Warning, Severity.Warning }, findings.Select(f => f.Severity));
        Assert.Contains("scripts may seed or backfill it", findings[0].Message);
    }

    [Fact]
    public void A_reader_calling_procedures_of_another_file_is_information_only_when_they_write_nothing()
    {
        var sql = File.ReadAllText(Path.Combine(TestPaths.Fixture("rules"), "ETL0010", "calls-another-file.sql"));
        var callees = File.ReadAllText(Path.Combine(TestPaths.Fixture("dirty-read-callees"), "log-procedures.sql"));
        var findings = RuleHarness.Check(sql, callees, "ETL0010").OrderBy(f => f.Location.Range.Start.Line).ToList();
        Assert.Equal(new[] { Severity.Information, Severity.Warning, Severity.Warning }, findings.Select(f => f.Severity));
        Assert.Contains("writes no table", findings[0].Message);
        Assert.DoesNotContain("writes no table", findings[1].Message);

        // alone, every callee is unknown and could write
        Assert.All(Findings("calls-another-file.sql"), f => Assert.Equal(Severity.Warning, f.Severity));
    }

    [Fact]
    public void Information_messages_name_a_table_of_another_database_with_its_database()
    {
        var sql = File.ReadAllText(Path.Combine(TestPaths.Fixture("rules"), "ETL0010", "other-database.sql"));
        var findings = RuleHarness.Check(sql, null, "ETL0010").OrderBy(f => f.Location.Range.Start.Line).ToList();
        Assert.Equal(new[] { Severity.Information, Severity.Information }, findings.Select(f => f.Severity));
        Assert.StartsWith("The dirty read of Srte.dbo.Condition_code reads", findings[0].Message);
        Assert.StartsWith("The dirty read of Srte.dbo.Program_setting reads", findings[1].Message);
    }

    [Fact]
    public void Loads_keep_their_warnings()
    {
        var findings = Findings("load-procedures.sql");
        Assert.NotEmpty(findings);
        Assert.All(findings, f => Assert.Equal(Severity.Warning, f.Severity));
    }
}
