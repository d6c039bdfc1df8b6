using EtlAgent.Core.Model;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Sandbox.Runner;
using EtlAgent.Core.Sandbox.TestFiles;
using EtlAgent.Core.Workspace;
using EtlAgent.Core.WorkspaceModel;

namespace EtlAgent.Core.Impact;

/// <summary>
/// Change-based test selection (`--changed-since REF`). The files that differ from REF are read
/// at REF and now, and compared object by object (<see cref="ObjectDefinitions"/>). Then:
/// <list type="bullet">
/// <item>a changed procedure, view, function or script is affected itself;</item>
/// <item>a changed table definition affects every transformation that reads or writes the table;</item>
/// <item>code that runs affected code — calls the procedure, reads the view or function — is affected, transitively
///   (its tests execute the changed code);</item>
/// <item>a transformation that reads a table a changed transformation writes is affected (its input changed, as lineage says);</item>
/// <item>a changed test file is selected; a changed etl-agent.json selects every test.</item>
/// </list>
/// The tests selected are those of the affected transformations. Order: those of transformations
/// that failed in the last run first (<see cref="RecentlyFailed"/>), then the most recent change
/// (uncommitted, then by commit time), then by name.
/// </summary>
public sealed class ChangeImpact(WorkspaceAnalysis analysis, IFileSource files, WorkspaceSettings settings, IVersionControl versionControl)
{
    private sealed class Reasons
    {
        public List<SelectionReason> List { get; } = new();
        public void Add(SelectionReason r) { if (!List.Any(x => x.Text == r.Text)) List.Add(r); }
    }

    /// <summary>Whether a transformation had a failing case in the last run (the memory says); null: no such knowledge.</summary>
    public Func<string, bool>? RecentlyFailed { get; init; }

    public TestSelection Select(string reference)
    {
        var changed = versionControl.ChangedSince(reference)
            .Where(c => !c.Path.StartsWith(".etl-agent/", StringComparison.Ordinal))
            .OrderBy(c => c.Path, StringComparer.Ordinal).ToList();
        SelectionReason Because(string text, ChangedFile file) => new(text, file.Path, file.Committed, file.Uncommitted);

        // 1. what changed, object by object
        var changedCode = new Dictionary<string, (ChangedFile File, IReadOnlyList<QualifiedName> Writes)>(StringComparer.OrdinalIgnoreCase);
        var changedTables = new Dictionary<QualifiedName, ChangedFile>();
        var before = new Dictionary<(DefinitionKind, string), (string Tokens, ChangedFile File, string Name)>();
        var after = new Dictionary<(DefinitionKind, string), (string Tokens, ChangedFile File, string Name)>();
        var writesOf = new Dictionary<string, List<QualifiedName>>(StringComparer.OrdinalIgnoreCase);
        foreach (var file in changed.Where(c => Discovery.SourceKinds.Default.Owns(c.Path)))
        {
            void Collect(string? text, Dictionary<(DefinitionKind, string), (string, ChangedFile, string)> into)
            {
                if (text is null) return;
                var defs = ObjectDefinitions.Of(file.Path, text, settings);
                foreach (var (kind, name) in defs.Objects)
                {
                    var key = (kind, kind == DefinitionKind.Script ? name : name.ToUpperInvariant());
                    var earlier = into.TryGetValue(key, out var had) ? had.Item1 : "";
                    into[key] = (earlier + defs.Tokens(kind, name), file, name);
                }
                foreach (var (name, writes) in defs.Writes)
                {
                    if (!writesOf.TryGetValue(name, out var list)) writesOf[name] = list = new List<QualifiedName>();
                    list.AddRange(writes.Where(w => !list.Contains(w)));
                }
            }
            Collect(versionControl.ReadAt(reference, file.Path), before);
            Collect(files.Exists(file.Path) ? Read(file.Path) : null, after);
        }
        foreach (var key in before.Keys.Union(after.Keys))
        {
            before.TryGetValue(key, out var old);
            after.TryGetValue(key, out var now);
            if (old.Tokens == now.Tokens) continue; // moved or reformatted: not a change
            var file = now.File ?? old.File!;
            var kind = key.Item1;
            var name = now.Name ?? old.Name!;
            if (kind == DefinitionKind.Table) changedTables[QualifiedName.Parse(name)] = file;
            else changedCode[kind == DefinitionKind.Script ? name : NameInWorkspace(name)] = (file, writesOf.GetValueOrDefault(kind == DefinitionKind.Script ? name : name) ?? new List<QualifiedName>());
        }

        // 2. what the changes reach
        var affected = new Dictionary<string, Reasons>(StringComparer.OrdinalIgnoreCase);
        void Affect(string name, SelectionReason reason)
        {
            if (!affected.TryGetValue(name, out var r)) affected[name] = r = new Reasons();
            r.Add(reason);
        }
        var transformations = analysis.Transformations.Select(t => t.Transformation).ToList();
        var byName = transformations.ToDictionary(t => t.Name, StringComparer.OrdinalIgnoreCase);
        var behaviour = new Queue<string>(); // code whose behaviour changed: its callers' tests run it
        foreach (var (name, (file, _)) in changedCode)
        {
            if (!byName.ContainsKey(name)) { behaviour.Enqueue(name); continue; } // deleted: its callers still name it
            Affect(name, Because($"{name} changed ({file.Path})", file));
            behaviour.Enqueue(name);
        }
        foreach (var (table, file) in changedTables)
            foreach (var t in transformations)
            {
                if (t.Reads.Contains(table)) Affect(t.Name, Because($"reads {table}, whose definition changed ({file.Path})", file));
                if (t.Writes.Contains(table)) Affect(t.Name, Because($"writes {table}, whose definition changed ({file.Path})", file));
                if (t.Reads.Contains(table) || t.Writes.Contains(table)) behaviour.Enqueue(t.Name);
            }
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        while (behaviour.Count > 0)
        {
            var callee = behaviour.Dequeue();
            if (!seen.Add(callee)) continue;
            var origin = affected.TryGetValue(callee, out var r) ? r.List[0] : changedCode.TryGetValue(callee, out var c) ? Because(byName.ContainsKey(callee) ? $"{callee} changed ({c.File.Path})" : $"{callee} was removed ({c.File.Path})", c.File) : null;
            if (origin is null) continue;
            var calleeName = QualifiedName.Parse(callee);
            bool isView = byName.TryGetValue(callee, out var ct) ? ct.Kind is TransformationKind.View or TransformationKind.Function : false;
            foreach (var caller in transformations)
            {
                if (string.Equals(caller.Name, callee, StringComparison.OrdinalIgnoreCase)) continue;
                bool calls = caller.Calls.Contains(calleeName);
                bool reads = caller.Reads.Contains(calleeName) && (isView || !byName.ContainsKey(callee));
                if (!calls && !reads) continue;
                Affect(caller.Name, origin with { Text = $"{(calls ? "calls" : "reads")} {callee}, which is affected: {origin.Text}" });
                behaviour.Enqueue(caller.Name);
            }
        }
        foreach (var (name, (file, oldWrites)) in changedCode)
        {
            var writes = (byName.TryGetValue(name, out var t) ? t.Writes : Array.Empty<QualifiedName>()).Union(oldWrites).ToList();
            foreach (var table in writes)
                foreach (var reader in transformations.Where(x => !string.Equals(x.Name, name, StringComparison.OrdinalIgnoreCase) && x.Reads.Contains(table)))
                    Affect(reader.Name, Because($"reads {table}, which {name} (changed) writes", file));
        }

        // 3. the tests
        var index = WorkspaceTests.IndexByTransformation(files, settings);
        var tests = new Dictionary<string, (string? Transformation, Reasons Reasons)>(StringComparer.Ordinal);
        void Select(string path, string? transformation, SelectionReason reason)
        {
            if (!tests.TryGetValue(path, out var entry)) tests[path] = entry = (transformation, new Reasons());
            entry.Reasons.Add(reason);
        }
        var testTargets = index.SelectMany(kv => kv.Value.Select(p => (Path: p, Transformation: kv.Key))).ToList();
        foreach (var file in changed.Where(c => TestFile.IsTestFile(c.Path) && files.Exists(c.Path)))
            Select(file.Path, testTargets.FirstOrDefault(x => x.Path == file.Path).Transformation, Because("the test file changed", file));
        if (changed.FirstOrDefault(c => string.Equals(c.Path, WorkspaceSettings.ManifestFile, StringComparison.OrdinalIgnoreCase)) is { } manifest)
            foreach (var (path, transformation) in testTargets)
                Select(path, transformation, Because($"{WorkspaceSettings.ManifestFile} changed: settings apply to every test", manifest));
        foreach (var (name, reasons) in affected)
            if (index.TryGetValue(name, out var paths))
                foreach (var path in paths)
                    foreach (var reason in reasons.List) Select(path, name, reason);

        return new TestSelection(reference, changed.Select(c => c.Path).ToList(),
            affected.Select(kv => new AffectedTransformation(byName.TryGetValue(kv.Key, out var t) ? t.Name : kv.Key, Ranked(kv.Value.List)))
                .OrderBy(t => Failed(t.Name)).ThenBy(t => t, Recency).ToList(),
            tests.Select(kv => new SelectedTestFile(kv.Key, kv.Value.Transformation, Ranked(kv.Value.Reasons.List)))
                .OrderBy(t => Failed(t.Transformation)).ThenBy(t => t, Recency).ToList());
    }

    /// <summary>0 for a transformation that failed last time (it sorts first), else 1.</summary>
    private int Failed(string? transformation) => transformation is not null && RecentlyFailed?.Invoke(transformation) == true ? 0 : 1;

    private string? Read(string path)
    {
        try { return files.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    /// <summary>The transformation's name as the workspace spells it (definitions are compared upper-cased).</summary>
    private string NameInWorkspace(string name) =>
        analysis.Transformations.Select(t => t.Transformation.Name).FirstOrDefault(n => string.Equals(n, name, StringComparison.OrdinalIgnoreCase)) ?? name;

    private static IReadOnlyList<SelectionReason> Ranked(IEnumerable<SelectionReason> reasons) =>
        reasons.OrderByDescending(r => r.Uncommitted).ThenByDescending(r => r.Changed ?? DateTimeOffset.MinValue).ToList();

    private static readonly Comparer<object> Recency = Comparer<object>.Create((a, b) =>
    {
        static (IReadOnlyList<SelectionReason> Reasons, string Name) Parts(object o) => o switch
        {
            AffectedTransformation t => (t.Reasons, t.Name),
            SelectedTestFile f => (f.Reasons, f.Path),
            _ => (Array.Empty<SelectionReason>(), ""),
        };
        var (ra, na) = Parts(a);
        var (rb, nb) = Parts(b);
        int c = rb.Any(r => r.Uncommitted).CompareTo(ra.Any(r => r.Uncommitted));
        if (c != 0) return c;
        c = Nullable.Compare(rb.Max(r => r.Changed), ra.Max(r => r.Changed));
        return c != 0 ? c : StringComparer.OrdinalIgnoreCase.Compare(na, nb);
    });
}
