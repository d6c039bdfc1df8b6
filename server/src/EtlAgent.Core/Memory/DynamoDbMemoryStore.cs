using System.Globalization;
using System.Text.Json;
using Amazon;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using EtlAgent.Core.Model;

namespace EtlAgent.Core.Memory;

/// <summary>
/// The memory in one DynamoDB table, shared by a team (single-table design, docs/memory.md): every
/// item has a partition key `pk` naming a collection ("RUNS", "FINDINGS", "RUN#id", …) and a sort
/// key `sk` ordering it. The table is created (on demand capacity) when missing. Throttling and
/// transient errors are retried by the SDK (adaptive retry mode) and unprocessed batch items are
/// written again with back-off. A run's items are written before its entry in "RUNS", so a run is
/// listed only once everything it wrote is there. Credentials come from the AWS chain unless given.
/// </summary>
public sealed class DynamoDbMemoryStore : IMemoryStore
{
    /// <summary>Attempts per request before a throttled or failing call is given up (the SDK backs off between them).</summary>
    public const int MaxRetries = 10;

    private const string Pk = "pk";
    private const string Sk = "sk";
    private const int BatchSize = 25; // BatchWriteItem's limit

    /// <summary>
    /// Bytes of compressed source per item of a green version: an item is at most 400 KB, keys and
    /// names included, and a batch of 25 stays under BatchWriteItem's 16 MB.
    /// </summary>
    internal const int GreenPartSize = 300 * 1024;

    /// <summary>A finding item's version: each write expects the one it read (optimistic concurrency).</summary>
    private const string Version = "version";

    /// <summary>Conditional writes of one finding that lost to another writer before giving up.</summary>
    private const int MaxConflicts = 50;

    /// <summary>Finding updates of one run in flight at once (each is its own conditional PutItem).</summary>
    private const int ParallelWrites = 8;

    private readonly AmazonDynamoDBClient? _client;
    /// <summary>Why no client could be made (no region in the AWS chain, a bad endpoint); every call reports it.</summary>
    private readonly string? _unusable;
    private readonly string _table;
    private readonly string _display;
    private readonly object _readyGate = new();
    private bool _ready; // the table exists (not a Lazy: a failure must not be remembered, the next call tries again)
    private readonly int _maxRetries;

    /// <param name="credentials">Null: the AWS chain (environment, profile, instance role).</param>
    /// <param name="maxRetries">Retries of a throttled or failed request (the SDK backs off between them).</param>
    public DynamoDbMemoryStore(string table, string? region, string? serviceUrl, AWSCredentials? credentials = null, int maxRetries = MaxRetries)
    {
        _maxRetries = maxRetries;
        var config = new AmazonDynamoDBConfig { RetryMode = RequestRetryMode.Adaptive, MaxErrorRetry = maxRetries, Timeout = TimeSpan.FromSeconds(30) };
        if (serviceUrl is not null)
        {
            config.ServiceURL = serviceUrl;
            config.AuthenticationRegion = region ?? "us-east-1";
        }
        else if (region is not null) config.RegionEndpoint = RegionEndpoint.GetBySystemName(region);
        _table = table;
        try { _client = credentials is null ? new AmazonDynamoDBClient(config) : new AmazonDynamoDBClient(credentials, config); }
        catch (Exception e) when (e is AmazonClientException or ArgumentException or InvalidOperationException) { _unusable = e.Message; }
        // only the host: a URL can carry user information, which is never printed
        _display = serviceUrl is null ? $"dynamodb table {table}{(region is null ? "" : $" in {region}")}" : $"dynamodb table {table} at {Authority(serviceUrl)}";
    }

    public string Describe() => _display;

    /// <summary>Scheme, host and port only: a URL can carry user information or a query, which are never printed.</summary>
    private static string Authority(string url) => new Uri(url) is var u ? $"{u.Scheme}://{u.Host}:{u.Port}" : url;

    private AmazonDynamoDBClient Client => _client ?? throw new MemoryStoreException($"{_display}: cannot be used: {_unusable}");

    private void EnsureTable()
    {
        lock (_readyGate)
        {
            if (_ready) return;
            CreateTableWhenMissing();
            _ready = true;
        }
    }

    private void CreateTableWhenMissing()
    {
        var client = Client;
        try
        {
            client.DescribeTableAsync(_table).GetAwaiter().GetResult();
        }
        catch (ResourceNotFoundException)
        {
            try
            {
                client.CreateTableAsync(new CreateTableRequest
                {
                    TableName = _table,
                    BillingMode = BillingMode.PAY_PER_REQUEST,
                    AttributeDefinitions = [new AttributeDefinition(Pk, ScalarAttributeType.S), new AttributeDefinition(Sk, ScalarAttributeType.S)],
                    KeySchema = [new KeySchemaElement(Pk, KeyType.HASH), new KeySchemaElement(Sk, KeyType.RANGE)],
                }).GetAwaiter().GetResult();
            }
            catch (ResourceInUseException) { } // another process created it first
            for (int i = 0; i < 120; i++)
            {
                var status = client.DescribeTableAsync(_table).GetAwaiter().GetResult().Table?.TableStatus;
                if (status == TableStatus.ACTIVE) break;
                Thread.Sleep(500);
            }
        }
    }

    /// <summary>Runs a call against the table, turning the SDK's errors into one that names the store and the cause.</summary>
    private T Call<T>(Func<Task<T>> call)
    {
        try
        {
            EnsureTable();
            return call().GetAwaiter().GetResult();
        }
        catch (AmazonServiceException e)
        {
            throw new MemoryStoreException($"{_display}: {e.ErrorCode ?? e.GetType().Name}: {e.Message}", e);
        }
        catch (Exception e) when (e is AmazonClientException or HttpRequestException or TaskCanceledException or IOException)
        {
            throw new MemoryStoreException($"{_display}: cannot be reached: {e.Message}", e);
        }
    }

    private void Call(Func<Task> call) => Call(async () => { await call().ConfigureAwait(false); return true; });

    public void RecordRun(RunWrite write)
    {
        var r = write.Run;
        var items = new List<Dictionary<string, AttributeValue>>();
        int seq = 0;
        foreach (var k in write.Cases)
        {
            items.Add(Item($"RUN#{r.Id}", $"CASE#{k.Name}", ("name", k.Name), ("transformation", k.Transformation), ("outcome", k.Outcome),
                ("ms", k.Milliseconds), ("codeKey", k.CodeKey), ("inputKey", k.InputKey)));
            items.Add(Item($"TIMING#{k.Transformation}", $"{Time(r.Finished)}#{r.Id}#{seq++:D6}", ("procedure", k.Transformation),
                ("inputKey", k.InputKey), ("runId", r.Id), ("ms", k.Milliseconds)));
        }
        foreach (var t in write.Mutants.Select(m => m.Transformation).Distinct(StringComparer.Ordinal))
        {
            var old = Query($"MUTANTS#{t}");
            if (old.Count > 0) Batch(old.Select(o => new WriteRequest(new DeleteRequest(Key(o[Pk].S, o[Sk].S)))).ToList());
        }
        foreach (var m in write.Mutants)
            items.Add(Item($"MUTANTS#{m.Transformation}", m.Key, ("transformation", m.Transformation), ("key", m.Key), ("operator", m.Operator),
                ("status", m.Status), ("runId", m.RunId)));
        foreach (var i in write.Invariants)
            items.Add(Item($"INVARIANTS#{i.Transformation}", i.Invariant, ("transformation", i.Transformation), ("invariant", i.Invariant), ("source", i.Source)));
        Batch(items.Select(i => new WriteRequest(new PutRequest(i))).ToList());
        foreach (var g in write.GreenVersions) WriteGreen(g);
        MoveFindings(write.Findings, r.Id, r.Finished);
        // the run's entry last: a run is listed only once everything it wrote is there
        Put(Item("RUNS", $"{Time(r.Started)}#{r.Id}", ("id", r.Id), ("started", Time(r.Started)), ("finished", Time(r.Finished)),
            ("commit", r.Commit), ("outcome", r.Outcome), ("passed", r.Passed), ("failed", r.Failed), ("findings", r.Findings),
            ("dismissed", r.Dismissed), ("actor", r.Actor), ("mutantsKilled", r.MutantsKilled), ("mutantsTotal", r.MutantsTotal)));
    }

    public IReadOnlyList<RunRecord> Runs() => Query("RUNS").Select(x => new RunRecord(S(x, "id")!, ParseTime(S(x, "started")!), ParseTime(S(x, "finished")!),
        S(x, "commit"), S(x, "outcome")!, I(x, "passed"), I(x, "failed"), I(x, "findings"))
    {
        Dismissed = I(x, "dismissed"), Actor = S(x, "actor") ?? "cli", MutantsKilled = I(x, "mutantsKilled"), MutantsTotal = I(x, "mutantsTotal"),
    }).ToList();

    public IReadOnlyList<CaseRecord> Cases(string runId) => Query($"RUN#{runId}", "CASE#").Select(x => new CaseRecord(S(x, "name")!,
        S(x, "transformation")!, S(x, "outcome")!, D(x, "ms"), S(x, "codeKey")!, S(x, "inputKey")!)).ToList();

    public IReadOnlyDictionary<string, FindingRecord> Findings() => Query("FINDINGS").Select(ToFinding).ToDictionary(f => f.Fingerprint, StringComparer.Ordinal);

    private static FindingRecord ToFinding(Dictionary<string, AttributeValue> x) => new(x[Sk].S, S(x, "ruleId")!,
        S(x, "file")!, S(x, "message")!, Enum.Parse<FindingState>(S(x, "state")!), S(x, "firstSeenRun"), S(x, "lastSeenRun"), ParseTime(S(x, "updated")!))
    {
        Reason = S(x, "reason"),
        Expires = S(x, "expires") is { } e ? ParseTime(e) : null,
    };

    public void Dismiss(FindingSighting finding, string reason, DateTimeOffset? expires, DateTimeOffset now) =>
        UpdateFinding(finding.Fingerprint, ReadFinding(finding.Fingerprint), k => (k ?? FindingRecord.Unknown(finding, now)).DismissedAs(reason, expires, now));

    public bool Undismiss(string fingerprint, DateTimeOffset now)
    {
        bool lifted = false;
        UpdateFinding(fingerprint, ReadFinding(fingerprint), k =>
        {
            var u = k?.Undismissed(now);
            lifted = u is not null;
            return u;
        });
        return lifted;
    }

    /// <summary>Moves the findings' states after a run (<see cref="FindingRecord.AfterRun"/>), each by a conditional write.</summary>
    private void MoveFindings(IReadOnlyList<FindingSighting> seen, string runId, DateTimeOffset now)
    {
        var known = Query("FINDINGS").ToDictionary(x => x[Sk].S, x => (Record: (FindingRecord?)ToFinding(x), Version: L(x, Version)), StringComparer.Ordinal);
        var sightings = seen.GroupBy(s => s.Fingerprint, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var changed = FindingRecord.AfterRun(known.ToDictionary(k => k.Key, k => k.Value.Record!, StringComparer.Ordinal), seen, runId, now);
        Parallel.ForEach(changed, new ParallelOptions { MaxDegreeOfParallelism = ParallelWrites }, f =>
            UpdateFinding(f.Fingerprint, known.TryGetValue(f.Fingerprint, out var k) ? k : (null, 0), current =>
                FindingRecord.AfterRun(current is null ? new Dictionary<string, FindingRecord>() : new Dictionary<string, FindingRecord> { [current.Fingerprint] = current },
                    sightings.TryGetValue(f.Fingerprint, out var s) ? [s] : [], runId, now).SingleOrDefault()));
    }

    /// <summary>A finding with the version it was read at (0: absent, or written before versions were kept).</summary>
    private (FindingRecord? Record, long Version) ReadFinding(string fingerprint)
    {
        var x = Call(() => Client.GetItemAsync(new GetItemRequest { TableName = _table, Key = Key("FINDINGS", fingerprint), ConsistentRead = true })).Item;
        return x is null || x.Count == 0 ? (null, 0) : (ToFinding(x), L(x, Version));
    }

    /// <summary>
    /// Writes <paramref name="change"/> of a finding only if nobody wrote it since it was read (its
    /// version attribute is unchanged); otherwise reads it again and applies the change to what the
    /// other writer left. Two writers (runs, dismissals) on one finding never lose an update.
    /// </summary>
    private void UpdateFinding(string fingerprint, (FindingRecord? Record, long Version) read, Func<FindingRecord?, FindingRecord?> change)
    {
        for (int attempt = 0; ; attempt++)
        {
            if (change(read.Record) is not { } next) return;
            var item = FindingItem(next);
            item[Version] = new AttributeValue { N = (read.Version + 1).ToString(CultureInfo.InvariantCulture) };
            var request = new PutItemRequest { TableName = _table, Item = item };
            if (read.Version == 0) request.ConditionExpression = "attribute_not_exists(#v)";
            else
            {
                request.ConditionExpression = "#v = :v";
                request.ExpressionAttributeValues = new() { [":v"] = new AttributeValue { N = read.Version.ToString(CultureInfo.InvariantCulture) } };
            }
            request.ExpressionAttributeNames = new() { ["#v"] = Version };
            bool written = Call(async () =>
            {
                try { await Client.PutItemAsync(request).ConfigureAwait(false); return true; }
                catch (ConditionalCheckFailedException) { return false; }
            });
            if (written) return;
            if (attempt >= MaxConflicts) throw new MemoryStoreException($"{_display}: finding {fingerprint} kept changing under this writer ({MaxConflicts} attempts)");
            read = ReadFinding(fingerprint);
        }
    }

    public IReadOnlyList<TimingRecord> Timings(string procedure) => Query($"TIMING#{procedure}").Select(x =>
        new TimingRecord(S(x, "procedure")!, S(x, "inputKey")!, S(x, "runId")!, D(x, "ms"))).ToList();

    public void RecordHeal(HealRecord heal) => Put(Item("HEALS", $"{Time(heal.Time)}#{Guid.NewGuid():N}", ("time", Time(heal.Time)),
        ("target", heal.Target), ("bugClass", heal.BugClass), ("status", heal.Status.ToString()), ("fingerprint", heal.Fingerprint), ("runId", heal.RunId), ("healId", heal.HealId)));

    public IReadOnlyList<HealRecord> Heals() => Query("HEALS").Select(x => new HealRecord(ParseTime(S(x, "time")!), S(x, "target")!,
        S(x, "bugClass")!, Enum.Parse<HealStatus>(S(x, "status")!), S(x, "fingerprint"), S(x, "runId"), S(x, "healId"))).ToList();

    public IReadOnlyList<MutantRecord> Mutants(string transformation) => Query($"MUTANTS#{transformation}").Select(x =>
        new MutantRecord(S(x, "transformation")!, S(x, "key")!, S(x, "operator")!, S(x, "status")!, S(x, "runId")!)).ToList();

    public IReadOnlyList<InvariantRecord> Invariants(string transformation) => Query($"INVARIANTS#{transformation}").Select(x =>
        new InvariantRecord(S(x, "transformation")!, S(x, "invariant")!, S(x, "source")!)).ToList();

    private static string GreenKey(string transformation) => $"GREEN#{transformation.ToUpperInvariant()}";

    /// <summary>
    /// A green version as one "VERSION" item (file, hash, run, time, how many parts) and its text
    /// gzip-compressed in parts ("PART#hash#n", binary): the parts go first and the item that points
    /// at them last, so a reader never sees a version whose text is not all there; the parts of the
    /// text it replaces are deleted after. Nothing is written when the hash and the file are unchanged.
    /// </summary>
    private void WriteGreen(GreenVersion g)
    {
        var pk = GreenKey(g.Transformation);
        var current = Call(() => Client.GetItemAsync(new GetItemRequest { TableName = _table, Key = Key(pk, "VERSION"), ConsistentRead = true })).Item;
        if (current is { Count: > 0 } && S(current, "hash") == g.Hash && S(current, "file") == g.File) return;
        var parts = CompressedText.Split(g.Text, GreenPartSize);
        Batch(parts.Select((p, i) => new WriteRequest(new PutRequest(Item(pk, $"PART#{g.Hash}#{i:D6}", ("data", p))))).ToList());
        Put(Item(pk, "VERSION", ("transformation", g.Transformation), ("file", g.File), ("hash", g.Hash), ("runId", g.RunId),
            ("time", Time(g.Time)), ("parts", parts.Count)));
        var stale = Query(pk, "PART#").Where(x => !x[Sk].S.StartsWith($"PART#{g.Hash}#", StringComparison.Ordinal)).ToList();
        if (stale.Count > 0) Batch(stale.Select(o => new WriteRequest(new DeleteRequest(Key(o[Pk].S, o[Sk].S)))).ToList());
    }

    public GreenVersion? LastGreen(string transformation)
    {
        var pk = GreenKey(transformation);
        var x = Call(() => Client.GetItemAsync(new GetItemRequest { TableName = _table, Key = Key(pk, "VERSION"), ConsistentRead = true })).Item;
        if (x is null || x.Count == 0) return null;
        var hash = S(x, "hash")!;
        var parts = Query(pk, $"PART#{hash}#").Select(p => p["data"].B.ToArray()).ToList();
        if (parts.Count != I(x, "parts"))
            throw new MemoryStoreException($"{_display}: the last green version of {transformation} has {parts.Count} of its {I(x, "parts")} parts");
        string text;
        try { text = CompressedText.Join(parts); }
        catch (InvalidDataException e) { throw new MemoryStoreException($"{_display}: the last green version of {transformation} is damaged: {e.Message}", e); }
        return new GreenVersion(S(x, "transformation")!, S(x, "file")!, hash, S(x, "runId")!, ParseTime(S(x, "time")!), text);
    }

    public void RecordGeneration(GenerationRecord g) => Put(Item("GENERATION", g.Key, ("transformation", g.Transformation), ("outcome", g.Outcome),
        ("reason", g.Reason), ("file", g.File), ("runId", g.RunId), ("time", Time(g.Time))));

    public GenerationRecord? Generation(string key)
    {
        var x = Call(() => Client.GetItemAsync(new GetItemRequest { TableName = _table, Key = Key("GENERATION", key), ConsistentRead = true })).Item;
        if (x is null || x.Count == 0) return null;
        return new GenerationRecord(key, S(x, "transformation")!, S(x, "outcome")!, S(x, "reason"), S(x, "file"), S(x, "runId")!, ParseTime(S(x, "time")!));
    }

    public void Append(AuditEntry entry) => Put(Item("AUDIT", $"{Time(entry.Time)}#{Guid.NewGuid():N}", ("time", Time(entry.Time)),
        ("actor", entry.Actor), ("action", entry.Action), ("target", entry.Target), ("reason", entry.Reason),
        ("details", entry.Details is null ? null : JsonSerializer.Serialize(entry.Details))));

    public IReadOnlyList<AuditEntry> AuditEntries() => Query("AUDIT").Select(x => new AuditEntry(ParseTime(S(x, "time")!), S(x, "actor")!,
        S(x, "action")!, S(x, "target")!, S(x, "reason")!, S(x, "details") is { } d ? JsonSerializer.Deserialize<Dictionary<string, string>>(d) : null)).ToList();

    public void Dispose() => _client?.Dispose();

    private static Dictionary<string, AttributeValue> FindingItem(FindingRecord f) => Item("FINDINGS", f.Fingerprint, ("ruleId", f.RuleId),
        ("file", f.File), ("message", f.Message), ("state", f.State.ToString()), ("firstSeenRun", f.FirstSeenRun), ("lastSeenRun", f.LastSeenRun),
        ("updated", Time(f.Updated)), ("reason", f.Reason), ("expires", f.Expires is { } e ? Time(e) : null));

    private void Put(Dictionary<string, AttributeValue> item) =>
        Call(() => Client.PutItemAsync(new PutItemRequest { TableName = _table, Item = item }));

    /// <summary>Writes in batches of 25; items the service leaves unprocessed (throttled) are sent again after a growing pause.</summary>
    private void Batch(List<WriteRequest> requests)
    {
        for (int start = 0; start < requests.Count; start += BatchSize)
        {
            var pending = requests.Skip(start).Take(BatchSize).ToList();
            for (int attempt = 0; pending.Count > 0; attempt++)
            {
                if (attempt > _maxRetries) throw new MemoryStoreException($"{_display}: writes still throttled after {_maxRetries} attempts");
                if (attempt > 0) Thread.Sleep(TimeSpan.FromMilliseconds(Math.Min(5000, 50 * (1 << Math.Min(attempt, 10)))));
                var batch = pending;
                var response = Call(() => Client.BatchWriteItemAsync(new BatchWriteItemRequest
                {
                    RequestItems = new Dictionary<string, List<WriteRequest>> { [_table] = batch },
                }));
                pending = response.UnprocessedItems?.GetValueOrDefault(_table) ?? new List<WriteRequest>();
            }
        }
    }

    /// <summary>Every item of a partition (all pages), in sort-key order; consistent reads, so a write is seen at once.</summary>
    private List<Dictionary<string, AttributeValue>> Query(string pk, string? skPrefix = null)
    {
        var result = new List<Dictionary<string, AttributeValue>>();
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var values = new Dictionary<string, AttributeValue> { [":pk"] = new AttributeValue { S = pk } };
            if (skPrefix is not null) values[":sk"] = new AttributeValue { S = skPrefix };
            var request = new QueryRequest
            {
                TableName = _table,
                KeyConditionExpression = skPrefix is null ? "pk = :pk" : "pk = :pk AND begins_with(sk, :sk)",
                ExpressionAttributeValues = values,
                ConsistentRead = true,
                ExclusiveStartKey = start,
            };
            var page = Call(() => Client.QueryAsync(request));
            if (page.Items is { } items) result.AddRange(items);
            start = page.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        } while (start is not null);
        return result;
    }

    private static Dictionary<string, AttributeValue> Key(string pk, string sk) => new()
    {
        [Pk] = new AttributeValue { S = pk },
        [Sk] = new AttributeValue { S = sk },
    };

    private static Dictionary<string, AttributeValue> Item(string pk, string sk, params (string Name, object? Value)[] values)
    {
        var item = Key(pk, sk);
        foreach (var (name, value) in values)
        {
            switch (value)
            {
                case null: break; // absent rather than NULL: reads treat both as null
                case string s: item[name] = new AttributeValue { S = s }; break;
                case int i: item[name] = new AttributeValue { N = i.ToString(CultureInfo.InvariantCulture) }; break;
                case double d: item[name] = new AttributeValue { N = d.ToString("R", CultureInfo.InvariantCulture) }; break;
                case byte[] b: item[name] = new AttributeValue { B = new MemoryStream(b) }; break;
                default: throw new ArgumentException($"unsupported attribute type {value.GetType().Name}", nameof(values));
            }
        }
        return item;
    }

    private static string? S(Dictionary<string, AttributeValue> item, string name) => item.TryGetValue(name, out var v) ? v.S : null;
    private static int I(Dictionary<string, AttributeValue> item, string name) =>
        item.TryGetValue(name, out var v) && v.N is { } n ? int.Parse(n, CultureInfo.InvariantCulture) : 0;
    private static long L(Dictionary<string, AttributeValue> item, string name) =>
        item.TryGetValue(name, out var v) && v.N is { } n ? long.Parse(n, CultureInfo.InvariantCulture) : 0;
    private static double D(Dictionary<string, AttributeValue> item, string name) =>
        item.TryGetValue(name, out var v) && v.N is { } n ? double.Parse(n, CultureInfo.InvariantCulture) : 0;

    private static string Time(DateTimeOffset t) => t.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    private static DateTimeOffset ParseTime(string s) => DateTimeOffset.Parse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
}
