using System.Globalization;
using EtlAgent.Core.Catalog;
using EtlAgent.Core.Model;

namespace EtlAgent.Core.Generation;

// The rows and values of candidates: one row per entity, each value fitting its column, foreign-key parents added.
public sealed partial class CandidateBuilder
{
    /// <summary>A row of entity <paramref name="entity"/>: same-named columns get the same value in every table.</summary>
    public Dictionary<string, object?> Row(TableDef t, int entity)
    {
        var row = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
        foreach (var c in t.Columns)
        {
            if (Skipped(t, c) && !ExplicitIdentity(t, c)) continue;
            row[c.Name] = Value(t, c, entity);
        }
        SatisfyChecks(t, row);
        SatisfyParentChecks(t, row);
        SatisfyWrittenChecks(t, row);
        return row;
    }

    /// <summary>
    /// A source row's columns that share a name with a column of a table the code writes obey that
    /// table's checks ([Target Stock Level] &gt;= [Reorder Level], [Reorder Level] &gt;= 0), numbers held as
    /// text included (a staging table of strings converted on the way in): otherwise the base input of
    /// every such load stops at error 547 and no case runs past it. Column facts go by name, as elsewhere.
    /// </summary>
    private void SatisfyWrittenChecks(TableDef t, Dictionary<string, object?> row)
    {
        if (IsTarget(t)) return;
        foreach (var name in _facts.Writes)
        {
            if (name == t.Name || _catalog.Find(name) is not { Checks.Count: > 0 } written) continue;
            // the written table's view of the row: its columns, numbers read out of numeric text
            var view = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
            var text = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var (column, value) in row)
            {
                if (written.FindColumn(column) is not { Type.IsNumeric: true } wc || wc.Type.Name == "bit") continue;
                if (value is long or decimal) view[column] = value;
                else if (value is string str && decimal.TryParse(str, NumberStyles.Number, CultureInfo.InvariantCulture, out var d))
                {
                    view[column] = wc.Type.IsInteger && d == decimal.Truncate(d) ? (long)d : d;
                    text.Add(column);
                }
            }
            if (view.Count == 0) continue;
            var before = view.ToDictionary(x => x.Key, x => x.Value, StringComparer.OrdinalIgnoreCase);
            SatisfyChecks(written, view);
            foreach (var (column, value) in view)
            {
                if (Equals(value, before[column]) || t.FindColumn(column) is not { } sc) continue;
                if (text.Contains(column))
                {
                    var str = Convert.ToString(value, CultureInfo.InvariantCulture)!;
                    if (sc.Type.IsMax || str.Length <= (sc.Type.Length ?? 1)) row[column] = str;
                }
                else row[column] = sc.Type.IsInteger ? Convert.ToInt64(value, CultureInfo.InvariantCulture) : Convert.ToDecimal(value, CultureInfo.InvariantCulture);
            }
        }
    }

    /// <summary>
    /// A foreign-key column holds a value its parent's key may take: the parent row is made with the
    /// child's value (AddParents), so the parent's checks on that key column apply to the child's.
    /// </summary>
    private void SatisfyParentChecks(TableDef t, Dictionary<string, object?> row)
    {
        foreach (var fk in t.ForeignKeys)
        {
            if (fk.Columns.Count != 1 || fk.ReferencedTable == t.Name || _catalog.Find(fk.ReferencedTable) is not { Checks.Count: > 0 } parent) continue;
            if (!row.TryGetValue(fk.Columns[0], out var value) || value is null) continue;
            var parentKey = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase) { [fk.ReferencedColumns[0]] = value };
            SatisfyConstantChecks(parent, parentKey);
            row[fk.Columns[0]] = parentKey[fk.ReferencedColumns[0]];
        }
    }

    /// <summary>
    /// An identity key of a table the code loads that the code matches with a column of a source
    /// (MERGE … ON d.[Product Key] = s.[Product Key]): the target's rows hold explicit values, the
    /// ones the source rows carry, so an entity already in the target is found. Left to the database,
    /// the identity would never equal the source's key.
    /// </summary>
    private bool ExplicitIdentity(TableDef t, ColumnDef c)
    {
        if (!c.Identity || !IsTarget(t) || !_facts.ComparedColumns.Contains(c.Name)) return false;
        var cls = Find(c.Name);
        return InputTables.Any(s => s.Name != t.Name && !IsTarget(s)
            && s.Columns.Any(o => !o.IsGenerated && string.Equals(Find(o.Name), cls, StringComparison.OrdinalIgnoreCase)));
    }

    /// <summary>
    /// The value the generator gives column <paramref name="c"/> in a row of entity
    /// <paramref name="entity"/> (null when it has none for the type), e.g. for a column added to a
    /// table that an existing test file fills.
    /// </summary>
    public object? ValueFor(TableDef t, ColumnDef c, int entity) => Value(t, c, entity);

    public SchemaCatalog Catalog => _catalog;

    private static readonly System.Text.RegularExpressions.Regex CheckTerm = new(
        @"\[(?<col>[^\]]+)\]\s*(?:(?<op>>=|<=|<>|>|<)\s*\(*\s*(?<v>-?\d+(?:\.\d+)?)|BETWEEN\s+\(*\s*(?<lo>-?\d+)\s*\)*\s+AND\s+\(*\s*(?<hi>-?\d+)|IN\s*\((?<list>[^)]*)\))",
        System.Text.RegularExpressions.RegexOptions.IgnoreCase | System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    private static readonly System.Text.RegularExpressions.Regex ColumnComparison = new(
        @"\[(?<a>[^\]]+)\]\s*(?<op>>=|<=|>|<)\s*\[(?<b>[^\]]+)\]",
        System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    /// <summary>
    /// Moves numeric values into the simple check constraints of the table (BETWEEN, comparisons
    /// with constants, IN lists; constants may be parenthesised, as SQL Server scripts a check back), then column-to-column comparisons ([Target Stock Level] >=
    /// [Reorder Level]): the left column moves to the right one's value (one past it when strict).
    /// </summary>
    private static void SatisfyChecks(TableDef t, Dictionary<string, object?> row)
    {
        SatisfyConstantChecks(t, row);
        foreach (var check in t.Checks)
        foreach (System.Text.RegularExpressions.Match m in ColumnComparison.Matches(check.Expression))
        {
            string a = m.Groups["a"].Value, b = m.Groups["b"].Value;
            if (row.GetValueOrDefault(a) is not (long or decimal) || row.GetValueOrDefault(b) is not (long or decimal) || t.FindColumn(a) is not { } def) continue;
            var x = Convert.ToDecimal(row[a], CultureInfo.InvariantCulture);
            var y = Convert.ToDecimal(row[b], CultureInfo.InvariantCulture);
            decimal? moved = m.Groups["op"].Value switch
            {
                ">=" when x < y => y, ">" when x <= y => y + 1, "<=" when x > y => y, "<" when x >= y => y - 1, _ => null,
            };
            if (moved is { } v) row[a] = ToColumn(def, v);
        }
    }

    private static readonly System.Text.RegularExpressions.Regex EqualsTerm = new(
        @"\[(?<col>[^\]]+)\]\s*=\s*\(*\s*(?:N?'(?<s>[^']*)'|(?<n>-?\d+(?:\.\d+)?))",
        System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    /// <summary>
    /// The values a check allows its column when it is a list of alternatives
    /// ([Flag]='H' OR [Flag]='L'): the column and the values, else null.
    /// </summary>
    internal static (string Column, List<string> Values)? Alternatives(CheckDef check)
    {
        if (check.Expression.Contains(" AND ", StringComparison.OrdinalIgnoreCase) || check.Expression.Contains("<>", StringComparison.Ordinal)) return null;
        var terms = EqualsTerm.Matches(check.Expression);
        if (terms.Count == 0) return null;
        var column = terms[0].Groups["col"].Value;
        if (terms.Any(m => !string.Equals(m.Groups["col"].Value, column, StringComparison.OrdinalIgnoreCase))) return null;
        return (column, terms.Select(m => m.Groups["s"].Success ? m.Groups["s"].Value : m.Groups["n"].Value).ToList());
    }

    /// <summary>
    /// The allowed value a column outside its check's list moves to: the first, unless the column is
    /// part of a key, where rows that differed must still differ (the value is picked by the one it had).
    /// </summary>
    private static string AllowedFor(TableDef t, string column, List<string> allowed, object current)
    {
        if (!t.Keys.Any(k => k.Columns.Contains(column, StringComparer.OrdinalIgnoreCase))) return allowed[0];
        long spread = current switch
        {
            long n => n,
            decimal d => (long)decimal.Truncate(d),
            _ => Scenario.Fmt(current).Aggregate(0L, (h, ch) => h * 31 + ch),
        };
        return allowed[(int)(Math.Abs(spread % allowed.Count))];
    }

    private static void SatisfyConstantChecks(TableDef t, Dictionary<string, object?> row)
    {
        foreach (var check in t.Checks)
        {
            if (Alternatives(check) is not var (col, values) || !row.TryGetValue(col, out var current) || current is null || t.FindColumn(col) is not { } def) continue;
            if (values.Contains(Scenario.Fmt(current), StringComparer.OrdinalIgnoreCase)) continue;
            var allowed = AllowedFor(t, col, values, current);
            row[col] = def.Type.IsString ? allowed : decimal.TryParse(allowed, NumberStyles.Number, CultureInfo.InvariantCulture, out var d) ? ToColumn(def, d) : current;
        }
        foreach (var check in t.Checks)
        foreach (System.Text.RegularExpressions.Match m in CheckTerm.Matches(check.Expression))
        {
            var col = m.Groups["col"].Value;
            if (!row.TryGetValue(col, out var current) || current is null) continue;
            var def = t.FindColumn(col);
            if (def is null) continue;
            if (m.Groups["list"].Success)
            {
                var items = m.Groups["list"].Value.Split(',').Select(x => x.Trim().Trim('\'', 'N').Trim('\'')).ToList();
                if (items.Count == 0) continue;
                var text = Scenario.Fmt(current);
                if (items.Contains(text, StringComparer.OrdinalIgnoreCase)) continue;
                var item = AllowedFor(t, col, items, current);
                row[col] = def.Type.IsString ? item : ToColumn(def, decimal.Parse(item, CultureInfo.InvariantCulture));
                continue;
            }
            if (current is not (long or decimal)) continue;
            var n = Convert.ToDecimal(current, CultureInfo.InvariantCulture);
            decimal? fixedValue = null;
            if (m.Groups["lo"].Success)
            {
                var lo = decimal.Parse(m.Groups["lo"].Value, CultureInfo.InvariantCulture);
                var hi = decimal.Parse(m.Groups["hi"].Value, CultureInfo.InvariantCulture);
                if (n < lo || n > hi) fixedValue = Math.Min(hi, Math.Max(lo, lo + Math.Abs(n) % (hi - lo + 1)));
            }
            else
            {
                var v = decimal.Parse(m.Groups["v"].Value, CultureInfo.InvariantCulture);
                fixedValue = m.Groups["op"].Value switch
                {
                    ">=" when n < v => v, ">" when n <= v => v + 1, "<=" when n > v => v, "<" when n >= v => v - 1, "<>" when n == v => v + 1, _ => null,
                };
            }
            if (fixedValue is { } f) row[col] = ToColumn(def, f);
        }
    }

    /// <summary>[Valid From] of a table that also has [Valid To]: the start of a validity window.</summary>
    private static bool IsWindowStart(TableDef t, ColumnDef c) =>
        ValidityWindow.Of(t) is { } w && string.Equals(w.From.Name, c.Name, StringComparison.OrdinalIgnoreCase);

    private static object ToColumn(ColumnDef c, decimal v) => c.Type.IsInteger ? (object)(long)v : v;

    /// <summary>
    /// Columns the rows leave to the database: computed, sequence and defaulted ones — but not a
    /// defaulted column the code sets to its default (UPDATE … SET [IsLatest] = 0 with DEFAULT 0: rows
    /// at the default would hide the update), nor one it compares with a parameter (WHERE
    /// [IcrtProcessName] = @IcrtProcessName with DEFAULT '': a parameter can name the row only by a
    /// value it holds); those get a value like any other (<see cref="BitValue"/>).
    /// </summary>
    private bool Skipped(TableDef t, ColumnDef c) =>
        c.IsGenerated || c.Sequence is not null || (c.Default is not null && !IsKeyColumn(t, c) && !SetToItsDefault(c) && !ComparedWithParameter(c));

    private bool ComparedWithParameter(ColumnDef c) =>
        _parameters.Any(p => !p.IsOutput && ((_facts.ParameterColumns.GetValueOrDefault(p.Name)?.Contains(c.Name, StringComparer.OrdinalIgnoreCase) ?? false)
            || (_facts.ParameterFlowColumns.GetValueOrDefault(p.Name)?.Contains(c.Name, StringComparer.OrdinalIgnoreCase) ?? false)));

    /// <summary>The code assigns the column a literal equal to its default (DEFAULT (0) and SET [IsLatest] = 0).</summary>
    private bool SetToItsDefault(ColumnDef c)
    {
        if (c.Default is null || _facts.AssignedLiterals.GetValueOrDefault(c.Name) is not { Count: > 0 } assigned) return false;
        var text = c.Default.Trim();
        while (text.Length > 1 && text[0] == '(' && text[^1] == ')') text = text[1..^1].Trim();
        if (text.Length > 1 && text[0] == '\'' && text[^1] == '\'') text = text[1..^1];
        else if (text.StartsWith("N'", StringComparison.OrdinalIgnoreCase) && text.EndsWith('\'')) text = text[2..^1];
        return assigned.Any(v => v switch
        {
            decimal d => decimal.TryParse(text, NumberStyles.Number, CultureInfo.InvariantCulture, out var n) && n == d,
            string str => string.Equals(str, text, StringComparison.OrdinalIgnoreCase),
            _ => false,
        });
    }

    private static bool IsSingleKey(TableDef t, ColumnDef c) =>
        t.Keys.Any(k => k.Columns.Count == 1 && string.Equals(k.Columns[0], c.Name, StringComparison.OrdinalIgnoreCase));

    private static bool IsKeyColumn(TableDef t, ColumnDef c) =>
        t.Keys.Any(k => k.Columns.Contains(c.Name, StringComparer.OrdinalIgnoreCase)) ||
        t.ForeignKeys.Any(k => k.Columns.Contains(c.Name, StringComparer.OrdinalIgnoreCase));

    private bool IsKeyClass(ColumnDef c) =>
        !string.Equals(Find(c.Name), c.Name, StringComparison.OrdinalIgnoreCase) || _classOf.ContainsKey(c.Name)
        || c.Name.EndsWith("Code", StringComparison.OrdinalIgnoreCase) || c.Name.EndsWith("ID", StringComparison.OrdinalIgnoreCase)
        || c.Name.EndsWith("Key", StringComparison.OrdinalIgnoreCase) || c.Name.EndsWith("Number", StringComparison.OrdinalIgnoreCase);

    /// <summary>Whether a conversion target (CAST … AS int) is a number type.</summary>
    private static bool IsNumberType(string? type) =>
        type is "int" or "bigint" or "smallint" or "tinyint" or "decimal" or "numeric" or "money" or "smallmoney" or "float" or "real";

    private string? ConvertsTo(ColumnDef c) =>
        _facts.Conversions.GetValueOrDefault(c.Name) ?? _facts.Conversions.GetValueOrDefault(Find(c.Name));

    private object? Value(TableDef t, ColumnDef c, int entity)
    {
        var name = Find(c.Name);
        var target = IsTarget(t);
        if (FilterValue(t, c) is { } filtered) return filtered;
        // a literal only a CASE tests is a special value the code maps: the variations hold it, a base row holds an ordinary one
        if (c.Type.IsString && _facts.LiteralsOf(t.Name, c.Name).OfType<string>().Where(l => l.Length <= (c.Type.IsMax ? 4000 : c.Type.Length ?? 1) && !_facts.CaseOnlyLiterals.Contains((c.Name, l))).ToList() is [_, ..] literals)
        {
            // a key column holds a literal once: entity n takes the n-th ('OVERRIDE', then 'DEFAULT'),
            // the others their own value, or two entities' rows stop every input with 2627
            if (!IsSingleKey(t, c)) return literals[0];
            if (entity >= 1 && entity <= literals.Count) return literals[entity - 1];
        }
        var conversion = ConvertsTo(c) ?? ClassType(name);
        // an integer the code converts to a date, or named as a date key: a yyyymmdd day, never a date value in an int column
        if (c.Type.IsInteger && c.Type.Name != "bit" && (DateCodedInteger.Is(c.Name, c.Type) || conversion is "date" or "datetime" or "datetime2" or "smalldatetime"))
            return c.Type.Name is "int" or "bigint" ? DateCodedInteger.ForEntity(entity) : (long)(entity * 10 + StableHash(name) % 9 + 1);
        if (c.Type.IsDateTime || conversion is "date" or "datetime" or "datetime2" or "smalldatetime")
        {
            // a version the input reads began long before the rows that look it up, so that the end
            // of its window can be moved onto their dates (the window [From, To) stays valid)
            var d = target || IsWindowStart(t, c) ? OldDate : RecentDate;
            // the special (member) rows live long before; entities of a table keyed by a date need their own day
            if (entity == 0) d = d.AddDays(-400);
            else if (t.Keys.Any(k => k.Columns.Contains(c.Name, StringComparer.OrdinalIgnoreCase) && k.Columns.All(kc => t.FindColumn(kc)?.Type.IsDateTime ?? false)))
                d = d.AddDays(entity - 1);
            var type = c.Type.IsDateTime ? c.Type : new SqlType(conversion!);
            if (type.Name == "date") d = d.Date;
            if (type.Name == "time") return d.TimeOfDay;
            if (c.Type.IsString) return d.ToString(type.Name == "date" ? "yyyy-MM-dd" : "yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture);
            return type.Name == "datetimeoffset" ? new DateTimeOffset(d, TimeSpan.Zero) : (object)d;
        }
        if (c.Type.Name == "bit") return BitValue(c);
        int h = StableHash(name) % 9 + 1;
        if (c.Type.IsNumeric || IsNumberType(conversion))
        {
            decimal n = IsKeyClass(c) ? 1000 + entity : entity * 10 + h;
            if (c.Type.IsString) return Fit(c, n.ToString(CultureInfo.InvariantCulture));
            if (c.Type.IsInteger) return c.Type.Name == "tinyint" ? (long)(entity * 10 + h) : (long)n;
            return c.Type.IsDecimal && c.Type.Scale is > 0 ? n + h / 4m : n;
        }
        // a value a parameter names after the code reshaped it (spaces removed, a list split on commas): letters and digits only
        if (c.Type.IsString && (_facts.TokenColumns.Contains(c.Name) || _facts.TokenColumns.Contains(name)))
            return Fit(c, new string(name.Where(char.IsLetterOrDigit).ToArray()) + entity.ToString(CultureInfo.InvariantCulture));
        if (c.Type.IsString) return Fit(c, $"{name} {entity}");
        if (c.Type.Name == "uniqueidentifier") return new Guid(entity, 0, 0, new byte[8]);
        if (c.Type.IsBinary) return new byte[] { (byte)entity };
        return null;
    }

    /// <summary>
    /// The literal the code tests the column equal to (WHERE s.[Status] = 3 AND s.[Kind] = 'X'), in the
    /// column's type, so a row meets all such filters at once; null when there is none, it does not
    /// convert, the code assigns the column, or the column alone keys the table (two entities would collide).
    /// </summary>
    private object? FilterValue(TableDef t, ColumnDef c)
    {
        // a column the code itself sets (UPDATE … SET [Is Orphan] = 1) is filtered to read its own result: BitValue decides
        if (_facts.AssignedLiterals.ContainsKey(c.Name)) return null;
        if (c.Identity || c.IsGenerated || _facts.FilterLiteralsOf(t.Name, c.Name) is not [var literal, ..]) return null;
        if (IsSingleKey(t, c)) return null;
        var type = c.Type;
        switch (literal)
        {
            case decimal d when type.Name == "bit": return d == 0m ? false : d == 1m ? true : null;
            case decimal d when type.IsInteger: return d == decimal.Truncate(d) && (type.Name != "tinyint" || d >= 0) ? (long)d : null;
            case decimal d when type.IsNumeric: return d;
            case decimal d when type.IsString: var text = d.ToString(CultureInfo.InvariantCulture); return text.Length <= (type.IsMax ? 4000 : type.Length ?? 1) ? text : null;
            case string s when type.IsString: return s.Length <= (type.IsMax ? 4000 : type.Length ?? 1) ? s : null;
            case string s when type.IsDateTime && type.Name is not ("time" or "datetimeoffset")
                && DateTime.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.None, out var when):
                return type.Name == "date" ? when.Date : when;
            case string s when type.IsInteger && long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n): return n;
            case string s when type.Name == "bit": return s == "1" || s.Equals("true", StringComparison.OrdinalIgnoreCase) ? true : s == "0" || s.Equals("false", StringComparison.OrdinalIgnoreCase) ? false : null;
            default: return null;
        }
    }

    /// <summary>
    /// True, unless the code sets the flag to 1 (UPDATE … SET [Is Orphan] = 1): then a value the
    /// code does not set (0, else NULL when the column allows it), so that setting it shows.
    /// </summary>
    private object? BitValue(ColumnDef c)
    {
        var assigned = _facts.AssignedLiterals.GetValueOrDefault(c.Name)?.OfType<decimal>().ToList();
        if (assigned is null || !assigned.Contains(1m)) return true;
        if (!assigned.Contains(0m)) return false;
        return c.Nullable ? null : true;
    }

    /// <summary>The type of the first non-string column of the class among the tables the code reads and writes (once per class: every value asks).</summary>
    private string? ClassType(string cls)
    {
        if (_classTypes.TryGetValue(cls, out var known)) return known;
        _codeTables ??= _catalog.Tables.Where(t => _facts.Reads.Contains(t.Name) || _facts.Writes.Contains(t.Name)).ToList();
        string? found = null;
        foreach (var t in _codeTables)
        {
            foreach (var c in t.Columns)
                if (string.Equals(Find(c.Name), cls, StringComparison.OrdinalIgnoreCase) && !c.Type.IsString) { found = c.Type.Name; break; }
            if (found is not null) break;
        }
        return _classTypes[cls] = found;
    }

    private readonly Dictionary<string, string?> _classTypes = new(StringComparer.OrdinalIgnoreCase);
    private List<TableDef>? _codeTables;

    private object? Other(ColumnDef c, object? value) => value switch
    {
        string s when ConvertsTo(c) is { } to && !new SqlType(to).IsString => StepText(c, s, 1) ?? s,
        string s => Fit(c, "Changed " + s),
        long n => c.Type.Name == "tinyint" && n >= 255 ? n - 1 : n + 1,
        decimal d => d + 1,
        bool b => !b,
        null => Fit(c, "Changed"),
        _ => value,
    };

    /// <summary>
    /// Text of a number or a date the code converts, moved by <paramref name="delta"/> (units, days) and
    /// still text that converts; null when it is neither or the result does not fit the column.
    /// </summary>
    private static string? StepText(ColumnDef c, string text, int delta)
    {
        if (decimal.TryParse(text, NumberStyles.Number, CultureInfo.InvariantCulture, out var n))
        {
            var moved = (n + delta).ToString(CultureInfo.InvariantCulture);
            return n + delta >= 0 && Fit(c, moved) == moved ? moved : null;
        }
        if (DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var d))
            return d.AddDays(delta).ToString(d.TimeOfDay == TimeSpan.Zero && text.Length <= 10 ? "yyyy-MM-dd" : "yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture);
        return null;
    }

    private static object Fit(ColumnDef c, string text) => Fit(c.Type, text);

    private static string Fit(SqlType type, string text)
    {
        var length = type.IsMax ? 4000 : type.Length ?? 1;
        if (text.Length <= length) return text;
        var compact = new string(text.Where(ch => char.IsUpper(ch) || char.IsDigit(ch)).ToArray());
        if (compact.Length == 0) compact = text;
        return compact.Length <= length ? compact : compact[^length..];
    }

    private static DateTime Shift(SqlType type, DateTime d, int delta) =>
        type.Name == "date" ? d.Date.AddDays(delta) : d.AddSeconds(delta);

    private static int StableHash(string s)
    {
        int h = 17;
        foreach (var ch in s.ToLowerInvariant()) h = unchecked(h * 31 + ch);
        return Math.Abs(h % 1000);
    }

    /// <summary>Adds parent rows so every foreign key of the given rows is satisfied.</summary>
    private void AddParents(Scenario s)
    {
        // until no row lacks a parent: chains of foreign keys run deep in metadata schemas
        // (a match → a source version → a source table → a stage schema → a stage database)
        for (int pass = 0, added = 1; pass < 12 && added > 0; pass++)
        {
            added = 0;
            foreach (var (table, rows) in s.Tables.ToList())
            {
                var def = _catalog.Find(table);
                if (def is null) continue;
                foreach (var fk in def.ForeignKeys)
                {
                    var parent = _catalog.Find(fk.ReferencedTable);
                    if (parent is null) continue;
                    if (fk.ReferencedTable == table)
                    {
                        added += AddRoots(def, fk, rows);
                        continue;
                    }
                    foreach (var row in rows)
                    {
                        var values = fk.Columns.Select(c => row.GetValueOrDefault(c)).ToList();
                        if (values.Any(v => v is null)) continue;
                        var parentRows = s.RowsOf(fk.ReferencedTable);
                        bool present = AnyHolds(parent, parentRows, fk.ReferencedColumns, values);
                        if (present) continue;
                        var newRow = Row(parent, 9 + parentRows.Count);
                        for (int i = 0; i < fk.ReferencedColumns.Count; i++) newRow[fk.ReferencedColumns[i]] = values[i];
                        parentRows.Add(newRow);
                        added++;
                    }
                }
            }
        }
        // parents first
        s.Tables.Sort((a, b) => Depth(a.Table).CompareTo(Depth(b.Table)));
    }

    /// <summary>
    /// A foreign key of a table on itself (a category's parent category): each row naming a parent
    /// that is not among the rows gets one, a root ahead of it whose own reference is NULL, or itself
    /// when the columns do not allow NULL. A row naming itself (its key and parent made from the same
    /// entity number) gets a root as parent instead when NULL is allowed: the sandbox checks a row's
    /// reference before the row is there. Returns the rows added.
    /// </summary>
    private int AddRoots(TableDef def, ForeignKeyDef fk, List<Dictionary<string, object?>> rows)
    {
        var roots = new List<Dictionary<string, object?>>();
        bool nullable = fk.Columns.All(c => def.FindColumn(c)?.Nullable != false);
        foreach (var row in rows)
        {
            var values = fk.Columns.Select(c => row.GetValueOrDefault(c)).ToList();
            if (values.Any(v => v is null)) continue;
            bool Names(Dictionary<string, object?> p) => fk.ReferencedColumns.Select((rc, i) => Equals(Norm(p.GetValueOrDefault(rc)), Norm(values[i]))).All(x => x);
            if (rows.Any(p => p != row && Names(p)) || roots.Any(Names)) continue;
            bool itself = Names(row);
            if (itself && !nullable) continue;
            var root = Row(def, 9 + rows.Count + roots.Count);
            // an identity key is the database's to number: no value to point the row at
            if (itself && fk.ReferencedColumns.Any(c => root.GetValueOrDefault(c) is null)) continue;
            for (int i = 0; i < fk.Columns.Count; i++)
            {
                if (itself) row[fk.Columns[i]] = root[fk.ReferencedColumns[i]];
                else root[fk.ReferencedColumns[i]] = values[i];
                root[fk.Columns[i]] = nullable ? null : values[i];
            }
            roots.Add(root);
        }
        rows.InsertRange(0, roots);
        return roots.Count;
    }

    private static object? Norm(object? v) => v is string s ? s.ToUpperInvariant() : v;

    /// <summary>
    /// The value each row holds in <paramref name="column"/> once inserted: its own, or for an identity
    /// column the one the database gives it (rows go in in order; an explicit value moves the identity past it).
    /// </summary>
    private static List<object?> Held(List<Dictionary<string, object?>> rows, ColumnDef? column, string name)
    {
        var held = new List<object?>(rows.Count);
        if (column is not { Identity: true })
        {
            foreach (var r in rows) held.Add(r.GetValueOrDefault(name));
            return held;
        }
        long? current = null;
        long step = column.IdentityIncrement == 0 ? 1 : column.IdentityIncrement;
        foreach (var r in rows)
        {
            if (r.GetValueOrDefault(column.Name) is { } v)
            {
                held.Add(v);
                try
                {
                    long n = Convert.ToInt64(v, CultureInfo.InvariantCulture);
                    if (current is null || (step > 0 ? n > current : n < current)) current = n;
                }
                catch (Exception e) when (e is FormatException or InvalidCastException or OverflowException) { }
                continue;
            }
            current = current is { } c ? c + step : column.IdentitySeed;
            held.Add(current.Value);
        }
        return held;
    }

    /// <summary>True when a row of <paramref name="rows"/> holds <paramref name="values"/> in <paramref name="columns"/> once inserted.</summary>
    private static bool AnyHolds(TableDef table, List<Dictionary<string, object?>> rows, IReadOnlyList<string> columns, IReadOnlyList<object?> values)
    {
        var held = columns.Select(c => Held(rows, table.FindColumn(c), c)).ToList();
        for (int r = 0; r < rows.Count; r++)
            if (columns.Select((_, i) => Equals(Norm(held[i][r]), Norm(values[i]))).All(x => x)) return true;
        return false;
    }

    private int Depth(QualifiedName table, int guard = 0)
    {
        var def = _catalog.Find(table);
        if (def is null || guard > 8) return 0;
        return def.ForeignKeys.Where(f => f.ReferencedTable != table).Select(f => Depth(f.ReferencedTable, guard + 1) + 1).DefaultIfEmpty(0).Max();
    }
}
