using EtlAgent.Core.Sandbox;
using EtlAgent.Core.Sandbox.TestFiles;
using EtlAgent.Core.WorkspaceModel;
using EtlAgent.Core.Generation;
using EtlAgent.Core.Model;
using EtlAgent.Core.Sandbox.Runner;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace EtlAgent.Core.Healing;

/// <summary>
/// What updating a test file to the schema gives: the new text (null when the file cannot be
/// updated, with the reasons in <see cref="Notes"/>), the changes it answers, and notes on what the
/// user should look at (values cut or generated, cases whose expectations could not be re-recorded).
/// </summary>
public sealed record SchemaDriftUpdate(string? Text, IReadOnlyList<SchemaChange> Changes, IReadOnlyList<string> Notes)
{
    public bool Updated => Text is not null;
}

/// <summary>
/// Updates a test file to the schema (the "Update test to the new schema" fix): in the rows and
/// `columns` lists, dropped columns leave and renamed ones take their new name; given rows get a
/// generated value (the generator's choice, <see cref="CandidateBuilder.ValueFor"/>) for each new
/// NOT NULL column, strings cut to a shortened column and values that no longer convert replaced;
/// then every `exact` expectation and row count is re-recorded by running the transformation on
/// the updated given rows in the sandbox (the generator's golden master). The result is text for
/// the user to review and apply, never written here. Leading comments are kept; the rest is
/// written by <see cref="TestFileWriter"/> (canonical order when the file was generated).
/// </summary>
public sealed class SchemaDriftRewriter(WorkspaceAnalysis workspace, Func<SandboxSetup, ISandboxFactory> createFactory)
{
    public const string FixTitle = SchemaDriftedTestFile.FixTitle;

    public TimeSpan CaseTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The day generated values are anchored to (the engine passes its clock's date).</summary>
    public DateTime Today { get; init; } = new GenerationOptions().Clock.Date;

    public async Task<SchemaDriftUpdate> RewriteAsync(string path, string text, CancellationToken cancellationToken = default)
    {
        var stream = new YamlStream();
        try { stream.Load(new StringReader(text)); }
        catch (YamlException e) { return new(null, Array.Empty<SchemaChange>(), new[] { $"not valid YAML: {e.Message}" }); }
        var report = SchemaDrift.Detect(workspace.Catalog, path, stream);
        if (report.IsEmpty) return new(null, report.Changes, new[] { "the file matches the schema" });

        var notes = new List<string>();
        Repair(stream, report, Generator(stream), notes);
        RepairInvariants(stream, report, notes);
        var repaired = new StringWriter { NewLine = "\n" };
        stream.Save(repaired, assignAnchors: false);

        var loader = new TestFileLoader(workspace);
        var loaded = loader.Load(path, repaired.ToString());
        if (!loaded.Success)
            return new(null, report.Changes, notes.Concat(loaded.Errors.Select(e => $"cannot update: line {e.Line}: {e.Message}")).ToList());

        var file = await RerecordAsync(loaded.File!, report, notes, cancellationToken).ConfigureAwait(false);
        var header = LeadingComments(text);
        if (header.Contains(TestGenerator.Header.Split('\n')[0], StringComparison.Ordinal))
            file = TestFileWriter.Canonicalize(file, workspace.Catalog);
        var output = header + TestFileWriter.Write(file, workspace.Catalog);
        var check = loader.Load(path, output);
        notes.AddRange(check.Errors.Select(e => $"still to fix by hand: line {e.Line}: {e.Message}"));
        return new(output, report.Changes, notes);
    }

    /// <summary>The comment lines the file starts with (a generated file's review notice, a hand-written description).</summary>
    internal static string LeadingComments(string text)
    {
        var lines = text.Replace("\r\n", "\n").Split('\n');
        int n = 0;
        while (n < lines.Length && (lines[n].TrimStart().StartsWith('#') || (lines[n].Trim().Length == 0 && n + 1 < lines.Length))) n++;
        while (n > 0 && lines[n - 1].Trim().Length == 0) n--;
        return n == 0 ? "" : string.Join("\n", lines[..n]) + "\n";
    }

    /// <summary>The generator's value choice for the transformation under test (plain values when it cannot be analysed).</summary>
    private CandidateBuilder Generator(YamlStream stream)
    {
        var root = stream.Documents.Count > 0 ? stream.Documents[0].RootNode as YamlMappingNode : null;
        var name = root is null ? null : (RowSite.Get(root, "transformation") as YamlScalarNode)?.Value;
        var t = name is null ? null : workspace.FindTransformation(name);
        CodeFacts facts;
        try { facts = t is null ? new CodeFacts() : CodeFacts.Collect(workspace, t); }
        catch (Exception e) when (e is not OperationCanceledException) { facts = new CodeFacts(); }
        return new CandidateBuilder(workspace.Catalog, facts, t?.Transformation.Parameters ?? Array.Empty<ParameterDef>(), Today);
    }

    private static void Repair(YamlStream stream, SchemaDriftReport report, CandidateBuilder values, List<string> notes)
    {
        foreach (var site in RowSite.All(stream, values.Catalog))
        {
            var def = site.Def;
            var renames = report.Renames.GetValueOrDefault(def.Name) ?? new Dictionary<string, string>();
            var dropped = report.Dropped.GetValueOrDefault(def.Name) ?? new HashSet<string>();
            var required = def.Columns.Where(c => !c.Nullable && !c.IsGenerated && c.Default is null && c.Sequence is null).ToList();

            if (site.Columns is { } columns)
            {
                var items = columns.Children.ToList();
                columns.Children.Clear();
                foreach (var item in items)
                {
                    var name = RowSite.ColumnName(item);
                    if (dropped.Contains(name)) continue;
                    columns.Children.Add(renames.TryGetValue(name, out var to) ? Quoted(to) : item);
                }
            }
            if (site.Rows is not { } rows) continue;
            for (int i = 0; i < rows.Children.Count; i++)
            {
                if (rows.Children[i] is not YamlMappingNode row) continue;
                var line = (int)row.Start.Line;
                var updated = new YamlMappingNode { Style = row.Style };
                foreach (var (key, value) in row.Children)
                {
                    var name = RowSite.ColumnName(key);
                    if (dropped.Contains(name)) continue;
                    var column = def.FindColumn(renames.GetValueOrDefault(name) ?? name);
                    var newKey = renames.TryGetValue(name, out var to) ? Quoted(to) : key;
                    var newValue = value;
                    if (column is not null && value is YamlScalarNode s &&
                        !TestValues.TryConvert(s.Value ?? "", s.Style == ScalarStyle.Plain, column.Type, out _, out _))
                    {
                        var text = s.Value ?? "";
                        if (column.Type.IsString && column.Type.Length is > 0 and var max && text.Length > max)
                        {
                            newValue = Quoted(text[..max]);
                            notes.Add($"line {line}: {def.Name}.[{column.Name}] '{text}' cut to '{text[..max]}' ({column.Type})");
                        }
                        else if (site.Given && values.ValueFor(def, column, i + 1) is { } generated)
                        {
                            newValue = Scalar(generated, column.Type);
                            notes.Add($"line {line}: {def.Name}.[{column.Name}] '{text}' does not convert to {column.Type}; replaced by the generated value {TestValues.Format(generated, column.Type).Text}");
                        }
                        else if (!site.Given)
                        {
                            newValue = new YamlScalarNode("null"); // re-recorded below (exact), or left for review
                        }
                    }
                    updated.Add(newKey, newValue);
                }
                if (site.Given)
                {
                    var given = updated.Children.Keys.Select(RowSite.ColumnName).ToHashSet(StringComparer.OrdinalIgnoreCase);
                    foreach (var c in required.Where(c => !given.Contains(c.Name)))
                    {
                        if (values.ValueFor(def, c, i + 1) is not { } generated)
                        {
                            notes.Add($"line {line}: no generated value for {def.Name}.[{c.Name}] ({c.Type}); give one by hand");
                            continue;
                        }
                        updated.Add(Quoted(c.Name), Scalar(generated, c.Type));
                    }
                }
                rows.Children[i] = updated;
            }
        }
    }

    /// <summary>
    /// Invariants name columns too: a renamed column is renamed in them (columns, from, to, where keys,
    /// in_columns of the table it is in), and an invariant over a dropped column goes, with a note.
    /// </summary>
    private static void RepairInvariants(YamlStream stream, SchemaDriftReport report, List<string> notes)
    {
        if (stream.Documents.FirstOrDefault()?.RootNode is not YamlMappingNode root) return;
        var invariants = root.Children.FirstOrDefault(kv => kv.Key is YamlScalarNode { Value: "invariants" }).Value as YamlSequenceNode;
        if (invariants is null) return;
        foreach (var item in invariants.Children.OfType<YamlMappingNode>().ToList())
        {
            QualifiedName? Table(params string[] keys)
            {
                var value = item.Children.FirstOrDefault(kv => kv.Key is YamlScalarNode k && keys.Contains(k.Value)).Value as YamlScalarNode;
                try { return value?.Value is { } text ? QualifiedName.Parse(text) : null; }
                catch (FormatException) { return null; }
            }
            var table = Table("unique", "windows", "exists");
            var other = Table("in");
            bool gone = false;
            YamlNode Fix(YamlNode node, QualifiedName? owner)
            {
                if (owner is not { } t || node is not YamlScalarNode { Value: { } name }) return node;
                if (report.Dropped.GetValueOrDefault(t)?.Contains(name) == true) gone = true;
                return report.Renames.GetValueOrDefault(t)?.TryGetValue(name, out var to) == true ? Quoted(to!) : node;
            }
            foreach (var (key, value) in item.Children.ToList())
            {
                switch ((key as YamlScalarNode)?.Value)
                {
                    case "columns" or "in_columns" when value is YamlSequenceNode list:
                        var owner = ((YamlScalarNode)key).Value == "columns" ? table : other;
                        for (int i = 0; i < list.Children.Count; i++) list.Children[i] = Fix(list.Children[i], owner);
                        break;
                    case "from" or "to":
                        item.Children[key] = Fix(value, table);
                        break;
                    case "where" when value is YamlMappingNode where:
                        var renamed = new YamlMappingNode { Style = where.Style };
                        foreach (var (k, v) in where.Children) renamed.Add(Fix(k, table), v);
                        item.Children[key] = renamed;
                        break;
                }
            }
            if (gone)
            {
                invariants.Children.Remove(item);
                notes.Add($"line {item.Start.Line}: an invariant on {table} named a column the table no longer has; it was removed");
            }
        }
    }

    private static YamlScalarNode Quoted(string text) => new(text) { Style = ScalarStyle.DoubleQuoted };

    private static YamlScalarNode Scalar(object value, SqlType type)
    {
        var (text, quoted) = TestValues.Format(value, type);
        return new YamlScalarNode(text) { Style = quoted ? ScalarStyle.DoubleQuoted : ScalarStyle.Plain };
    }

    /// <summary>Re-records `exact` expectations and row counts from a sandbox run of each case on its (updated) given rows.</summary>
    private async Task<TestFile> RerecordAsync(TestFile file, SchemaDriftReport report, List<string> notes, CancellationToken cancellationToken)
    {
        var runner = new TestRunner(workspace, createFactory);
        var all = new OutcomeRecorder(workspace.Catalog, Array.Empty<QualifiedName>(), Today);
        var cases = new List<TestCase>();
        await using var factory = createFactory(new SandboxSetup(workspace, file.EnforceForeignKeys, file.Transformation));
        foreach (var c in file.Cases)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!c.Expect.Tables.Any(t => t.Match == MatchMode.Exact) && c.Expect.RowCounts.Count == 0) { cases.Add(c); continue; }
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(CaseTimeout);
            try
            {
                await using var sandbox = await factory.CreateAsync(timeout.Token).ConfigureAwait(false);
                foreach (var given in runner.OrderForInsert(c.Given))
                    if (given.Rows.Count > 0)
                        await sandbox.InsertRowsAsync(given.Table, given.Rows.Select(r => r.ToSandboxRow()).ToList(), timeout.Token).ConfigureAwait(false);
                var execution = await sandbox.ExecuteAsync(new ExecutionRequest(file.Transformation,
                    c.Call.ToDictionary(a => a.Key, a => a.Value, StringComparer.OrdinalIgnoreCase), c.Clock, InTransaction: c.InTransaction), timeout.Token).ConfigureAwait(false);
                if (execution.Error is { } raised && (c.Expect.Error is null || !c.Expect.Error.Matches(raised)))
                {
                    notes.Add($"\"{c.Name}\": now raises error {raised.Number} ({raised.Message}); its expectations were not re-recorded");
                    cases.Add(c);
                    continue;
                }
                if (execution.Error is null && c.Expect.Error is { } expected)
                {
                    notes.Add($"\"{c.Name}\": no longer raises {expected}; its expectations were not re-recorded");
                    cases.Add(c);
                    continue;
                }
                var tables = new List<RowsExpectation>();
                foreach (var e in c.Expect.Tables)
                {
                    if (e.Match != MatchMode.Exact) { tables.Add(e); continue; }
                    var table = e.Table!.Value;
                    var actual = await sandbox.ReadTableAsync(table, timeout.Token).ConfigureAwait(false);
                    var columns = e.Columns ?? Compared(e, table, report, all);
                    tables.Add(e with
                    {
                        Rows = actual.Select(r => new TestRow(columns.Select(col => new KeyValuePair<string, object?>(col, r.GetValueOrDefault(col))).ToList())).ToList(),
                    });
                }
                var counts = new List<RowCountExpectation>();
                foreach (var rc in c.Expect.RowCounts)
                    counts.Add(rc with { Count = (await sandbox.ReadTableAsync(rc.Table, timeout.Token).ConfigureAwait(false)).Count });
                cases.Add(c with { Expect = c.Expect with { Tables = tables, RowCounts = counts } });
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                notes.Add($"\"{c.Name}\": timed out after {CaseTimeout.TotalSeconds:0} s; its expectations were not re-recorded");
                cases.Add(c);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                notes.Add($"\"{c.Name}\": cannot run in the sandbox ({e.Message}); its expectations were not re-recorded");
                cases.Add(c);
            }
        }
        return file with { Cases = cases };
    }

    /// <summary>
    /// The columns a re-recorded expectation compares: those its rows named, plus the table's new
    /// columns when the rows named every column (a golden master keeps covering the whole row), or
    /// every comparable column when it expected no rows.
    /// </summary>
    private static IReadOnlyList<string> Compared(RowsExpectation e, QualifiedName table, SchemaDriftReport report, OutcomeRecorder all)
    {
        var every = all.ComparedColumns(table);
        var named = e.ComparedColumns;
        if (named.Count == 0) return every;
        var unnamed = report.Unnamed.GetValueOrDefault(table) ?? Array.Empty<string>();
        bool whole = every.All(c => named.Contains(c, StringComparer.OrdinalIgnoreCase) || unnamed.Contains(c, StringComparer.OrdinalIgnoreCase));
        return whole ? every : named;
    }
}
