using Amazon.Runtime;
using EtlAgent.Core.Memory;

// Writes records into a memory store and prints "completed <id>" once each write has returned,
// so a test that kills this process (kill -9) knows which records must survive.
//   EtlAgent.MemoryWriter sqlite <file> runs|heals <count> <prefix>
//   EtlAgent.MemoryWriter dynamodb <table> <serviceUrl> runs|heals <count> <prefix>
if (args.Length < 5) { Console.Error.WriteLine("usage: sqlite <file> | dynamodb <table> <url>, then runs|heals <count> <prefix>"); return 2; }
int at = args[0] == "dynamodb" ? 3 : 2;
using IMemoryStore store = args[0] == "dynamodb"
    ? new DynamoDbMemoryStore(args[1], "us-east-1", args[2], new BasicAWSCredentials("testing", "testing"))
    : new SqliteMemoryStore(args[1]);
string what = args[at];
int count = int.Parse(args[at + 1]);
string prefix = args[at + 2];
var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
var stdout = Console.Out;
for (int i = 0; i < count; i++)
{
    var id = $"{prefix}-{i:D5}";
    var time = start.AddSeconds(i);
    if (what == "runs")
    {
        // a run with enough cases and findings that a kill often lands inside its transaction
        var cases = Enumerable.Range(0, 20).Select(c => new CaseRecord($"case {c}", "Dim.Load", "passed", c, $"code{c}", $"input{c}")).ToList();
        var findings = Enumerable.Range(0, 20).Select(f => new FindingSighting($"{prefix}-fp{(i + f) % 40}", "ETL0001", "a.sql", "m")).ToList();
        store.RecordRun(new RunWrite(new RunRecord(id, time, time.AddSeconds(1), "abc", "passed", 20, 0, 20), cases, findings));
    }
    else store.RecordHeal(new HealRecord(time, id, "test-data", HealStatus.Offered, RunId: prefix));
    stdout.WriteLine($"completed {id}");
    stdout.Flush();
}
return 0;
