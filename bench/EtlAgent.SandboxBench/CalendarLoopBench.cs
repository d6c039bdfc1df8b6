using System.Diagnostics;
using EtlAgent.Core.Model;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Sandbox;
using EtlAgent.Core.Sandbox.DuckDb;
using EtlAgent.Core.Workspace;
using EtlAgent.Core.WorkspaceModel;

namespace EtlAgent.SandboxBench;

/// <summary>
/// A calendar load as warehouses write it: a WHILE over every day between two dates, each iteration
/// one SET of the loop date and one INSERT … SELECT of computed date parts into a table variable with
/// a primary key, then the table variable merged into the calendar table. Prints the seconds one case
/// takes, which is what the generator's per-case limit is measured against.
/// </summary>
internal static class CalendarLoopBench
{
    private const string Workspace = """
        CREATE TABLE dbo.Calendar
        (
            DateKey int NOT NULL PRIMARY KEY,
            CalendarDate date NOT NULL,
            DayNumber int NOT NULL,
            DayName varchar(20) NOT NULL,
            MonthNumber int NOT NULL,
            MonthName varchar(20) NOT NULL,
            MonthShortName varchar(3) NOT NULL,
            CalendarYear int NOT NULL,
            QuarterNumber int NOT NULL,
            TaxYear varchar(10) NOT NULL,
            YearMonthSort int NOT NULL
        );
        GO
        CREATE PROCEDURE dbo.FillCalendar @From date, @To date
        AS
        BEGIN
            SET NOCOUNT ON;
            DECLARE @Days TABLE
            (
                DateKey int NOT NULL PRIMARY KEY,
                CalendarDate date NOT NULL,
                DayNumber int NOT NULL,
                DayName varchar(20) NOT NULL,
                MonthNumber int NOT NULL,
                MonthName varchar(20) NOT NULL,
                MonthShortName varchar(3) NOT NULL,
                CalendarYear int NOT NULL,
                QuarterNumber int NOT NULL,
                TaxYear varchar(10) NOT NULL,
                YearMonthSort int NOT NULL
            );
            DECLARE @d date = @From;
            WHILE @d <= @To
            BEGIN
                INSERT INTO @Days (DateKey, CalendarDate, DayNumber, DayName, MonthNumber, MonthName, MonthShortName, CalendarYear, QuarterNumber, TaxYear, YearMonthSort)
                SELECT CAST(CONVERT(char(8), @d, 112) AS int), @d, DATEPART(day, @d), DATENAME(weekday, @d), MONTH(@d), DATENAME(month, @d),
                       LEFT(DATENAME(month, @d), 3), YEAR(@d), DATEPART(quarter, @d),
                       CASE WHEN MONTH(@d) >= 4 THEN CAST(YEAR(@d) AS varchar(4)) + '-' + RIGHT(YEAR(@d) + 1, 2)
                            ELSE CAST(YEAR(@d) - 1 AS varchar(4)) + '-' + RIGHT(YEAR(@d), 2) END,
                       CAST(CAST(YEAR(@d) AS varchar(4)) + CASE WHEN MONTH(@d) < 10 THEN '0' ELSE '' END + CAST(MONTH(@d) AS varchar(2)) AS int);
                SET @d = DATEADD(day, 1, @d);
            END;
            INSERT INTO dbo.Calendar
            SELECT d.* FROM @Days AS d WHERE d.DateKey NOT IN (SELECT c.DateKey FROM dbo.Calendar AS c);
        END;
        GO
        """;

    public static async Task RunAsync(int days, int repeats)
    {
        var files = new MemoryFileSource();
        files.Add("Calendar.sql", Workspace);
        var analysis = new WorkspaceAnalyzer(WorkspaceSettings.Default) { RetainSyntax = true, MaxDegreeOfParallelism = 1 }.Analyze(files);
        await using var factory = new DuckDbSandboxFactory(new SandboxSetup(analysis));
        var from = new DateTime(2020, 1, 1);
        var request = new ExecutionRequest("dbo.FillCalendar",
            new Dictionary<string, object?> { ["@From"] = from, ["@To"] = from.AddDays(days - 1) }, new DateTime(2026, 6, 1));
        Console.WriteLine($"Calendar loop: dbo.FillCalendar over {days} days ({days} WHILE iterations, one INSERT … SELECT each)");
        for (int i = 0; i < repeats; i++)
        {
            await using var s = await factory.CreateAsync();
            var wall = Stopwatch.StartNew();
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var r = await s.ExecuteAsync(request);
            var rows = (await s.ReadTableAsync(QualifiedName.Parse("dbo.Calendar"))).Count;
            var cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
            if (r.Error is not null || rows != days) throw new InvalidOperationException($"unexpected: {rows} rows, {r.Error}");
            Console.WriteLine($"  run {i + 1}: {wall.Elapsed.TotalSeconds:F2} s wall, {cpuSeconds:F2} s CPU, {rows} rows");
        }
    }
}
