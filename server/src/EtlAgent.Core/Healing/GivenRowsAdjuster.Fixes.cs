using System.Globalization;
using System.Text.RegularExpressions;
using EtlAgent.Core.Generation;
using EtlAgent.Core.Model;
using EtlAgent.Core.Sandbox;
using EtlAgent.Core.Sandbox.TestFiles;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace EtlAgent.Core.Healing;

/// <summary>The edits per constraint, and the same heal for a file whose given rows fell behind the schema.</summary>
public sealed partial class GivenRowsAdjuster
{
    /// <summary>
    /// A test file that no longer loads only because of its given rows — a new NOT NULL column
    /// they do not give, a value a narrowed or retyped column refuses — gets those values filled,
    /// cut or replaced and nothing else; null when the file has other drift (a dropped or renamed
    /// column, an expectation's value: the schema update's job) or the adjusted file does not pass.
    /// </summary>
    public async Task<HealSuggestion?> ForDriftAsync(string path, string text, CancellationToken cancellationToken = default)
    {
        var editor = new GivenRowsEditor(path, text);
        if (editor.Stream is not { } stream) return null;
        var report = SchemaDrift.Detect(workspace.Catalog, path, stream);
        if (report.IsEmpty || report.Changes.Any(c => c.Kind is SchemaChangeKind.Dropped or SchemaChangeKind.Renamed)) return null;
        var name = editor.Root is { } root ? (RowSite.Get(root, "transformation") as YamlScalarNode)?.Value : null;
        var values = Values(name ?? "");
        var handled = new HashSet<(int, int)>();
        var notes = new List<string>();
        var cases = (editor.Root is { } top ? RowSite.Get(top, "cases") as YamlSequenceNode : null)?.Children.OfType<YamlMappingNode>() ?? Enumerable.Empty<YamlMappingNode>();
        foreach (var (caseNode, def, site) in cases.SelectMany(c => GivenTables(c)))
        {
            var caseName = (RowSite.Get(caseNode, "name") as YamlScalarNode)?.Value ?? "";
            var required = def.Columns.Where(c => !c.Nullable && !c.IsGenerated && c.Default is null && c.Sequence is null).ToList();
            int index = 0;
            foreach (var row in site.Children.OfType<YamlMappingNode>())
            {
                index++;
                var where = $"\"{caseName}\": {def.Name} row {index}";
                foreach (var (key, value) in row.Children)
                {
                    if (def.FindColumn(RowSite.ColumnName(key)) is not { IsGenerated: false } column || value is not YamlScalarNode s) continue;
                    var raw = s.Value ?? "";
                    if (TestValues.TryConvert(raw, s.Style == ScalarStyle.Plain, column.Type, out _, out _)) continue;
                    object? replacement = column.Type.IsString && column.Type.Length is > 0 and var max && raw.Length > max
                        ? raw[..max] : values.ValueFor(def, column, index);
                    if (replacement is null) return null;
                    editor.Set(row, column.Name, replacement, column.Type);
                    handled.Add(((int)s.Start.Line, (int)s.Start.Column));
                    notes.Add($"~ {where}: [{column.Name}] {raw} → {TestValues.Format(replacement, column.Type).Text} ({column.Type})");
                }
                var keys = row.Children.Keys.Select(RowSite.ColumnName).ToHashSet(StringComparer.OrdinalIgnoreCase);
                foreach (var column in required.Where(c => !keys.Contains(c.Name)))
                {
                    var siblings = site.Children.OfType<YamlMappingNode>().Select(r => GivenRowsEditor.Cell(r, column.Name)).OfType<YamlScalarNode>()
                        .Select(v => TestValues.TryConvert(v.Value ?? "", v.Style == ScalarStyle.Plain, column.Type, out var x, out _) ? x : null);
                    var value = siblings.FirstOrDefault(v => v is not null) ?? values.ValueFor(def, column, index);
                    if (value is null) return null;
                    editor.Set(row, column.Name, value, column.Type);
                    handled.Add(((int)row.Start.Line, (int)row.Start.Column));
                    notes.Add($"~ {where}: [{column.Name}] not given → {TestValues.Format(value, column.Type).Text} (new NOT NULL column)");
                }
            }
        }
        // every change must be one of those: a change of the expectations is the schema update's
        if (report.Changes.Any(c => !handled.Contains((c.Line, c.Column)))) return null;
        if (editor.IsEmpty || editor.Edits() is not { } edits || SpanEdits.Apply(text, edits, path) is not { } adjusted) return null;
        var (final, evidence, rerecorded) = await CheckAsync(path, adjusted, null, null, notes, cancellationToken).ConfigureAwait(false);
        if (evidence is null) return null;
        var title = $"adjust the given rows to the new schema ({string.Join(", ", Summaries(notes))})" +
            (rerecorded.Count > 0 ? "; the expected rows that depend on them re-recorded" : "; expectations kept");
        var candidate = new RepairCandidate(HealKinds.Test, HealClasses.AdjustGivenRows, title, LineDiffEdits.Between(path, text, final), "test")
        {
            Diff = notes.Concat(rerecorded).ToList(),
        };
        return new HealSuggestion(HealId.For(path, null, candidate), path, null, candidate, evidence);
    }

    /// <summary>The tables a case gives rows to, with their definitions.</summary>
    private IEnumerable<(YamlMappingNode Case, TableDef Def, YamlSequenceNode Rows)> GivenTables(YamlMappingNode testCase)
    {
        if (GivenRowsEditor.Given(testCase) is not { } given) yield break;
        foreach (var (key, value) in given.Children)
        {
            if (key is not YamlScalarNode { Value: { } text } || value is not YamlSequenceNode rows) continue;
            TableDef? def;
            try { def = workspace.Catalog.Find(QualifiedName.Parse(text)); }
            catch (FormatException) { continue; }
            if (def is { Kind: TableKind.Table }) yield return (testCase, def, rows);
        }
    }

    /// <summary>"2 values filled, 1 duplicate dropped, 1 parent row added" from the diff lines.</summary>
    private static IEnumerable<string> Summaries(IReadOnlyList<string> notes)
    {
        int changed = notes.Count(n => n.StartsWith('~')), dropped = notes.Count(n => n.StartsWith('-')), added = notes.Count(n => n.StartsWith('+'));
        if (changed > 0) yield return $"{changed} {(changed == 1 ? "value" : "values")} changed";
        if (dropped > 0) yield return $"{dropped} duplicate {(dropped == 1 ? "row" : "rows")} dropped";
        if (added > 0) yield return $"{added} parent {(added == 1 ? "row" : "rows")} added";
    }

    /// <summary>
    /// A value for a NOT NULL column a row leaves NULL: another given row's value of that column
    /// (the data the case already uses), unless the column is part of a key — then the generator's
    /// value for this row, which stays distinct.
    /// </summary>
    private static object? Representative(Given table, Row row, TableDef def, ColumnDef column, CandidateBuilder values)
    {
        bool keyed = def.Keys.Any(k => k.Columns.Contains(column.Name, StringComparer.OrdinalIgnoreCase));
        if (!keyed && table.Rows.Where(r => r != row).Select(r => r.Values.GetValueOrDefault(column.Name)).FirstOrDefault(v => v is not null) is { } sibling)
            return sibling;
        return values.ValueFor(def, column, table.Rows.IndexOf(row) + 1);
    }

    /// <summary>The parent row a foreign key needs: its key from the child's values, its other required columns generated.</summary>
    private bool AddParent(Refusal refused, TableDef def, Row row, List<Given> model, GivenRowsEditor editor, YamlMappingNode caseNode,
        CandidateBuilder values, List<string> notes, string message)
    {
        var named = ConstraintInMessage.Match(message) is { Success: true } m ? m.Groups[1].Value : null;
        var candidates = def.ForeignKeys.Where(fk => fk.Columns.All(c => row.Values.GetValueOrDefault(c) is not null)).ToList();
        var fk = candidates.FirstOrDefault(f => f.Name is not null && f.Name == named)
            ?? candidates.FirstOrDefault(f => message.Contains($"\"{f.ReferencedTable}\"", StringComparison.OrdinalIgnoreCase))
            ?? (candidates.Count == 1 ? candidates[0] : null);
        if (fk is null || workspace.Catalog.Find(fk.ReferencedTable) is not { } parent) return false;
        var parentRows = model.FirstOrDefault(g => g.Table == parent.Name);
        if (parentRows is null) model.Add(parentRows = new Given(parent.Name, new List<Row>()));
        var cells = new List<KeyValuePair<string, object?>>();
        for (int i = 0; i < fk.Columns.Count; i++) cells.Add(new(parent.FindColumn(fk.ReferencedColumns[i])?.Name ?? fk.ReferencedColumns[i], row.Values[fk.Columns[i]]));
        int entity = parentRows.Rows.Count + 1;
        foreach (var c in parent.Columns.Where(c => !c.Nullable && !c.IsGenerated && c.Default is null && c.Sequence is null))
        {
            if (cells.Any(x => string.Equals(x.Key, c.Name, StringComparison.OrdinalIgnoreCase))) continue;
            if (values.ValueFor(parent, c, entity) is not { } v) return false;
            cells.Add(new(c.Name, v));
        }
        if (!editor.Add(caseNode, parent.Name, cells, parent, Resolve)) return false;
        parentRows.Rows.Add(new Row(new SandboxRow(cells), null));
        notes.Add($"+ {parent.Name}: {GivenRowsEditor.Row(cells, parent)} (the parent {def.Name} row {refused.Index + 1} refers to{(fk.Name is null ? "" : $" by {fk.Name}")})");
        return true;
    }

    private static readonly Regex Bracketed = new(@"\[([^\]]+)\]|\b([A-Za-z_][A-Za-z0-9_]*)\b", RegexOptions.CultureInvariant);
    private static readonly Regex Constants = new(@"'((?:[^']|'')*)'|(?<![\w.])(-?\d+(?:\.\d+)?)", RegexOptions.CultureInvariant);

    /// <summary>
    /// A CHECK the row breaks: for each column the constraint names, the first value that lets the
    /// row in — the constraint's constants (and one either side of a number), the column's other
    /// given values, the generator's value.
    /// </summary>
    private async Task<bool> SatisfyCheckAsync(Refusal refused, TableDef def, Row row, List<Given> model, GivenRowsEditor editor, CandidateBuilder values,
        List<string> notes, ISandboxFactory factory, string message, CancellationToken cancellationToken)
    {
        if (row.Node is null) return false;
        var named = ConstraintInMessage.Match(message) is { Success: true } m ? m.Groups[1].Value : null;
        var checks = def.Checks.Where(c => named is null || string.Equals(c.Name, named, StringComparison.OrdinalIgnoreCase)).ToList();
        if (checks.Count == 0) checks = def.Checks.ToList();
        var columns = checks.SelectMany(c => (c.Column is { } col ? new[] { col } : Array.Empty<string>())
                .Concat(Bracketed.Matches(c.Expression).Select(x => x.Groups[1].Success ? x.Groups[1].Value : x.Groups[2].Value)))
            .Select(def.FindColumn).OfType<ColumnDef>().Where(c => !c.IsGenerated).DistinctBy(c => c.Name).ToList();
        foreach (var column in columns)
        {
            var original = row.Values.GetValueOrDefault(column.Name);
            foreach (var candidate in CheckCandidates(checks, column, refused.Table, row, def, values))
            {
                row.Values[column.Name] = candidate;
                var next = await ProbeAsync(factory, model, cancellationToken).ConfigureAwait(false);
                bool same = next is not null && next.Table == refused.Table && next.Index == refused.Index && next.Error.Error?.Number == 547 &&
                    !next.Error.Message.Contains("FOREIGN KEY", StringComparison.Ordinal);
                if (same) continue;
                editor.Set(row.Node, column.Name, candidate, column.Type);
                notes.Add($"~ {def.Name} row {refused.Index + 1}: [{column.Name}] {TestValues.Format(original, column.Type).Text} → {TestValues.Format(candidate, column.Type).Text} (CHECK {checks[0].Name ?? checks[0].Expression})");
                return true;
            }
            row.Values[column.Name] = original;
        }
        return false;
    }

    private static IEnumerable<object?> CheckCandidates(IReadOnlyList<CheckDef> checks, ColumnDef column, Given table, Row row, TableDef def, CandidateBuilder values)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var current = row.Values.GetValueOrDefault(column.Name);
        IEnumerable<object?> All()
        {
            foreach (var check in checks)
            foreach (Match c in Constants.Matches(check.Expression))
            {
                if (c.Groups[1].Success) { yield return c.Groups[1].Value.Replace("''", "'", StringComparison.Ordinal); continue; }
                var n = decimal.Parse(c.Groups[2].Value, CultureInfo.InvariantCulture);
                yield return n; yield return n + 1; yield return n - 1;
            }
            foreach (var other in table.Rows.Where(r => r != row)) yield return other.Values.GetValueOrDefault(column.Name);
            yield return values.ValueFor(def, column, table.Rows.IndexOf(row) + 1);
        }
        foreach (var v in All())
        {
            if (v is null) continue;
            var (text, quoted) = TestValues.Format(v);
            // the value as the column holds it: a constant of the wrong kind for the column is skipped
            if (!TestValues.TryConvert(text, !quoted, column.Type, out var typed, out _) || typed is null) continue;
            if (Equals(typed, current) || !seen.Add(TestValues.Format(typed, column.Type).Text)) continue;
            if (seen.Count > 12) yield break;
            yield return typed;
        }
    }

    /// <summary>A value a narrowed column no longer holds: a string cut to the new length, anything else the generator's value.</summary>
    private static bool Narrowed(Refusal refused, TableDef def, Row row, GivenRowsEditor editor, CandidateBuilder values, List<string> notes)
    {
        if (row.Node is null) return false;
        bool changed = false;
        foreach (var column in def.Columns.Where(c => !c.IsGenerated))
        {
            if (row.Values.GetValueOrDefault(column.Name) is not { } value) continue;
            var (text, quoted) = TestValues.Format(value, column.Type);
            bool tooLong = value is string s && column.Type.IsString && !column.Type.IsMax && column.Type.Length is > 0 and var max && s.Length > max;
            if (!tooLong && TestValues.TryConvert(text, !quoted, column.Type, out _, out _)) continue;
            object? replacement = tooLong ? ((string)value)[..column.Type.Length!.Value] : values.ValueFor(def, column, refused.Index + 1);
            if (replacement is null) continue;
            row.Values[column.Name] = replacement;
            editor.Set(row.Node, column.Name, replacement, column.Type);
            notes.Add($"~ {def.Name} row {refused.Index + 1}: [{column.Name}] {text} → {TestValues.Format(replacement, column.Type).Text} ({column.Type})");
            changed = true;
        }
        return changed;
    }
}
