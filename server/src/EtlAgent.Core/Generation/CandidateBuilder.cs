using System.Globalization;
using EtlAgent.Core.Catalog;
using EtlAgent.Core.Model;
using EtlAgent.Core.Sandbox;

namespace EtlAgent.Core.Generation;

/// <summary>
/// Builds candidate inputs from the catalog and the code facts: base scenarios (a new entity, an
/// unchanged one, one changed in each tracked attribute, one only in the target, empty input) and
/// single-value variations of them (NULLs, boundaries around the other dates of the case and the
/// clock, literals the code compares with, maximum lengths, values that do not convert,
/// duplicates, two matches). Every row satisfies the schema: types, lengths, NOT NULL, keys
/// unique (a candidate whose rows collide is dropped when the sandbox refuses it), foreign-key
/// parents added; identity, sequence and defaulted columns are left to the database.
/// </summary>
public sealed partial class CandidateBuilder
{
    private readonly SchemaCatalog _catalog;
    private readonly CodeFacts _facts;
    private readonly DateTime _clock;
    private readonly Dictionary<string, string> _classOf = new(StringComparer.OrdinalIgnoreCase);
    private readonly IReadOnlyList<ParameterDef> _parameters;

    public static readonly DateTime RecentDate = new(2016, 6, 1, 10, 0, 0);
    public static readonly DateTime OldDate = new(2015, 1, 1);

    public CandidateBuilder(SchemaCatalog catalog, CodeFacts facts, IReadOnlyList<ParameterDef> parameters, DateTime clock)
    {
        _catalog = catalog;
        _facts = facts;
        _clock = clock;
        _parameters = parameters;
        foreach (var (a, b) in facts.Equalities) Union(a, b);
    }

    private string Find(string c)
    {
        while (_classOf.TryGetValue(c, out var p) && !string.Equals(p, c, StringComparison.OrdinalIgnoreCase)) c = p;
        return c;
    }

    private void Union(string a, string b)
    {
        var ra = Find(a); var rb = Find(b);
        if (string.Equals(ra, rb, StringComparison.OrdinalIgnoreCase)) return;
        if (string.Compare(ra, rb, StringComparison.OrdinalIgnoreCase) < 0) _classOf[rb] = ra; else _classOf[ra] = rb;
    }

    /// <summary>Tables the rows go into: read by the code, real tables of the catalog.</summary>
    public IReadOnlyList<TableDef> InputTables => _inputTables ??= _facts.Reads.Concat(_facts.Writes).Distinct().Select(_catalog.Find).Where(t => t is { Kind: TableKind.Table }).Cast<TableDef>().OrderBy(t => t.Name).ToList();

    private IReadOnlyList<TableDef>? _inputTables;

    /// <summary>Candidates <see cref="Build"/> left unprepared because its time was up (0: all of them were prepared).</summary>
    public int NotPrepared { get; private set; }

    /// <summary>A table the code loads: it inserts or merges into it. One it only reads, or updates in place, is a source.</summary>
    private bool IsTarget(TableDef t) => _facts.Writes.Contains(t.Name) && (_facts.Inserted.Contains(t.Name) || !_facts.Reads.Contains(t.Name));

    /// <param name="timeUp">
    /// Asked before each candidate's rows are completed (hashes, parent rows), in the order the
    /// candidates run (<see cref="CandidateOrder"/>): once true, the variations left are not prepared
    /// (<see cref="NotPrepared"/>); the base inputs always are. Null: all are prepared.
    /// </param>
    public IReadOnlyList<Scenario> Build(Func<bool>? timeUp = null)
    {
        var all = new List<Scenario>();
        var sources = InputTables.Where(t => !IsTarget(t)).ToList();
        var targets = InputTables.Where(IsTarget).ToList();

        var empty = new Scenario { Description = "empty input", Arguments = BaseArguments(), Base = BaseInput.Empty };
        all.Add(empty);

        var members = empty.Clone("only the special rows the code looks for");
        foreach (var t in InputTables) AddMemberRows(members, t);
        if (members.Tables.Any(t => t.Rows.Count > 0)) all.Add(members);

        var fresh = members.Clone(targets.Count > 0 ? "a new entity in the source" : "one row in every input");
        fresh.Base = BaseInput.NewEntity;
        foreach (var t in sources) fresh.RowsOf(t.Name).Add(Row(t, 1));
        all.Add(fresh);

        var bases = new List<Scenario> { fresh };
        if (targets.Count > 0 && sources.Count > 0)
        {
            var same = fresh.Clone("an entity already in the target, unchanged");
            foreach (var t in targets) same.RowsOf(t.Name).Add(Row(t, 1));
            all.Add(same);
            bases.Add(same);

            bool firstChange = true;
            foreach (var t in targets)
            foreach (var c in t.Columns)
            {
                if (Skipped(t, c) || c.Type.IsDateTime || IsKeyColumn(t, c)) continue;
                if (!sources.Any(s => s.FindColumn(c.Name) is not null)) continue;
                var changed = same.Clone($"an entity whose [{c.Name}] changed");
                var row = changed.RowsOf(t.Name)[^1];
                row[c.Name] = Other(c, row[c.Name]);
                all.Add(changed);
                if (firstChange) { bases.Add(changed); firstChange = false; }
            }

            all.AddRange(NullOnOneSide(same, sources, targets));

            var gone = members.Clone("an entity only in the target");
            foreach (var t in targets) gone.RowsOf(t.Name).Add(Row(t, 1));
            foreach (var t in sources) gone.RowsOf(t.Name).Add(Row(t, 2));
            all.Add(gone);

            var twoVersions = same.Clone("an entity with two rows in the target");
            foreach (var t in targets)
            {
                var older = Row(t, 1);
                foreach (var c in t.Columns.Where(c => older.GetValueOrDefault(c.Name) is DateTime))
                    older[c.Name] = Shift(c.Type, (DateTime)older[c.Name]!, -365);
                // only where a key lets the entity have two rows (SCD2: the key holds a date)
                var current = twoVersions.RowsOf(t.Name)[^1];
                if (t.Keys.Any(k => k.Columns.All(kc => older.ContainsKey(kc) && Equals(older[kc], current.GetValueOrDefault(kc))))) continue;
                twoVersions.RowsOf(t.Name).Insert(0, older);
            }
            if (twoVersions.Tables.Sum(x => x.Rows.Count) > same.Tables.Sum(x => x.Rows.Count)) all.Add(twoVersions);
        }

        if (sources.Count == 0 && targets.Count > 0 && TargetParameters(targets).Count > 0)
        {
            // driven by its parameters alone (Integration.CompleteLoad): rows already in the targets,
            // the parameters naming one of them or none, so UPDATE/DELETE … WHERE [Key] = @Key and
            // IF EXISTS (… = @Name) take both ways
            var named = members.Clone("an entity already in the target, named by the parameters");
            foreach (var t in targets) named.RowsOf(t.Name).Add(Row(t, 1));
            NameEntity(named, targets, 1);
            all.Add(named);
            bases.Add(named);
            var other = members.Clone("an entity already in the target, not the one the parameters name");
            foreach (var t in targets) other.RowsOf(t.Name).Add(Row(t, 2));
            NameEntity(other, targets, 2, another: true);
            all.Add(other);
            var both = members.Clone("two entities in the target, the parameters naming the second");
            foreach (var t in targets) { both.RowsOf(t.Name).Add(Row(t, 1)); both.RowsOf(t.Name).Add(Row(t, 2)); }
            NameEntity(both, targets, 2);
            all.Add(both);
        }

        var two = fresh.Clone("two entities");
        two.Base = BaseInput.TwoEntities;
        foreach (var t in sources) two.RowsOf(t.Name).Add(Row(t, 2));
        NameBothEntities(two);
        all.Add(two);

        foreach (var b in bases)
        {
            foreach (var t in sources)
            {
                if (t.Keys.Any()) continue;
                var dup = b.Clone($"{b.Description}, staged twice");
                var rows = dup.RowsOf(t.Name);
                if (rows.Count == 0) continue;
                rows.Add(new Dictionary<string, object?>(rows[^1], StringComparer.OrdinalIgnoreCase));
                all.Add(dup);

                var older = b.Clone($"{b.Description}, with an older staged version");
                rows = older.RowsOf(t.Name);
                var copy = new Dictionary<string, object?>(rows[^1], StringComparer.OrdinalIgnoreCase);
                foreach (var c in t.Columns)
                {
                    if (!copy.ContainsKey(c.Name) || IsKeyColumn(t, c)) continue;
                    // staged text keeps to what the load converts it to (as Value chose it), or the older
                    // version fails that conversion and never reaches the code that tells versions apart
                    var conversion = ConvertsTo(c) ?? ClassType(Find(c.Name));
                    if (copy[c.Name] is DateTime d) copy[c.Name] = Shift(c.Type, d, -1);
                    else if (conversion is "date" or "datetime" or "datetime2" && copy[c.Name] is string s && DateTime.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.None, out var sd))
                        copy[c.Name] = sd.AddDays(-1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
                    else if (c.Type.IsString && ConvertsTo(c) is { } to && !new SqlType(to).IsString)
                    {
                        // text the code converts stays text that converts (an older version, not a broken one)
                        if (copy[c.Name] is string text && StepText(c, text, -1) is { } earlier) copy[c.Name] = earlier;
                    }
                    else if (c.Type.IsString && !IsKeyClass(c) && IsNumberType(conversion) && copy[c.Name] is string text
                             && decimal.TryParse(text, NumberStyles.Number, CultureInfo.InvariantCulture, out var number))
                        copy[c.Name] = Fit(c, (number - 1).ToString(CultureInfo.InvariantCulture));
                    else if (c.Type.IsString && !IsKeyClass(c)) copy[c.Name] = Fit(c, "Older " + c.Name);
                    else if (copy[c.Name] is long n && c.Type.Name != "bit") copy[c.Name] = n - 1;
                }
                rows.Insert(0, copy);
                all.Add(older);
            }

            // the new entity varies the sources; the unchanged one the targets and dates; the changed one dates only
            int baseIndex = bases.IndexOf(b);
            foreach (var t in InputTables)
            {
                if (b.RowsOf(t.Name) is not { Count: > 0 } rowsOfT) continue;
                foreach (var c in t.Columns)
                {
                    if (!_facts.MentionedColumns.Contains(c.Name)) continue;
                    bool isDate = c.Type.IsDateTime || ConvertsTo(c) is "date" or "datetime" or "datetime2";
                    if (baseIndex == 1 && !IsTarget(t) && !isDate) continue;
                    if (baseIndex >= 2 && !isDate) continue;
                    if (!rowsOfT[^1].ContainsKey(c.Name))
                    {
                        // a defaulted column: set it to each literal the code compares it with
                        if (c.IsGenerated || c.Sequence is not null) continue;
                        foreach (var lit in _facts.LiteralsOf(t.Name, c.Name))
                        {
                            object? value = lit is decimal d ? (c.Type.Name == "bit" ? d != 0 : c.Type.IsInteger ? (long)d : d) : lit;
                            if (value is string str && (!c.Type.IsString || str.Length > (c.Type.IsMax ? 4000 : c.Type.Length ?? 1))) continue;
                            var v = b.Clone($"{b.Description}, {t.Name} [{c.Name}] set to {Scenario.Fmt(value)} (in the code)");
                            v.RowsOf(t.Name)[^1][c.Name] = value;
                            all.Add(v);
                        }
                        // a defaulted date the code compares (a version's [Valid To], 9999-12-31 by
                        // default): at and around the other dates of the input, in the first base only
                        if (isDate && baseIndex == 0)
                            foreach (var (value, label) in Variations(b, t, c))
                            {
                                var v = b.Clone($"{b.Description}, {t.Name} [{c.Name}] {label}");
                                v.RowsOf(t.Name)[^1][c.Name] = value;
                                all.Add(v);
                            }
                        continue;
                    }
                    foreach (var (value, label) in Variations(b, t, c, full: baseIndex == 0 || !IsTarget(t)))
                    {
                        var v = b.Clone($"{b.Description}, {t.Name} [{c.Name}] {label}");
                        v.RowsOf(t.Name)[^1][c.Name] = value;
                        all.Add(v);
                    }
                }
            }

            foreach (var p in _parameters.Where(p => !p.IsOutput))
            foreach (var (value, label) in ParameterVariations(b, p))
            {
                var v = b.Clone($"{b.Description}, {p.Name} {label}");
                var i = v.Arguments.FindIndex(a => string.Equals(a.Key, p.Name, StringComparison.OrdinalIgnoreCase));
                if (i >= 0) v.Arguments[i] = new(p.Name, value); else v.Arguments.Add(new(p.Name, value));
                all.Add(v);
            }

            // a parameter the code inserts into a foreign key, naming no parent row: the insert fails (547)
            // where the others get past it, so what the code does on that failure (a CATCH block that
            // rolls back and logs) runs with its transaction open
            if (baseIndex == 0)
                foreach (var p in _parameters.Where(p => !p.IsOutput))
                foreach (var parent in ParentTablesOf(p.Name))
                {
                    var v = b.Clone($"{b.Description}, {p.Name} naming no row of {parent} (its foreign key's parent)");
                    v.WithoutParents.Add(p.Name);
                    all.Add(v);
                }
        }

        foreach (var s in all) s.Structural = !s.Description.Contains('[') || s.Description.StartsWith("an entity whose", StringComparison.Ordinal) && !s.Description.Contains(", ", StringComparison.Ordinal);
        if (_facts.AsksForTransaction) all.AddRange(InTransaction(all.Where(s => s.Base is not null || bases.Contains(s)).ToList()));
        // completing the rows (parents of parents on a large catalog) is most of the cost: in the order
        // the candidates run, so a cap that comes first leaves out the variations that would run last
        var prepared = new bool[all.Count];
        foreach (var i in CandidateOrder.Informative(all))
        {
            var s = all[i];
            if (!s.Structural && timeUp?.Invoke() == true) break;
            StoredHash.Fill(s, _catalog, _facts.StoredHashes, Find);
            AddParameterParents(s);
            AddParents(s);
            prepared[i] = true;
        }
        NotPrepared = prepared.Count(p => !p);
        var seen = new HashSet<string>();
        return all.Where((s, i) => prepared[i] && seen.Add(s.Key())).ToList();
    }

    /// <summary>
    /// An entity already in the target whose column, compared with the source's by = or &lt;&gt;
    /// (s.[City] &lt;&gt; d.[City]), is NULL on one side: the comparison is unknown there, so change
    /// detection written that way misses the change. One candidate per side that allows NULL.
    /// </summary>
    private IEnumerable<Scenario> NullOnOneSide(Scenario same, IReadOnlyList<TableDef> sources, IReadOnlyList<TableDef> targets)
    {
        foreach (var t in targets)
        foreach (var c in t.Columns)
        {
            if (!_facts.ColumnToColumn.Contains(c.Name) || Skipped(t, c) || IsKeyColumn(t, c)) continue;
            var inSources = sources.Where(s => s.FindColumn(c.Name) is { } sc && !Skipped(s, sc)).ToList();
            if (inSources.Count == 0) continue;
            if (c.Nullable && same.RowsOf(t.Name) is [.., var targetRow] && targetRow.ContainsKey(c.Name))
            {
                var v = same.Clone($"an entity whose [{c.Name}] is NULL in the target");
                v.RowsOf(t.Name)[^1][c.Name] = null;
                yield return v;
            }
            foreach (var s in inSources)
            {
                if (s.FindColumn(c.Name) is not { Nullable: true } || same.RowsOf(s.Name) is not [.., var sourceRow] || !sourceRow.ContainsKey(c.Name)) continue;
                var v = same.Clone($"an entity whose [{c.Name}] is NULL in {s.Name}");
                v.RowsOf(s.Name)[^1][c.Name] = null;
                yield return v;
            }
        }
    }

    /// <summary>Parameters the code compares with a column of a target, with the first such table and column.</summary>
    private Dictionary<string, (TableDef Table, ColumnDef Column)> TargetParameters(IReadOnlyList<TableDef> targets)
    {
        var found = new Dictionary<string, (TableDef, ColumnDef)>(StringComparer.OrdinalIgnoreCase);
        foreach (var p in _parameters.Where(p => !p.IsOutput && _catalog.FindTableType(p.Type) is null))
        foreach (var column in _facts.ParameterColumns.GetValueOrDefault(p.Name) ?? new List<string>())
        foreach (var t in targets)
            if (!found.ContainsKey(p.Name) && t.FindColumn(column) is { } c && Comparable(p.Type, c.Type)) found[p.Name] = (t, c);
        return found;
        static bool Comparable(SqlType a, SqlType b) =>
            a.IsString == b.IsString && a.IsNumeric == b.IsNumeric && a.IsDateTime == b.IsDateTime;
    }

    /// <summary>
    /// Sets each parameter compared with a target column to that column's value in the row of
    /// <paramref name="entity"/>: the value the row holds, or for an identity column the value the
    /// database gives it (rows are inserted in order, after any explicit values; from the column's seed and increment).
    /// With <paramref name="another"/>, a different value of the same type: no row is named.
    /// </summary>
    private void NameEntity(Scenario s, IReadOnlyList<TableDef> targets, int entity, bool another = false)
    {
        foreach (var (parameter, (table, column)) in TargetParameters(targets))
        {
            var rows = s.RowsOf(table.Name);
            var mine = Row(table, entity);
            int index = rows.FindLastIndex(r => r.Keys.All(k => Equals(r[k], mine.GetValueOrDefault(k))) && r.Count == mine.Count);
            if (index < 0) continue;
            object? value;
            if (rows[index].TryGetValue(column.Name, out var held)) value = held;
            else if (column.Identity)
            {
                // after explicit values the next identity follows the highest; else it starts at the seed
                var explicitValues = rows.Take(index).Select(r => r.GetValueOrDefault(column.Name)).Where(v => v is not null)
                    .Select(v => Convert.ToInt64(v, CultureInfo.InvariantCulture)).ToList();
                long last = explicitValues.Count > 0 ? explicitValues.Max() : column.IdentitySeed - column.IdentityIncrement;
                value = last + (rows.Take(index).Count(r => !r.ContainsKey(column.Name)) + 1) * column.IdentityIncrement;
            }
            else continue;
            if (another) value = Other(column, value);
            var i = s.Arguments.FindIndex(a => string.Equals(a.Key, parameter, StringComparison.OrdinalIgnoreCase));
            if (i >= 0) s.Arguments[i] = new(parameter, value); else s.Arguments.Add(new(parameter, value));
        }
    }

    /// <summary>A JSON document of the shape the code reads from a string parameter (see <see cref="JsonShape"/>); null if it reads none or it does not fit.</summary>
    private string? JsonArgument(ParameterDef p, bool numbersAsText = false)
    {
        if (!p.Type.IsString || !_facts.JsonParameters.TryGetValue(p.Name, out var shape)) return null;
        var json = shape.Value(numbersAsText);
        return p.Type.IsMax || json.Length <= (p.Type.Length ?? 1) ? json : null;
    }

    private List<KeyValuePair<string, object?>> BaseArguments()
    {
        var args = new List<KeyValuePair<string, object?>>();
        int dates = 0;
        foreach (var p in _parameters.Where(p => !p.IsOutput))
        {
            // a parameter a filter compares with a column: the value that lets the first entity's rows through
            if (TryFilterValue(p, out var filterValue)) { args.Add(new(p.Name, filterValue)); continue; }
            if (p.Default is not null && !NullInsertedIntoRequiredColumn(p)) continue;
            // a guard listing the values it accepts (@Status NOT IN ('Succeeded', 'Failed') THROW …): the first of them
            if (ListedValue(p) is { } listed) { args.Add(new(p.Name, listed)); continue; }
            if (_catalog.FindTableType(p.Type) is { } tableType)
            {
                // the keys of the entity the base scenarios load, so the code's joins with them match
                args.Add(new(p.Name, TableTypeRows(tableType, 1)));
                continue;
            }
            object? v = p.Type.IsDateTime ? (object)new DateTime(2016, 1, 1).AddDays(dates++ * 30)
                : p.Type.Name == "bit" ? true
                : DateCodedInteger.Is(p.Name, p.Type) ? DateCodedInteger.ForEntity(1)
                : p.Type.IsNumeric ? (object)(p.Type.IsInteger ? 1L : 1m)
                : p.Type.IsString ? JsonArgument(p) ?? Fit(p.Type, p.Name.TrimStart('@'))
                : null;
            args.Add(new(p.Name, CheckedValue(p, v)));
        }
        return args;
    }

    /// <summary>
    /// A parameter that defaults to NULL and that the code inserts into a column that allows no NULL
    /// (@SetDate datetime = NULL … INSERT … (StartTime) VALUES (@SetDate)): left out, every call fails
    /// with error 515 (a column default does not apply to a NULL inserted explicitly), so the base
    /// inputs give it a value (its NULL variation still shows the error).
    /// </summary>
    private bool NullInsertedIntoRequiredColumn(ParameterDef p)
    {
        var text = p.Default!.Trim();
        while (text.Length > 1 && text[0] == '(' && text[^1] == ')') text = text[1..^1].Trim();
        if (!text.Equals("NULL", StringComparison.OrdinalIgnoreCase)) return false;
        return (_facts.InsertedVariables.GetValueOrDefault(p.Name) ?? new List<(QualifiedName, string)>())
            .Any(x => _catalog.Find(x.Table)?.FindColumn(x.Column) is { Nullable: false, Identity: false });
    }

    /// <summary>
    /// Rows of a table-valued parameter, one per entity: each column gets the value the same-named
    /// (or joined) columns of the tables get for that entity, so the rows match those tables' rows.
    /// A column joined with an identity column gets a second row holding the identity the database
    /// gives that entity's row (rows are inserted in entity order, from its seed and increment), since the
    /// generator leaves identity columns out of the rows it writes.
    /// </summary>
    private List<SandboxRow> TableTypeRows(TableDef tableType, params int[] entities)
    {
        var rows = new List<SandboxRow>();
        foreach (var e in entities)
        {
            var row = new SandboxRow();
            foreach (var c in tableType.Columns.Where(c => !Skipped(tableType, c))) row[c.Name] = Value(tableType, c, e);
            rows.Add(row);
            foreach (var c in tableType.Columns.Where(c => c.Type.IsInteger && JoinedIdentity(c) is not null))
            {
                var identity = JoinedIdentity(c)!;
                rows.Add(new SandboxRow(row) { [c.Name] = identity.IdentitySeed + (e - 1) * identity.IdentityIncrement });
            }
        }
        return rows;
    }

    /// <summary>The identity column of an input table that <paramref name="c"/> is joined with, if any.</summary>
    private ColumnDef? JoinedIdentity(ColumnDef c) =>
        InputTables.SelectMany(t => t.Columns).FirstOrDefault(o => o.Identity && string.Equals(Find(o.Name), Find(c.Name), StringComparison.OrdinalIgnoreCase));

    private IEnumerable<(object? Value, string Label)> ParameterVariations(Scenario b, ParameterDef p)
    {
        if (_catalog.FindTableType(p.Type) is { } tableType)
        {
            yield return (new List<SandboxRow>(), "with no rows");
            yield return (TableTypeRows(tableType, 2), "holding the second entity only");
            yield return (TableTypeRows(tableType, 1, 2), "holding both entities");
            yield return (TableTypeRows(tableType, 99), "matching no row");
            yield break;
        }
        yield return (null, "NULL");
        foreach (var v in FilterVariations(p)) yield return v;
        foreach (var v in TestedValueVariations(b, p)) yield return v;
        if (JsonArgument(p) is not null)
        {
            if (JsonArgument(p, numbersAsText: true) is { } text) yield return (text, "with numbers as text in its JSON");
            yield return (Fit(p.Type, "not JSON"), "not JSON");
        }
        if (p.Type.IsDateTime)
        {
            foreach (var other in b.Arguments.Where(a => a.Value is DateTime && !string.Equals(a.Key, p.Name, StringComparison.OrdinalIgnoreCase)))
            {
                var d = (DateTime)other.Value!;
                yield return (d, $"equal to {other.Key}");
                yield return (Shift(p.Type, d, -1), $"just before {other.Key}");
                yield return (Shift(p.Type, d, 1), $"just after {other.Key}");
            }
            yield return (new DateTime(2016, 2, 29), "on a leap day");
            yield return (new DateTime(2016, 12, 31), "at the end of a year");
        }
        else if (DateCodedInteger.Is(p.Name, p.Type))
        {
            // a yyyymmdd day: the next day, a leap day, and 0 (the unknown member of a calendar)
            yield return (DateCodedInteger.ForEntity(2), "the next day");
            yield return (DateCodedInteger.Of(new DateTime(2016, 2, 29)), "on a leap day");
            yield return (0L, "zero");
        }
        else if (p.Type.IsNumeric && p.Type.Name != "bit")
        {
            yield return (p.Type.IsInteger ? 0L : 0m, "zero");
            // tinyint holds no negative value: the call itself would fail (error 245)
            if (p.Type.Name != "tinyint") yield return (p.Type.IsInteger ? -1L : -1m, "negative");
        }
        else if (p.Type.Name == "bit") yield return (false, "false");
    }

    private IEnumerable<(object? Value, string Label)> Variations(Scenario b, TableDef t, ColumnDef c, bool full = true)
    {
        if (!full && !(c.Type.IsDateTime || _facts.ColumnLiterals.ContainsKey(c.Name))) yield break;
        if (c.Nullable) yield return (null, "is NULL");
        var conversion = ConvertsTo(c);
        if (c.Type.Name is "time" or "datetimeoffset") yield break;
        if (c.Type.IsDateTime || conversion is "date" or "datetime" or "datetime2" or "smalldatetime")
        {
            if (!_facts.ComparedColumns.Contains(c.Name) && !_facts.ComparedColumns.Contains(Find(c.Name))) yield break;
            var type = c.Type.IsDateTime ? c.Type : new SqlType(conversion!);
            var marks = new List<(DateTime, string)> { (_clock, "the clock") };
            foreach (var (table, rows) in b.Tables)
            foreach (var row in rows)
            foreach (var (name, value) in row)
                if (value is DateTime d && !(table == t.Name && string.Equals(name, c.Name, StringComparison.OrdinalIgnoreCase)) && d.Year < 9000)
                    marks.Add((d, $"{table} [{name}]"));
            foreach (var d in _facts.DateLiterals.Where(d => d.Year < 9000)) marks.Add((d, $"the date {d:yyyy-MM-dd} in the code"));
            var done = new HashSet<DateTime>();
            var days = new HashSet<long>();
            foreach (var (mark, what) in marks)
            {
                foreach (var (delta, label) in new[] { (0, "equal to"), (-1, "just before"), (1, "just after") })
                {
                    var v = Shift(type, mark, delta);
                    if (!done.Add(v)) continue;
                    object value = c.Type.IsString ? v.ToString(type.Name == "date" ? "yyyy-MM-dd" : "yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture)
                        : c.Type.IsInteger ? DateCodedInteger.Of(v) : v;
                    // a yyyymmdd integer holds days: one value per day (none in a type too small to hold one)
                    if (c.Type.IsInteger && (c.Type.Name is not ("int" or "bigint") || !days.Add((long)value))) continue;
                    yield return (value, $"{label} {what}");
                }
            }
            if (c.Type.IsString) yield return (Fit(c, "not a date"), "not a date");
            yield break;
        }
        if (c.Type.IsNumeric || IsNumberType(conversion))
        {
            var current = b.RowsOf(t.Name)[^1][c.Name];
            var values = new List<(decimal, string)> { (0, "zero"), (-1, "negative") };
            foreach (var lit in _facts.LiteralsOf(t.Name, c.Name).OfType<decimal>())
            {
                values.Add((lit, $"equal to {lit} (in the code)"));
                values.Add((lit - 1, $"just below {lit}"));
                values.Add((lit + 1, $"just above {lit}"));
            }
            foreach (var (v, label) in values)
            {
                object? value = c.Type.IsString ? Fit(c, v.ToString(CultureInfo.InvariantCulture))
                    : c.Type.Name == "bit" ? (v == 0 ? false : v == 1 ? true : null)
                    : c.Type.IsInteger ? (object)(long)v : v;
                if (value is null || Equals(value, current)) continue;
                if (c.Type.Name == "tinyint" && v < 0) continue;
                yield return (value, label);
            }
            if (c.Type.IsString) yield return (Fit(c, "n/a"), "not a number");
            yield break;
        }
        if (c.Type.IsString)
        {
            var length = c.Type.IsMax ? 200 : c.Type.Length ?? 1;
            yield return (new string('W', length), "at its maximum length");
            yield return ("", "empty");
            if (length >= 4) yield return (Fit(c, "  " + b.RowsOf(t.Name)[^1][c.Name] + "  "), "with surrounding spaces");
            if (c.Type.IsUnicode && length >= 6) yield return ("Zoë 名", "unicode");
            foreach (var lit in _facts.LiteralsOf(t.Name, c.Name).OfType<string>().Take(4))
                if (lit.Length <= length) yield return (lit, $"'{lit}' (in the code)");
        }
    }

    /// <summary>Rows with a key column set to a literal the code compares it with (the unknown member, key 0).</summary>
    private void AddMemberRows(Scenario s, TableDef t)
    {
        foreach (var c in t.Columns)
        {
            if (!t.Keys.Any(k => k.Columns.Count == 1 && k.Columns[0].Equals(c.Name, StringComparison.OrdinalIgnoreCase)) || c.Type.IsString) continue;
            foreach (var lit in _facts.LiteralsOf(t.Name, c.Name).OfType<decimal>())
            {
                var row = Row(t, 0);
                row[c.Name] = c.Type.IsInteger ? (object)(long)lit : lit;
                s.RowsOf(t.Name).Add(row);
            }
        }
    }
}
