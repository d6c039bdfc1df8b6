using EtlAgent.Core.WorkspaceModel;
using System.Diagnostics;
using System.Text;
using DuckDB.NET.Data;
using EtlAgent.Core.Agent;
using EtlAgent.Core.Model;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Sandbox;
using EtlAgent.Core.Sandbox.DuckDb;
using EtlAgent.Core.Workspace;

// Sandbox benchmark: per test case, create a sandbox for a 50-table schema (the fixture warehouse's
// 24 tables plus 26 generated ones), insert the given rows, run Dim.LoadCustomer (which calls three
// more procedures) and read the dimension back — against hand-written DuckDB SQL doing the same
// work in one run on a fresh in-memory DuckDB with external access disabled.
//
// usage: dotnet run -c Release --project bench/EtlAgent.SandboxBench [-- <iterations>]
//        … -- --scale [10,100,400] [repeats]: per-procedure overhead against catalog size (ScaleBench)
//        … -- --calendar [days] [repeats]: one case of a WHILE loop inserting a row per day (CalendarLoopBench)

if (args.Contains("--scale"))
{
    // per-procedure overhead against catalog size: --scale [sizes, comma-separated] [repeats]
    var rest = args.SkipWhile(a => a != "--scale").Skip(1).ToList();
    var sizes = rest.Count > 0 && rest[0].Split(',').All(x => int.TryParse(x, out _)) ? rest[0].Split(',').Select(int.Parse).ToList() : new List<int> { 10, 100, 400 };
    int repeats = rest.Count > 1 && int.TryParse(rest[1], out var rp) ? rp : 3;
    await EtlAgent.SandboxBench.ScaleBench.RunAsync(sizes, repeats);
    return;
}
if (args.Contains("--calendar"))
{
    var rest = args.SkipWhile(a => a != "--calendar").Skip(1).ToList();
    int days = rest.Count > 0 && int.TryParse(rest[0], out var dd) ? dd : 900;
    int repeats = rest.Count > 1 && int.TryParse(rest[1], out var rp) ? rp : 3;
    await EtlAgent.SandboxBench.CalendarLoopBench.RunAsync(days, repeats);
    return;
}
int iterations = args.Length > 0 && int.TryParse(args[0], out var it) ? it : 100;
bool loop = args.Contains("--loop");
var root = FindRoot();
var warehouse = Path.Combine(root, "tests", "fixtures", "warehouse");
var files = new MemoryFileSource();
foreach (var f in Directory.GetFiles(warehouse, "*.sql", SearchOption.AllDirectories))
    files.Add(Path.GetRelativePath(warehouse, f).Replace('\\', '/'), File.ReadAllText(f));
files.Add("Tables/Bench/Generated.sql", GeneratedTables(26));

var sw = Stopwatch.StartNew();
var analysis = new WorkspaceAnalyzer(WorkspaceSettings.Default) { RetainSyntax = true, MaxDegreeOfParallelism = 1 }.Analyze(files);
var analyzeMs = sw.Elapsed.TotalMilliseconds;
sw.Restart();
await using var factory = new DuckDbSandboxFactory(new SandboxSetup(analysis));
var factoryMs = sw.Elapsed.TotalMilliseconds;
await using var eagerFactory = new DuckDbSandboxFactory(new SandboxSetup(analysis), lazySchema: false);
int tables = analysis.Catalog.Tables.Count();

var clock = new DateTime(2016, 6, 2, 8, 0, 0);
if (loop)
{
    // A loop-heavy procedure: Dim.PopulateDate over a leap year (366 iterations of a WHILE body).
    for (int i = 0; i < 3; i++)
    {
        await using var s = await factory.CreateAsync();
        sw.Restart();
        var r = await s.ExecuteAsync(new ExecutionRequest("Dim.PopulateDate", new Dictionary<string, object?> { ["@StartDate"] = new DateTime(2016, 1, 1), ["@EndDate"] = new DateTime(2016, 12, 31) }, clock));
        Console.WriteLine($"Dim.PopulateDate, 366 days: {sw.Elapsed.TotalMilliseconds:F0} ms {(r.Error is null ? "" : r.Error.ToString())}");
    }
    return;
}
var end = new DateTime(9999, 12, 31, 23, 59, 59).AddTicks(9999999);
SandboxRow Row(params (string, object?)[] v) => new(v.Select(x => KeyValuePair.Create(x.Item1, x.Item2)));
var dim = new[]
{
    Row(("Customer Key", 100), ("Customer Code", "C-10"), ("Customer Name", "Tailspin"), ("Bill To Customer Code", "C-10"), ("Category", "Retail"),
        ("Buying Group", "None"), ("Primary Contact", "Pat"), ("Postal Code", "90210"), ("Valid From", new DateTime(2013, 1, 1)), ("Valid To", end), ("Lineage Key", 0)),
};
var staged = new[]
{
    Row(("Customer Code", "C-10"), ("Customer Name", "Tailspin Toys"), ("Category", "Gift"), ("Buying Group", "None"), ("Primary Contact", "Pat"),
        ("Postal Code", "90210"), ("Last Modified", new DateTime(2016, 5, 1)), ("Load Batch ID", 7)),
    Row(("Customer Code", "C-20"), ("Customer Name", "Wingtip"), ("Category", "Retail"), ("Buying Group", "None"), ("Primary Contact", "Sam"),
        ("Postal Code", "10001"), ("Last Modified", new DateTime(2016, 5, 2)), ("Load Batch ID", 7)),
};
var request = new ExecutionRequest("Dim.LoadCustomer", new Dictionary<string, object?>(), clock, 1);

async Task<int> SandboxCase(DuckDbSandboxFactory? f = null)
{
    await using var s = await (f ?? factory).CreateAsync();
    await s.InsertRowsAsync(QualifiedName.Parse("Dim.Customer"), dim);
    await s.InsertRowsAsync(QualifiedName.Parse("Staging.Customer"), staged);
    var r = await s.ExecuteAsync(request);
    if (r.Error is not null) throw new InvalidOperationException(r.Error.ToString());
    return (await s.ReadTableAsync(QualifiedName.Parse("Dim.Customer"))).Count;
}

var baselineSql = Baseline(analysis);
int BaselineCase()
{
    using var c = new DuckDBConnection("DataSource=:memory:;enable_external_access=false;autoload_known_extensions=false;autoinstall_known_extensions=false");
    c.Open();
    using var cmd = c.CreateCommand();
    cmd.CommandText = baselineSql;
    using var r = cmd.ExecuteReader();
    int n = 0;
    do { while (r.Read()) n++; } while (r.NextResult());
    return n;
}

int check = await SandboxCase(), checkBase = BaselineCase();
if (check != 3 || checkBase != 3) throw new InvalidOperationException($"unexpected row counts: sandbox {check}, baseline {checkBase}");

for (int i = 0; i < 20; i++) { await SandboxCase(); BaselineCase(); }
var sbx = new List<double>();
var bse = new List<double>();
var create = new List<double>();
var eager = new List<double>();
var eagerCreate = new List<double>();
for (int i = 0; i < 5; i++) await SandboxCase(eagerFactory);
for (int i = 0; i < iterations; i++)
{
    sw.Restart(); BaselineCase(); bse.Add(sw.Elapsed.TotalMilliseconds);
    sw.Restart(); await SandboxCase(); sbx.Add(sw.Elapsed.TotalMilliseconds);
    sw.Restart(); await using (var s = await factory.CreateAsync()) { } create.Add(sw.Elapsed.TotalMilliseconds);
    sw.Restart(); await SandboxCase(eagerFactory); eager.Add(sw.Elapsed.TotalMilliseconds);
    sw.Restart(); await using (var s = await eagerFactory.CreateAsync()) { } eagerCreate.Add(sw.Elapsed.TotalMilliseconds);
}

static string Stats(List<double> v)
{
    var s = v.Order().ToList();
    return $"mean {v.Average(),6:F1} ms   median {s[s.Count / 2],6:F1} ms   p95 {s[(int)(s.Count * 0.95)],6:F1} ms";
}
Console.WriteLine($"Sandbox benchmark: {tables} tables, {iterations} warm iterations (after 20 warm-up), procedure Dim.LoadCustomer (+3 nested procedures)");
Console.WriteLine($"  workspace analysis (once):            {analyzeMs,8:F1} ms");
Console.WriteLine($"  factory: schema script built (once):  {factoryMs,8:F1} ms  ({factory.SchemaScript.Length} chars)");
Console.WriteLine($"  sandbox creation only:                {Stats(create)}");
Console.WriteLine($"  sandbox case (create+insert+run+read):{Stats(sbx)}");
Console.WriteLine($"  eager schema (all 50 tables) creation:{Stats(eagerCreate)}");
Console.WriteLine($"  eager schema case:                    {Stats(eager)}");
Console.WriteLine($"  hand-written DuckDB baseline:         {Stats(bse)}");
double Median(List<double> v) => v.Order().ElementAt(v.Count / 2);
Console.WriteLine($"  ratio (median, lazy schema):          {Median(sbx) / Median(bse):F2}x   target ≤ 2x and ≤ 50 ms");
Console.WriteLine($"  ratio (median, eager schema):         {Median(eager) / Median(bse):F2}x");

static string GeneratedTables(int n)
{
    var sb = new StringBuilder("CREATE SCHEMA Bench;\nGO\n");
    for (int i = 1; i <= n; i++)
    {
        sb.Append($@"CREATE TABLE Bench.T{i:00}
(
    [ID]         int IDENTITY(1, 1) NOT NULL,
    [Code]       nvarchar(20)  NOT NULL,
    [Name]       nvarchar(100) NULL,
    [Amount]     decimal(18, 2) NOT NULL CONSTRAINT DF_T{i:00}_Amount DEFAULT (0),
    [Quantity]   int           NULL,
    [Created At] datetime2(7)  NOT NULL CONSTRAINT DF_T{i:00}_Created DEFAULT (SYSDATETIME()),
    [Is Active]  bit           NOT NULL CONSTRAINT DF_T{i:00}_Active DEFAULT (1),
    [Note]       varchar(200)  NULL,
    CONSTRAINT PK_T{i:00} PRIMARY KEY ([ID]),
    CONSTRAINT UQ_T{i:00}_Code UNIQUE ([Code]),
    CONSTRAINT CK_T{i:00}_Quantity CHECK ([Quantity] >= 0)
);
GO
");
    }
    return sb.ToString();
}

// What an engineer would write by hand for the same case: plain DDL (types, NOT NULL, keys,
// sequence defaults) for the 50 tables, then the procedure's work as DuckDB statements.
static string Baseline(WorkspaceAnalysis analysis)
{
    var sb = new StringBuilder();
    string Q(string s) => "\"" + s.Replace("\"", "\"\"") + "\"";
    foreach (var s in analysis.Catalog.Sequences) sb.AppendLine($"CREATE SEQUENCE {Q(s.Name.ToString())} START {s.Start};");
    foreach (var t in analysis.Catalog.Tables)
    {
        var cols = new List<string>();
        foreach (var c in t.Columns)
        {
            if (c.Computed is not null) continue;
            string type = c.Type.Name switch
            {
                "int" => "INTEGER", "bigint" => "BIGINT", "smallint" => "SMALLINT", "tinyint" => "UTINYINT", "bit" => "BOOLEAN",
                "decimal" or "numeric" => $"DECIMAL({c.Type.Precision ?? 18},{c.Type.Scale ?? 0})", "date" => "DATE",
                "datetime2" or "datetime" => "TIMESTAMP", _ => "VARCHAR",
            };
            if (c.Identity) { var idSeq = $"id_{t.Name.Schema}_{t.Name.Name}".Replace(' ', '_'); sb.AppendLine($"CREATE SEQUENCE {idSeq};"); type += $" DEFAULT nextval('{idSeq}')"; }
            else if (c.Sequence is { } seq) type += $" DEFAULT nextval('{Q(seq.ToString()).Replace("'", "''")}')";
            cols.Add($"{Q(c.Name)} {type}{(c.Nullable ? "" : " NOT NULL")}");
        }
        if (t.PrimaryKey is { } pk) cols.Add($"PRIMARY KEY ({string.Join(", ", pk.Columns.Select(Q))})");
        sb.AppendLine($"CREATE TABLE {Q(t.Name.ToString())} ({string.Join(", ", cols)});");
    }
    sb.Append(@"
INSERT INTO ""Dim.Customer"" VALUES (100, 'C-10', 'Tailspin', 'C-10', 'Retail', 'None', 'Pat', '90210', TIMESTAMP '2013-01-01', TIMESTAMP '9999-12-31 23:59:59.999999', 0);
INSERT INTO ""Staging.Customer"" (""Customer Code"", ""Customer Name"", ""Category"", ""Buying Group"", ""Primary Contact"", ""Postal Code"", ""Last Modified"", ""Load Batch ID"", ""Loaded At"")
VALUES ('C-10', 'Tailspin Toys', 'Gift', 'None', 'Pat', '90210', TIMESTAMP '2016-05-01', 7, TIMESTAMP '2016-06-02 08:00:00'),
       ('C-20', 'Wingtip', 'Retail', 'None', 'Sam', '10001', TIMESTAMP '2016-05-02', 7, TIMESTAMP '2016-06-02 08:00:00');
INSERT INTO ""Integration.Lineage"" (""Lineage Key"", ""Table Name"", ""Data Load Started"", ""Cutoff Time"", ""Was Successful"")
VALUES (nextval('id_Integration_Lineage'), 'Dim.Customer', TIMESTAMP '2016-06-02 08:00:00', TIMESTAMP '2016-06-02 08:00:00', false);
CREATE TEMP TABLE changes AS
SELECT s.""Customer Code"", coalesce(nullif(trim(s.""Customer Name""), ''), 'Unknown') AS ""Customer Name"", coalesce(s.""Bill To Customer Code"", s.""Customer Code"") AS ""Bill To Customer Code"",
       coalesce(s.""Category"", 'N/A') AS ""Category"", coalesce(s.""Buying Group"", 'N/A') AS ""Buying Group"", coalesce(s.""Primary Contact"", 'N/A') AS ""Primary Contact"",
       coalesce(s.""Postal Code"", 'N/A') AS ""Postal Code"", s.""Last Modified"" AS ""Valid From"", s.""Load Batch ID""
FROM (SELECT *, row_number() OVER (PARTITION BY lower(""Customer Code"") ORDER BY ""Last Modified"" DESC, ""Load Batch ID"" DESC) AS rk
      FROM ""Staging.Customer"" WHERE ""Last Modified"" > TIMESTAMP '2013-01-01' AND ""Last Modified"" <= TIMESTAMP '2016-06-02 08:00:00' AND ""Customer Code"" IS NOT NULL) s
WHERE s.rk = 1 AND NOT EXISTS (SELECT 1 FROM ""Dim.Customer"" d WHERE lower(d.""Customer Code"") = lower(s.""Customer Code"") AND d.""Valid To"" = TIMESTAMP '9999-12-31 23:59:59.999999'
      AND lower(d.""Customer Name"") = lower(s.""Customer Name"") AND lower(d.""Category"") = lower(coalesce(s.""Category"", 'N/A')));
DELETE FROM changes c USING ""Dim.Customer"" d WHERE lower(d.""Customer Code"") = lower(c.""Customer Code"") AND d.""Valid To"" = TIMESTAMP '9999-12-31 23:59:59.999999' AND d.""Valid From"" >= c.""Valid From"";
BEGIN TRANSACTION;
UPDATE ""Dim.Customer"" d SET ""Valid To"" = c.""Valid From"" FROM changes c WHERE lower(c.""Customer Code"") = lower(d.""Customer Code"") AND d.""Valid To"" = TIMESTAMP '9999-12-31 23:59:59.999999';
INSERT INTO ""Dim.Customer"" (""Customer Code"", ""Customer Name"", ""Bill To Customer Code"", ""Category"", ""Buying Group"", ""Primary Contact"", ""Postal Code"", ""Valid From"", ""Valid To"", ""Lineage Key"")
SELECT ""Customer Code"", ""Customer Name"", ""Bill To Customer Code"", ""Category"", ""Buying Group"", ""Primary Contact"", ""Postal Code"", ""Valid From"", TIMESTAMP '9999-12-31 23:59:59.999999', 1 FROM changes;
UPDATE ""Integration.Lineage"" SET ""Data Load Completed"" = TIMESTAMP '2016-06-02 08:00:00', ""Was Successful"" = true WHERE ""Lineage Key"" = 1;
INSERT INTO ""Integration.Load Watermark"" VALUES ('Dim.Customer', TIMESTAMP '2016-06-02 08:00:00', TIMESTAMP '2016-06-02 08:00:00');
COMMIT;
DROP TABLE changes;
SELECT * FROM ""Dim.Customer"";
");
    return sb.ToString();
}

static string FindRoot()
{
    var dir = new DirectoryInfo(AppContext.BaseDirectory);
    while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "EtlAgentIde.sln"))) dir = dir.Parent;
    return dir?.FullName ?? throw new InvalidOperationException("EtlAgentIde.sln not found");
}
