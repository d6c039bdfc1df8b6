using System.Text.RegularExpressions;
using EtlAgent.Core.Model;
using EtlAgent.Core.Translation;

namespace EtlAgent.Core.Sandbox.DuckDb;

/// <summary>DuckDB errors → SQL Server error numbers and messages (as data: pattern → number).</summary>
public static class ErrorMapper
{
    private static readonly (Regex Pattern, int Number, Func<Match, string> Message)[] Rules =
    {
        // error('[[n]]…') raised by the translator's SQL. A failed CHECK quotes its whole expression
        // (marker included) before "(Error: …)": the last marker is the message.
        (new Regex(@"^(?:.*)\[\[(\d+)\]\](.*?)\)?\s*$", RegexOptions.Singleline), 0, m => m.Groups[2].Value),
        (new Regex(@"Duplicate key ""(.*?)"" violates primary key constraint"), 2627, m => $"Violation of PRIMARY KEY constraint. Cannot insert duplicate key. The duplicate key value is ({KeyValues(m.Groups[1].Value)})."),
        (new Regex(@"Duplicate key ""(.*?)"" violates unique constraint"), 2627, m => $"Violation of UNIQUE KEY constraint. Cannot insert duplicate key. The duplicate key value is ({KeyValues(m.Groups[1].Value)})."),
        (new Regex(@"PRIMARY KEY or UNIQUE constraint violation: duplicate key ""(.*?)"""), 2627, m => $"Violation of PRIMARY KEY or UNIQUE KEY constraint. Cannot insert duplicate key. The duplicate key value is ({m.Groups[1].Value})."),
        (new Regex(@"NOT NULL constraint failed: (\S+?)\.(.+)$"), 515, m => $"Cannot insert the value NULL into column '{m.Groups[2].Value}', table '{TableShown(m.Groups[1].Value)}'; column does not allow nulls. INSERT fails."),
        (new Regex(@"key ""(.*?)"" is still referenced by a foreign key"), 547, m => "The DELETE statement conflicted with a REFERENCE constraint."),
        (new Regex(@"foreign key constraint", RegexOptions.IgnoreCase), 547, m => "The INSERT statement conflicted with a FOREIGN KEY constraint."),
        // Integer → tinyint/smallint: SQL Server names the value (220); → int/bigint and numeric: 8115.
        (new Regex(@"Type \w+ with value (-?\d+) can't be cast because the value is out of range for the destination type (UINT8|INT16)"), 220,
            m => $"Arithmetic overflow error for data type {(m.Groups[2].Value == "UINT8" ? "tinyint" : "smallint")}, value = {m.Groups[1].Value}."),
        (new Regex(@"out of range for the destination type (\w+)"), 8115, m => $"Arithmetic overflow error converting expression to data type {TSqlType(m.Groups[1].Value)}."),
        (new Regex(@"Overflow in \w+ of (\w+)"), 8115, m => $"Arithmetic overflow error converting expression to data type {TSqlType(m.Groups[1].Value)}."),
        (new Regex(@"to type DECIMAL\(\d+,\d+\) failed: value is out of range"), 8115, _ => "Arithmetic overflow error converting numeric to data type numeric."),
        (new Regex(@"Overflow|out of range", RegexOptions.IgnoreCase), 8115, _ => "Arithmetic overflow error converting expression to data type."),
        (new Regex(@"Could not convert string '(.*?)' to (\w+)"), 245, m => $"Conversion failed when converting the varchar value '{m.Groups[1].Value}' to data type {TSqlType(m.Groups[2].Value)}."),
        (new Regex(@"Conversion Error", RegexOptions.IgnoreCase), 245, _ => "Conversion failed when converting the value to the target data type."),
        (new Regex(@"Table with name (.+?) does not exist"), 208, m => $"Invalid object name '{m.Groups[1].Value}'."),
        (new Regex(@"Referenced column ""(.+?)"" not found"), 207, m => $"Invalid column name '{m.Groups[1].Value}'."),
    };

    /// <summary>DuckDB's "col: value, col: value" key text → SQL Server's "value, value".</summary>
    private static string KeyValues(string duckKey) =>
        string.Join(", ", Regex.Matches(duckKey, @"(?:^|, )[^:,]+: ([^,]*)").Select(x => x.Groups[1].Value));

    /// <summary>A #temp table or table variable shows under its T-SQL name, not the sandbox's physical one.</summary>
    private static string TableShown(string physical) =>
        physical.Contains('~') ? "tempdb.dbo." + physical[..physical.IndexOf('~')]
        : QualifiedName.TryParse(physical, out var name) && name.Database is not null ? physical : "Sandbox." + physical;

    private static string TSqlType(string duck) => duck.ToUpperInvariant() switch
    {
        "UINT8" or "UTINYINT" => "tinyint", "INT16" or "SMALLINT" => "smallint", "INT32" or "INTEGER" => "int",
        "INT64" or "BIGINT" or "INT128" or "HUGEINT" => "bigint", "DOUBLE" or "FLOAT" => "float",
        var d when d.StartsWith("DECIMAL") => "numeric",
        var d => d.ToLowerInvariant(),
    };


    /// <summary>
    /// SQL Server's wording for key, foreign-key, CHECK and NOT NULL errors names the constraint, the
    /// table and the duplicate key; DuckDB names columns. The statement's target table, its keys and
    /// (for REFERENCE conflicts) the tables that reference it fill the gap.
    /// </summary>
    public static SandboxRuntimeError WithConstraint(SandboxRuntimeError e, TableDef? table, string verb, EtlAgent.Core.Catalog.SchemaCatalog? catalog = null)
    {
        if (table is null || e.Data["duck"] is not string duck) return e;
        string name = table.Name.ToString();
        SandboxRuntimeError Keep(SandboxRuntimeError n) { n.Data["duck"] = duck; return n; }
        switch (e.Number)
        {
            case 2627:
            {
                var m = Regex.Match(duck, @"Duplicate key ""(.*?)"" violates");
                if (!m.Success)
                {
                    // "PRIMARY KEY or UNIQUE constraint violation: duplicate key "…"": values only. The
                    // key is the one whose columns can hold those values (an int key cannot hold 'a').
                    var v = Regex.Match(duck, @"duplicate key ""(.*?)""");
                    if (!v.Success) return e;
                    var parts = v.Groups[1].Value.Split(", ");
                    var candidates = table.Keys.Where(k => k.Columns.Count == parts.Length && k.Columns.Select((c, i) => Fits(table.FindColumn(c), parts[i])).All(ok => ok)).ToList();
                    if (candidates.Count == 0) return e;
                    var chosen = candidates[0];
                    return Keep(new SandboxRuntimeError(2627, $"Violation of {(chosen.IsPrimary ? "PRIMARY KEY" : "UNIQUE KEY")} constraint '{KeyName(table, chosen)}'. Cannot insert duplicate key in object '{name}'. The duplicate key value is ({v.Groups[1].Value})."));
                }
                var text = Regex.Replace(m.Groups[1].Value, @"coalesce\(CAST\((.*?) AS VARCHAR\), \(chr\(0\) \|\| 'NULL'\)\)", "$1");
                text = text.Replace("\0NULL", "NULL");
                var pairs = Regex.Matches(text, @"(?:lower\(rtrim\()?([^:,()]+?)(?:\)\))?: ([^,]*)");
                var cols = pairs.Select(p => p.Groups[1].Value.Trim()).ToList();
                var values = pairs.Select(p => p.Groups[2].Value.Trim()).ToList();
                var key = table.Keys.FirstOrDefault(k => k.Columns.Count == cols.Count && k.Columns.All(c => cols.Contains(c, StringComparer.OrdinalIgnoreCase)));
                if (key is null) return e;
                string kind = key.IsPrimary ? "PRIMARY KEY" : "UNIQUE KEY";
                var ordered = key.Columns.Select(c => values[cols.FindIndex(x => string.Equals(x, c, StringComparison.OrdinalIgnoreCase))]);
                return Keep(new SandboxRuntimeError(2627, $"Violation of {kind} constraint '{KeyName(table, key)}'. Cannot insert duplicate key in object '{name}'. The duplicate key value is ({string.Join(", ", ordered)})."));
            }
            case 547:
            {
                var m = Regex.Match(duck, @"key ""(.*?)"" does not exist in the referenced table");
                if (m.Success)
                {
                    // DuckDB names the referenced (parent) columns.
                    var cols = Regex.Matches(m.Groups[1].Value, @"([^:,]+?): ").Select(x => x.Groups[1].Value.Trim()).ToList();
                    bool Same(IReadOnlyList<string> a) => a.Count == cols.Count && a.All(c => cols.Contains(c, StringComparer.OrdinalIgnoreCase));
                    var fk = table.ForeignKeys.FirstOrDefault(f => Same(f.ReferencedColumns)) ?? table.ForeignKeys.FirstOrDefault(f => Same(f.Columns));
                    if (fk is not null)
                        return Keep(new SandboxRuntimeError(547, $"The {verb} statement conflicted with the FOREIGN KEY constraint \"{FkName(table, fk)}\". The conflict occurred in database \"Sandbox\", table \"{fk.ReferencedTable}\", column '{fk.ReferencedColumns[0]}'."));
                }
                var r = Regex.Match(duck, @"key ""([^:""]+): .*?"" is still referenced by a foreign key");
                if (r.Success)
                {
                    // The child table and its foreign key: one that references this table by that column.
                    var child = catalog?.Tables.SelectMany(t => t.ForeignKeys.Select(f => (Table: t, Fk: f)))
                        .FirstOrDefault(x => x.Fk.ReferencedTable == table.Name && (x.Fk.Columns.Contains(r.Groups[1].Value, StringComparer.OrdinalIgnoreCase) || x.Fk.ReferencedColumns.Contains(r.Groups[1].Value, StringComparer.OrdinalIgnoreCase)));
                    return Keep(child is { Table: not null } c
                        ? new SandboxRuntimeError(547, $"The {verb} statement conflicted with the REFERENCE constraint \"{FkName(c.Table, c.Fk)}\". The conflict occurred in database \"Sandbox\", table \"{c.Table.Name}\", column '{c.Fk.Columns[0]}'.")
                        : new SandboxRuntimeError(547, $"The {verb} statement conflicted with the REFERENCE constraint. The conflict occurred in database \"Sandbox\", a table referencing \"{name}\"."));
                }
                return e.Message.StartsWith("The INSERT statement", StringComparison.Ordinal) && verb != "INSERT"
                    ? Keep(new SandboxRuntimeError(547, "The " + verb + e.Message["The INSERT".Length..]))
                    : e;
            }
            case 515:
            {
                var col = table.Columns.FirstOrDefault(c => duck.EndsWith("." + c.Name, StringComparison.OrdinalIgnoreCase));
                return col is null ? e : Keep(new SandboxRuntimeError(515, $"Cannot insert the value NULL into column '{col.Name}', table 'Sandbox.{name}'; column does not allow nulls. {verb} fails."));
            }
        }
        return e;
    }

    /// <summary>An unnamed key gets a name in SQL Server's pattern (the real one ends in a random suffix).</summary>
    private static string KeyName(TableDef table, KeyDef key) => key.Name ?? $"{(key.IsPrimary ? "PK" : "UQ")}__{table.Name.Name}";

    private static string FkName(TableDef table, ForeignKeyDef fk) => fk.Name ?? $"FK__{table.Name.Name}__{fk.Columns[0]}";

    /// <summary>Whether a key value DuckDB printed could be a value of the column (strings fit anything).</summary>
    private static bool Fits(ColumnDef? c, string value)
    {
        if (c is null || value == "NULL") return true;
        var t = c.Type;
        if (t.IsInteger && t.Name != "bit") return long.TryParse(value, out _);
        if (t.IsDecimal || t.IsApproximate || t.Name is "money" or "smallmoney") return decimal.TryParse(value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out _);
        if (t.Name == "uniqueidentifier") return Guid.TryParse(value, out _);
        if (t.IsDateTime) return DateTime.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out _) || TimeSpan.TryParse(value, out _);
        return true;
    }

    /// <summary>
    /// What an engine error that has no SQL Server counterpart means, in the sandbox's words (the
    /// engine's own text never reaches the user): the kind of refusal and, where it is known, what to change.
    /// </summary>
    public static string Describe(Exception e)
    {
        var text = e.Message;
        // both wordings the engine has used: "referenced table X does not have a primary key or unique
        // constraint on the columns C" and "there is no primary key or unique constraint for referenced table X"
        var fk = Regex.Match(text, @"referenced table ""?(?<t>[^""\n]+?)""? does not have a primary key or unique constraint on the columns? (?<c>[^\n]+)");
        if (!fk.Success) fk = Regex.Match(text, @"no primary key or unique constraint for referenced table ""?(?<t>[^""\n]+?)""?(?:\s|$)");
        if (fk.Success)
            return $"a FOREIGN KEY references {fk.Groups["t"].Value}{(fk.Groups["c"].Success ? $" ({fk.Groups["c"].Value.Trim().Trim('"')})" : "")} " +
                   "on columns that are not its declared primary key or a unique key (declare the key on the referenced table)";
        var kind = Regex.Match(text, @"^(\w+(?: \w+)?) Error:", RegexOptions.Multiline) is { Success: true } k ? k.Groups[1].Value : "";
        return kind switch
        {
            "Binder" => "the sandbox's engine cannot bind the statement as translated (a gap of the sandbox)",
            "Catalog" => "an object the translated statement needs does not exist in the sandbox (a gap of the sandbox)",
            "Parser" => "the statement as translated does not parse in the sandbox's engine (a gap of the sandbox)",
            "Not implemented" => "the sandbox's engine does not implement what the statement needs",
            "Conversion" => "a value conversion the sandbox's engine refuses",
            "Invalid Input" or "Invalid" => "input the sandbox's engine refuses",
            "Dependency" => "an object other objects depend on cannot be changed in the sandbox",
            _ => "the sandbox's engine cannot run the statement as translated (a gap of the sandbox)",
        };
    }

    /// <summary>True when <paramref name="e"/> came from <see cref="Map"/> without a SQL Server counterpart (its message is <see cref="Describe"/>'s).</summary>
    public static bool IsUnmapped(SandboxRuntimeError e) => e.Data["unmapped"] is true;

    public static SandboxRuntimeError Map(Exception e)
    {
        if (e is SandboxRuntimeError s) return s;
        var text = e.Message;
        SandboxRuntimeError mapped = new(50000, Describe(e));
        mapped.Data["unmapped"] = true;
        foreach (var (pattern, number, message) in Rules)
        {
            var m = pattern.Match(text);
            if (!m.Success) continue;
            mapped = number == 0 ? new SandboxRuntimeError(int.Parse(m.Groups[1].Value), message(m).Trim()) : new SandboxRuntimeError(number, message(m));
            break;
        }
        mapped.Data["duck"] = text;
        return mapped;
    }
}
