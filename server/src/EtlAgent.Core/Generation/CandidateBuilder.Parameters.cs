using System.Globalization;
using EtlAgent.Core.Catalog;
using EtlAgent.Core.Model;

namespace EtlAgent.Core.Generation;

// Parameter values chosen together with the rows: a filter WHERE s.[Region Code] = @Region lets the
// base entity through, and a variation names no row.
public sealed partial class CandidateBuilder
{
    /// <summary>
    /// Parameters the code compares with a column of a table it reads (sources first, then the
    /// tables it loads), with that table, column and comparison ("column op parameter").
    /// Equalities win over ranges; table-valued parameters are left to <see cref="TableTypeRows"/>.
    /// </summary>
    private Dictionary<string, (TableDef Table, ColumnDef Column, string Op)> FilterParameters()
    {
        if (_filterParameters is not null) return _filterParameters;
        var found = new Dictionary<string, (TableDef, ColumnDef, string)>(StringComparer.OrdinalIgnoreCase);
        var tables = InputTables.OrderBy(IsTarget).ToList();
        foreach (var p in _parameters.Where(p => !p.IsOutput && _catalog.FindTableType(p.Type) is null))
        {
            var comparisons = _facts.ParameterComparisons.GetValueOrDefault(p.Name) ?? new List<(string Column, string Op)>();
            // then what the code made of it (a split list, a trimmed copy) compared with a column: the value must name a row there too
            // (a text parameter split into items names a row by any key: "1001" for an int column)
            var flows = (_facts.ParameterFlowColumns.GetValueOrDefault(p.Name) ?? new List<string>()).Select(c => (Column: c, Op: "=", Text: p.Type.IsString));
            foreach (var (column, op, text) in comparisons.OrderBy(x => x.Op == "=" ? 0 : x.Op == "<>" ? 2 : 1).Select(x => (x.Column, x.Op, Text: false)).Concat(flows))
            {
                var hit = tables.Select(t => (Table: t, Column: t.FindColumn(column))).FirstOrDefault(x => x.Column is { } c && (text || Comparable(p.Type, c.Type)));
                if (hit.Column is null) continue;
                found[p.Name] = (hit.Table, hit.Column, op);
                break;
            }
        }
        return _filterParameters = found;
    }

    private Dictionary<string, (TableDef Table, ColumnDef Column, string Op)>? _filterParameters;

    private static bool Comparable(SqlType a, SqlType b) =>
        a.IsString == b.IsString && a.IsNumeric == b.IsNumeric && a.IsDateTime == b.IsDateTime;

    /// <summary>
    /// The value a filter parameter takes so the first entity's row passes the comparison
    /// (= and &gt;= and &lt;=: the row's value; &gt;: just below it; &lt;: just above; &lt;&gt;: another value).
    /// An identity column holds its seed in the first row the database numbers. Null when the
    /// column gets no value (a default the database fills).
    /// </summary>
    private bool TryFilterValue(ParameterDef p, out object? value)
    {
        value = null;
        if (!FilterParameters().TryGetValue(p.Name, out var filter)) return false;
        var (table, column, op) = filter;
        object? held;
        var row = Row(table, 1);
        if (row.TryGetValue(column.Name, out var v)) held = v;
        else if (column.Identity) held = column.IdentitySeed;
        else return false;
        if (held is null) return false;
        value = op switch
        {
            ">" => Step(held, -1),
            "<" => Step(held, 1),
            "<>" => Other(column, held),
            _ => held,
        };
        value = AsParameter(p.Type, value);
        return value is not null;
    }

    /// <summary>
    /// A list parameter the code splits and matches with a column (WHERE n.uid IN (SELECT value FROM STRING_SPLIT(@uids, ','))):
    /// in the "two entities" input it lists both entities' values, or the second one is filtered out and the input is the first's again.
    /// </summary>
    private void NameBothEntities(Scenario two)
    {
        foreach (var p in _parameters.Where(p => !p.IsOutput && p.Type.IsString))
        {
            if (!_facts.ListParameters.TryGetValue(p.Name, out var separator) || !FilterParameters().TryGetValue(p.Name, out var filter) || filter.Op != "=") continue;
            var items = new[] { 1, 2 }.Select(e => Row(filter.Table, e).GetValueOrDefault(filter.Column.Name) is { } v ? AsParameter(p.Type, v) as string : null).ToList();
            if (items.Any(i => i is null || i.Contains(separator, StringComparison.Ordinal)) || items[0] == items[1]) continue;
            var list = string.Join(separator, items);
            if (!p.Type.IsMax && list.Length > (p.Type.Length ?? 1)) continue;
            var i = two.Arguments.FindIndex(a => string.Equals(a.Key, p.Name, StringComparison.OrdinalIgnoreCase));
            if (i >= 0) two.Arguments[i] = new(p.Name, list); else two.Arguments.Add(new(p.Name, list));
        }
    }

    /// <summary>One unit away: a day for dates, one for numbers; strings unchanged.</summary>
    private static object? Step(object? v, int delta) => v switch
    {
        DateTime d => d.AddDays(delta),
        DateTimeOffset d => d.AddDays(delta),
        long n => n + delta,
        decimal d => d + delta,
        _ => v,
    };

    /// <summary>A column's value in the parameter's type (a date column compared with a datetime parameter, a string with a wider one).</summary>
    private static object? AsParameter(SqlType type, object? v)
    {
        if (v is null) return null;
        if (type.IsString) return v is string s ? (s.Length <= (type.IsMax ? 4000 : type.Length ?? 1) ? s : null) : Convert.ToString(v, CultureInfo.InvariantCulture);
        if (type.Name == "bit") return v is bool ? v : null;
        if (type.IsInteger) return v is long or decimal ? Convert.ToInt64(v, CultureInfo.InvariantCulture) : null;
        if (type.IsNumeric) return v is long or decimal ? Convert.ToDecimal(v, CultureInfo.InvariantCulture) : null;
        if (type.IsDateTime) return v is DateTime or DateTimeOffset ? v : null;
        return v;
    }

    /// <summary>For a filter parameter: a value that lets no row through, besides NULL and the type's own variations.</summary>
    private IEnumerable<(object? Value, string Label)> FilterVariations(ParameterDef p)
    {
        if (!FilterParameters().TryGetValue(p.Name, out var filter) || !TryFilterValue(p, out var matching)) yield break;
        var (table, column, op) = filter;
        // col > @p and col >= @p let nothing through one unit above; col < @p and col <= @p one unit below
        object? other = op switch
        {
            "=" or "<>" => Other(column, matching),
            ">" or ">=" => Step(matching, 1),
            _ => Step(matching, -1),
        };
        other = AsParameter(p.Type, other);
        if (other is not null && !Equals(other, matching))
            yield return (other, op is "=" ? $"naming no row of {table.Name}" : $"letting no row of {table.Name} through");
    }

    /// <summary>The first literal of a list the code checks the parameter against, in its type; null if none fits.</summary>
    private object? ListedValue(ParameterDef p) =>
        _facts.ListedParameters.Contains(p.Name) && _facts.ParameterLiterals.TryGetValue(p.Name, out var values)
            ? values.Select(v => AsParameter(p.Type, v)).FirstOrDefault(v => v is not null)
            : null;

    /// <summary>
    /// Each literal the code tests the parameter against (IF @Mode = 'Full', CASE @Kind WHEN 'H'), one
    /// input apiece, so every branch they choose runs; and when the base inputs took a listed value, one
    /// the code does not name, so the guard's own branch runs too.
    /// </summary>
    private IEnumerable<(object? Value, string Label)> TestedValueVariations(Scenario b, ParameterDef p)
    {
        if (!_facts.ParameterLiterals.TryGetValue(p.Name, out var values)) yield break;
        var current = b.Arguments.FirstOrDefault(a => string.Equals(a.Key, p.Name, StringComparison.OrdinalIgnoreCase)).Value;
        // a long list (status codes) is sampled, not tried whole: each input costs a run
        foreach (var v in values.Select(v => AsParameter(p.Type, v)).Where(v => v is not null).Distinct().Take(6))
            if (!Equals(v, current)) yield return (v, $"equal to {Quoted(v!)} as the code tests");
        if (current is not null && Equals(current, ListedValue(p)))
        {
            object? other = p.Type.IsString ? Fit(p.Type, p.Name.TrimStart('@'))
                : p.Type.IsNumeric && p.Type.Name != "bit" ? AsParameter(p.Type, values.OfType<decimal>().DefaultIfEmpty(0m).Max() + 1m)
                : null;
            if (other is not null && !values.Any(v => Equals(AsParameter(p.Type, v), other))) yield return (other, "a value the code does not name");
        }
    }

    private static string Quoted(object v) => v is string s ? $"'{s}'" : Convert.ToString(v, CultureInfo.InvariantCulture)!;

    /// <summary>
    /// Parent rows for the values the code writes into a foreign key: parameters it inserts (a run-id
    /// or batch logging prologue: INSERT INTO Log.Step ([Run ID]) VALUES (@RunID) needs the run's row)
    /// and constants it writes (VALUES (@RunID, 1) into a run-state key needs state 1's row), unless
    /// the code inserts the parent itself. The parents' own parents follow in <see cref="AddParents"/>.
    /// </summary>
    private void AddParameterParents(Scenario s)
    {
        foreach (var (parameter, value) in s.Arguments)
        {
            if (value is null or System.Collections.IEnumerable and not string || s.WithoutParents.Contains(parameter)) continue;
            foreach (var (table, column) in _facts.InsertedVariables.GetValueOrDefault(parameter) ?? new List<(QualifiedName, string)>())
                AddReferencedRow(s, table, column, value);
        }
        foreach (var (table, column, value) in _facts.WrittenConstants) AddReferencedRow(s, table, column, value);
    }

    /// <summary>The tables whose row a parameter's value must name, for the foreign keys of the columns the code inserts it into (<see cref="AddParameterParents"/>).</summary>
    private IEnumerable<QualifiedName> ParentTablesOf(string parameter) =>
        (_facts.InsertedVariables.GetValueOrDefault(parameter) ?? new List<(QualifiedName, string)>())
            .SelectMany(w => _catalog.Find(w.Item1) is { } table ? ParentsOf(table, w.Item2) : Enumerable.Empty<(string, TableDef)>())
            .Select(p => p.Item2.Name).Distinct();

    /// <summary>
    /// The tables a single-column foreign key on <paramref name="column"/> references, with the column it names there:
    /// not the table itself, nor one the code inserts into (it makes its own parents).
    /// </summary>
    private IEnumerable<(string Referenced, TableDef Parent)> ParentsOf(TableDef table, string column)
    {
        foreach (var fk in table.ForeignKeys)
            if (fk.Columns.Count == 1 && string.Equals(fk.Columns[0], column, StringComparison.OrdinalIgnoreCase)
                && _catalog.Find(fk.ReferencedTable) is { } parent && parent.Name != table.Name && !_facts.Inserted.Contains(parent.Name))
                yield return (fk.ReferencedColumns[0], parent);
    }

    /// <summary>A row keyed by <paramref name="value"/> in the table a single-column foreign key on the written column references.</summary>
    private void AddReferencedRow(Scenario s, QualifiedName tableName, string column, object value)
    {
        if (_catalog.Find(tableName) is not { } table) return;
        foreach (var (referenced, parent) in ParentsOf(table, column))
        {
            if (parent.FindColumn(referenced) is not { } rc || !Comparable(rc.Type, TypeOf(value)) || AsParameter(rc.Type, value) is not { } key) continue;
            var rows = s.RowsOf(parent.Name);
            if (AnyHolds(parent, rows, new[] { referenced }, new object?[] { key })) continue;
            var row = Row(parent, 9 + rows.Count);
            row[referenced] = key;
            rows.Add(row);
        }
    }

    private static SqlType TypeOf(object value) => value switch
    {
        string => new SqlType("nvarchar"),
        bool => new SqlType("bit"),
        long => new SqlType("bigint"),
        decimal => new SqlType("decimal"),
        DateTime or DateTimeOffset => new SqlType("datetime2"),
        _ => new SqlType("sql_variant"),
    };

    /// <summary>
    /// A value for a parameter the code inserts into a column whose check lists the values it
    /// allows ([Flag]='H' OR [Flag]='L', IN ('H','L')): the first of them; else <paramref name="value"/>.
    /// </summary>
    private object? CheckedValue(ParameterDef p, object? value)
    {
        foreach (var (tableName, column) in _facts.InsertedVariables.GetValueOrDefault(p.Name) ?? new List<(QualifiedName, string)>())
        {
            if (_catalog.Find(tableName) is not { } table || table.FindColumn(column) is null) continue;
            var row = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase) { [column] = value };
            SatisfyConstantChecks(table, row);
            if (!Equals(row[column], value)) return AsParameter(p.Type, row[column]) ?? value;
        }
        return value;
    }
}
