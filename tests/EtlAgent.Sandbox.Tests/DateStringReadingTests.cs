using System.Globalization;
using EtlAgent.Core.Model;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Sandbox;
using EtlAgent.Core.Sandbox.DuckDb;
using EtlAgent.Core.Translation;
using EtlAgent.Core.Workspace;
using EtlAgent.Core.WorkspaceModel;

namespace EtlAgent.Sandbox.Tests;

/// <summary>
/// Reading a string as a date/time at run time goes through a host function, not one SQL CASE over
/// every pattern: DuckDB expands a macro inline in every statement that calls it, so the giant CASE
/// cost each case ~0.5 s to create and each converting statement ~0.1 s to bind (the per-case cost
/// of nedss's loads). The host function reads as the constant reader does (conformance
/// `datestrings.sql` checks the documented forms end to end).
/// </summary>
public sealed class DateStringReadingTests
{
    [Fact]
    public void Every_runtime_macro_stays_small_enough_to_expand_in_every_statement()
    {
        // the limit is far above the ordinary macros and far below a pattern table written out in SQL
        foreach (var (name, ddl, _) in Macros.All)
            Assert.True(ddl.Length <= 1000, $"macro {name} is {ddl.Length} characters long");
    }

    public static TheoryData<string, string> Strings => new()
    {
        { "2016-06-01", "mdy" },
        { "2016-06-01T08:30:15.1234567Z", "mdy" },
        { "2016-06-01 08:30", "mdy" },
        { "20160601", "mdy" },
        { "20160601 23:59:59.997", "mdy" },
        { "06/01/2016", "mdy" },
        { "06/01/2016", "dmy" },
        { "6.1.16 10:00 PM", "mdy" },
        { "16-06-01", "ymd" },
        { "Jun 1, 2016", "mdy" },
        { "1 June 2016 10:15AM", "mdy" },
        { "01-Jun-2016", "mdy" },
        { "June 2016", "mdy" },
        { "2016 June 3", "mdy" },
        { "10:15:30", "mdy" },
        { "99991231 23:59:59.9999999", "mdy" },
    };

    [Theory]
    [MemberData(nameof(Strings))]
    public void The_run_time_reader_gives_the_value_the_constant_reader_gives(string text, string order)
    {
        var parsed = DateTimeStrings.Parse(text, order switch { "dmy" => DateTimeStrings.Order.Dmy, "ymd" => DateTimeStrings.Order.Ymd, _ => DateTimeStrings.Order.Mdy });
        Assert.Equal(DateTimeStrings.Outcome.Parsed, parsed.Outcome);
        var canonical = DateTimeStrings.CanonicalText(text, order);
        Assert.NotNull(canonical);
        // microseconds: the canonical text keeps six fractional digits, as DuckDB's timestamps do
        var expected = parsed.Value.AddTicks(-(parsed.Value.Ticks % 10));
        Assert.Equal(expected, DateTime.ParseExact(canonical!, "yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData("2016-13-01", "mdy")]      // month 13: a text no cast accepts (error 242/241 follows)
    [InlineData("Foo 1, 2016", "mdy")]     // no such month
    [InlineData("13:00 PM", "mdy")]        // an hour over 12 with PM
    public void Impossible_values_give_a_text_no_cast_accepts(string text, string order)
    {
        var canonical = DateTimeStrings.CanonicalText(text, order);
        Assert.NotNull(canonical);
        Assert.False(DateTime.TryParseExact(canonical, "yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture, DateTimeStyles.None, out _));
    }

    [Theory]
    [InlineData("not a date", "mdy")]
    [InlineData("2016-06-01 8", "mdy")]    // a time needs its minutes
    [InlineData("2016-06-01\u00a008:00", "mdy")] // DuckDB's \s is ASCII white space only
    public void A_text_no_format_matches_gives_null(string text, string order) =>
        Assert.Null(DateTimeStrings.CanonicalText(text, order));

    [Fact]
    public async Task A_procedure_converting_string_columns_reads_them_in_the_sandbox()
    {
        var files = new MemoryFileSource();
        files.Add("Tables/dbo.Landing.sql", "CREATE TABLE dbo.Landing (Id int NOT NULL, Seen varchar(40) NULL);");
        files.Add("Tables/dbo.Seen.sql", "CREATE TABLE dbo.Seen (Id int NOT NULL, SeenAt datetime2(3) NULL, SeenOn datetime NULL);");
        files.Add("Procedures/dbo.LoadSeen.sql", """
            CREATE PROCEDURE dbo.LoadSeen AS
            INSERT INTO dbo.Seen (Id, SeenAt, SeenOn) SELECT l.Id, CONVERT(datetime2(3), l.Seen), CAST(l.Seen AS datetime) FROM dbo.Landing AS l;
            """);
        var analysis = new WorkspaceAnalyzer(WorkspaceSettings.Default) { RetainSyntax = true, MaxDegreeOfParallelism = 1 }.Analyze(files);
        await using var factory = new DuckDbSandboxFactory(new SandboxSetup(analysis, Serves: "dbo.LoadSeen"), null, catalogs: new PreparedCatalogs());
        await using var sandbox = await factory.CreateAsync();
        await sandbox.InsertRowsAsync(QualifiedName.Parse("dbo.Landing"), new[]
        {
            new SandboxRow(new[] { KeyValuePair.Create<string, object?>("Id", 1), KeyValuePair.Create<string, object?>("Seen", " 06/01/2016 10:15 PM ") }),
            new SandboxRow(new[] { KeyValuePair.Create<string, object?>("Id", 2), KeyValuePair.Create<string, object?>("Seen", null) }),
        });
        var run = await sandbox.ExecuteAsync(new ExecutionRequest("dbo.LoadSeen", new Dictionary<string, object?>()));
        Assert.Null(run.Error);
        var rows = (await sandbox.ReadTableAsync(QualifiedName.Parse("dbo.Seen"))).OrderBy(r => r["Id"]).ToList();
        Assert.Equal(new DateTime(2016, 6, 1, 22, 15, 0), rows[0]["SeenAt"]);
        Assert.Equal(new DateTime(2016, 6, 1, 22, 15, 0), rows[0]["SeenOn"]);
        Assert.Null(rows[1]["SeenAt"]);

        await sandbox.InsertRowsAsync(QualifiedName.Parse("dbo.Landing"), new[]
        {
            new SandboxRow(new[] { KeyValuePair.Create<string, object?>("Id", 3), KeyValuePair.Create<string, object?>("Seen", "2016-02-30") }),
        });
        var bad = await sandbox.ExecuteAsync(new ExecutionRequest("dbo.LoadSeen", new Dictionary<string, object?>()));
        // no such day: 241 for datetime2, 242 for datetime, whichever conversion the engine meets first
        Assert.Contains(bad.Error?.Number ?? 0, new[] { 241, 242 });
    }
}
