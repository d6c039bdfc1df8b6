using EtlAgent.Core.Catalog;
using EtlAgent.Core.Model;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace EtlAgent.Core.Sandbox.TestFiles;

public enum SchemaChangeKind
{
    /// <summary>A NOT NULL column without a default that a given row does not give.</summary>
    Added,
    /// <summary>A column the file names that the table no longer has.</summary>
    Dropped,
    /// <summary>A column the file names is gone and exactly one column of a compatible type appeared.</summary>
    Renamed,
    /// <summary>A value no longer converts to its column's type.</summary>
    Retyped,
    /// <summary>A string no longer fits its column's length.</summary>
    Shortened,
}

/// <summary>
/// One place where a test file no longer matches the table it fills or reads: the table, the
/// column (and, for a rename, its new name), what changed, and where in the file (1-based line
/// and column of the row, key, value or `columns` item).
/// </summary>
public sealed record SchemaChange(
    SchemaChangeKind Kind,
    QualifiedName Table,
    string ColumnName,
    string? NewColumnName,
    string File,
    int Line,
    int Column,
    string Message)
{
    public const string Prefix = "out of date with the schema: ";

    public override string ToString() => $"{File}:{Line}:{Column}: {Message}";
}

/// <summary>What <see cref="SchemaDrift.Detect(SchemaCatalog, string, string)"/> found in one test file.</summary>
public sealed record SchemaDriftReport(
    string File,
    IReadOnlyList<SchemaChange> Changes,
    /// <summary>Table → old column name → new column name.</summary>
    IReadOnlyDictionary<QualifiedName, IReadOnlyDictionary<string, string>> Renames,
    /// <summary>Table → column names the file uses that the table no longer has (renames excluded).</summary>
    IReadOnlyDictionary<QualifiedName, IReadOnlySet<string>> Dropped,
    /// <summary>Table → columns the file never names (rename targets excluded): new columns are among them.</summary>
    IReadOnlyDictionary<QualifiedName, IReadOnlyList<string>> Unnamed)
{
    public bool IsEmpty => Changes.Count == 0;

    public static SchemaDriftReport None(string file) => new(file, Array.Empty<SchemaChange>(),
        new Dictionary<QualifiedName, IReadOnlyDictionary<string, string>>(),
        new Dictionary<QualifiedName, IReadOnlySet<string>>(),
        new Dictionary<QualifiedName, IReadOnlyList<string>>());
}

/// <summary>
/// Finds where a test file fell behind the schema of the tables it uses. A test file records no
/// schema of its own, so drift is read from the file against the catalog: a column the file names
/// that the table lacks was dropped — or renamed, when exactly one column the file never names
/// takes all its values (a name close to the old one decides between several); a value that no
/// longer converts was retyped or shortened; a NOT NULL column without a default that a given row
/// leaves out was added. The loader reports these with the same messages, and
/// <see cref="SchemaDriftRewriter"/> updates the file.
/// </summary>
public static class SchemaDrift
{
    public static SchemaDriftReport Detect(SchemaCatalog catalog, string path, string text)
    {
        var stream = new YamlStream();
        try { stream.Load(new StringReader(text)); }
        catch (YamlException) { return SchemaDriftReport.None(path); } // the loader reports bad YAML
        return Detect(catalog, path, stream);
    }

    public static SchemaDriftReport Detect(SchemaCatalog catalog, string path, YamlStream stream)
    {
        var sites = RowSite.All(stream, catalog).ToList();
        var changes = new List<SchemaChange>();
        var renames = new Dictionary<QualifiedName, IReadOnlyDictionary<string, string>>();
        var dropped = new Dictionary<QualifiedName, IReadOnlySet<string>>();
        var unnamed = new Dictionary<QualifiedName, IReadOnlyList<string>>();

        foreach (var group in sites.GroupBy(s => s.Def.Name))
        {
            var def = group.First().Def;
            var mentions = group.SelectMany(s => s.Mentions()).ToList();
            var named = mentions.Select(m => m.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
            var vanished = named.Where(n => def.FindColumn(n) is null).OrderBy(n => n, StringComparer.OrdinalIgnoreCase).ToList();
            var pool = def.Columns.Where(c => !named.Contains(c.Name) && !c.IsGenerated).ToList();

            var renamed = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var old in vanished)
            {
                var values = mentions.Where(m => string.Equals(m.Name, old, StringComparison.OrdinalIgnoreCase) && m.Value is not null).Select(m => m.Value!).ToList();
                var compatible = pool.Where(c => values.All(v => Converts(v, c.Type))).ToList();
                var target = compatible.Count == 1 ? compatible[0]
                    : NameSuggestions.Closest(old, compatible.Select(c => c.Name)) is { } close ? compatible.First(c => c.Name == close)
                    : null;
                if (target is null) continue;
                renamed[old] = target.Name;
                pool.Remove(target);
            }
            var gone = vanished.Where(v => !renamed.ContainsKey(v)).ToHashSet(StringComparer.OrdinalIgnoreCase);
            if (renamed.Count > 0) renames[def.Name] = renamed;
            if (gone.Count > 0) dropped[def.Name] = gone;
            unnamed[def.Name] = pool.Select(c => c.Name).ToList();

            foreach (var m in mentions)
            {
                if (renamed.TryGetValue(m.Name, out var newName))
                {
                    var type = def.FindColumn(newName)!.Type;
                    changes.Add(Change(SchemaChangeKind.Renamed, def, m.Name, newName, path, m.Key,
                        $"{def.Name} has no column [{m.Name}], and [{newName}] ({type}), which this file never names, takes its values: renamed, it seems; the update writes [{newName}]"));
                    continue;
                }
                if (gone.Contains(m.Name))
                {
                    changes.Add(Change(SchemaChangeKind.Dropped, def, m.Name, null, path, m.Key,
                        $"{def.Name} has no column [{m.Name}] any more (dropped){NameSuggestions.DidYouMean(m.Name, def.Columns.Select(c => c.Name))}; the update removes it from the {(m.Value is null ? "compared columns" : "rows")}"));
                }
            }
            // values against the column's type as it is now (under its new name for a rename)
            foreach (var m in mentions)
            {
                if (m.Value is null) continue;
                var name = renamed.GetValueOrDefault(m.Name) ?? m.Name;
                // A date/time column refusing a value is a format mistake (a string column that became
                // a date column held ISO dates, which still convert), not drift: the loader says so.
                if (def.FindColumn(name) is not { IsGenerated: false } column || column.Type.IsDateTime) continue;
                if (m.Value is not YamlScalarNode scalar) continue; // the loader reports non-scalars
                if (TestValues.TryConvert(scalar.Value ?? "", scalar.Style == ScalarStyle.Plain, column.Type, out _, out var error)) continue;
                var text = scalar.Value ?? "";
                bool tooLong = column.Type.IsString && !column.Type.IsMax && column.Type.Length is { } max && text.Length > max;
                // a value of the wrong kind (text for a number) is a mistake in the file, not drift:
                // the loader reports it at the value, and no update overwrites it
                if (!tooLong && !SameKind(scalar, column.Type)) continue;
                var fix = m.Given ? (tooLong ? $"the update cuts it to {column.Type.Length} characters" : "the update gives it a generated value")
                                  : "the update re-records the expectation";
                changes.Add(tooLong
                    ? Change(SchemaChangeKind.Shortened, def, column.Name, null, path, m.Value,
                        $"{def.Name}.[{column.Name}] is now {column.Type}: '{text}' ({text.Length} characters) no longer fits; {fix}")
                    : Change(SchemaChangeKind.Retyped, def, column.Name, null, path, m.Value,
                        $"{def.Name}.[{column.Name}] is now {column.Type}: {error}; {fix}"));
            }
            // given rows must give every NOT NULL column the database cannot fill
            var required = def.Columns.Where(c => !c.Nullable && !c.IsGenerated && c.Default is null && c.Sequence is null).ToList();
            foreach (var site in group.Where(s => s.Given))
            foreach (var row in site.RowNodes())
            {
                var keys = row.Children.Keys.Select(RowSite.ColumnName).Select(k => renamed.GetValueOrDefault(k) ?? k).ToHashSet(StringComparer.OrdinalIgnoreCase);
                foreach (var c in required.Where(c => !keys.Contains(c.Name)))
                    changes.Add(Change(SchemaChangeKind.Added, def, c.Name, null, path, row,
                        $"{def.Name}.[{c.Name}] ({c.Type} NOT NULL, no default) is not given, so the row cannot be inserted: a new column, it seems; the update gives it a generated value"));
            }
        }
        changes.Sort((a, b) => a.Line != b.Line ? a.Line.CompareTo(b.Line) : a.Column.CompareTo(b.Column));
        return new SchemaDriftReport(path, changes, renames, dropped, unnamed);
    }

    /// <summary>
    /// Whether a value that does not convert is still of its column's kind, so a changed type
    /// explains it: a number for a numeric column (out of range or too precise now).
    /// </summary>
    private static bool SameKind(YamlScalarNode value, SqlType type) =>
        type.IsNumeric && TestValues.TryConvert(value.Value ?? "", value.Style == ScalarStyle.Plain, new SqlType("float"), out _, out _);

    private static bool Converts(YamlNode value, SqlType type) =>
        value is YamlScalarNode s && TestValues.TryConvert(s.Value ?? "", s.Style == ScalarStyle.Plain, type, out _, out _);

    private static SchemaChange Change(SchemaChangeKind kind, TableDef def, string column, string? newName, string path, YamlNode at, string message) =>
        new(kind, def.Name, column, newName, path, (int)at.Start.Line, (int)at.Start.Column, SchemaChange.Prefix + message);
}

/// <summary>
/// Where a test file holds rows or column names of a catalog table: the rows given to it in a case,
/// or the rows (and `columns`) expected of it. Bad shapes are skipped here: the loader reports them.
/// </summary>
internal sealed record RowSite(TableDef Def, bool Given, YamlSequenceNode? Rows, YamlSequenceNode? Columns)
{
    /// <summary>A column named at a key (with its value) or in a `columns` list (no value).</summary>
    public sealed record Mention(string Name, YamlNode Key, YamlNode? Value, bool Given);

    public static string ColumnName(YamlNode key)
    {
        var text = (key as YamlScalarNode)?.Value?.Trim() ?? "";
        return text.StartsWith('[') && text.EndsWith(']') ? text[1..^1] : text;
    }

    public IEnumerable<YamlMappingNode> RowNodes() => Rows?.Children.OfType<YamlMappingNode>() ?? Enumerable.Empty<YamlMappingNode>();

    public IEnumerable<Mention> Mentions()
    {
        foreach (var row in RowNodes())
        foreach (var (key, value) in row.Children)
            yield return new Mention(ColumnName(key), key, value, Given);
        foreach (var item in Columns?.Children.OfType<YamlScalarNode>() ?? Enumerable.Empty<YamlScalarNode>())
            yield return new Mention(ColumnName(item), item, null, Given);
    }

    private static readonly HashSet<string> ExpectKeys = new(StringComparer.Ordinal) { "row_counts", "error", "result", "messages", "outputs", "return" };

    public static IEnumerable<RowSite> All(YamlStream stream, SchemaCatalog catalog)
    {
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root) yield break;
        if (Get(root, "cases") is not YamlSequenceNode cases) yield break;
        foreach (var c in cases.Children.OfType<YamlMappingNode>())
        {
            if (Get(c, "given") is YamlMappingNode given)
                foreach (var (key, value) in given.Children)
                    if (Table(catalog, key, tablesOnly: true) is { } def && value is YamlSequenceNode rows)
                        yield return new RowSite(def, true, rows, null);
            if (Get(c, "expect") is YamlMappingNode expect)
                foreach (var (key, value) in expect.Children)
                {
                    if (key is YamlScalarNode { Value: { } k } && ExpectKeys.Contains(k)) continue;
                    if (Table(catalog, key, tablesOnly: false) is not { } def) continue;
                    if (value is YamlSequenceNode shorthand) yield return new RowSite(def, false, shorthand, null);
                    else if (value is YamlMappingNode m)
                        yield return new RowSite(def, false, Get(m, "rows") as YamlSequenceNode, Get(m, "columns") as YamlSequenceNode);
                }
        }
    }

    public static YamlNode? Get(YamlMappingNode map, string key) =>
        map.Children.FirstOrDefault(kv => kv.Key is YamlScalarNode { Value: { } k } && k == key).Value;

    private static TableDef? Table(SchemaCatalog catalog, YamlNode key, bool tablesOnly)
    {
        if (key is not YamlScalarNode { Value: { } text }) return null;
        QualifiedName name;
        try { name = QualifiedName.Parse(text); }
        catch (FormatException) { return null; }
        return catalog.Find(name) is { } def && (def.Kind == TableKind.Table || (!tablesOnly && def.Kind == TableKind.View)) ? def : null;
    }
}
