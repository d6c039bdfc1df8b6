using System.Text.RegularExpressions;
using EtlAgent.Core.Translation;

namespace EtlAgent.Core.Sandbox.DuckDb;

/// <summary>DuckDB errors → SQL Server error numbers and messages (as data: pattern → number).</summary>
public static class ErrorMapper
{
    private static readonly (Regex Pattern, int Number, Func<Match, string> Message)[] Rules =
    {
        (new Regex(@"\[\[(\d+)\]\](.*?)(\)$|$)", RegexOptions.Singleline), 0, m => m.Groups[2].Value),
        (new Regex(@"Duplicate key ""(.*?)"" violates primary key constraint"), 2627, m => $"Violation of PRIMARY KEY constraint. Cannot insert duplicate key. The duplicate key value is ({m.Groups[1].Value})."),
        (new Regex(@"Duplicate key ""(.*?)"" violates unique constraint"), 2627, m => $"Violation of UNIQUE KEY constraint. Cannot insert duplicate key. The duplicate key value is ({Regex.Replace(m.Groups[1].Value, @"lower\(rtrim\((.*?)\)\)", "$1")})."),
        (new Regex(@"PRIMARY KEY or UNIQUE constraint violation: duplicate key ""(.*?)"""), 2627, m => $"Violation of PRIMARY KEY or UNIQUE KEY constraint. Cannot insert duplicate key. The duplicate key value is ({m.Groups[1].Value})."),
        (new Regex(@"NOT NULL constraint failed: (\S+?)\.(.+)$"), 515, m => $"Cannot insert the value NULL into column '{m.Groups[2].Value}', table '{m.Groups[1].Value}'; column does not allow nulls. INSERT fails."),
        (new Regex(@"foreign key constraint", RegexOptions.IgnoreCase), 547, m => "The statement conflicted with a FOREIGN KEY constraint. " + m.Value),
        (new Regex(@"Overflow|out of range", RegexOptions.IgnoreCase), 8115, _ => "Arithmetic overflow error converting expression to data type."),
        (new Regex(@"Could not convert string '(.*?)' to (\w+)"), 245, m => $"Conversion failed when converting the varchar value '{m.Groups[1].Value}' to data type {m.Groups[2].Value.ToLowerInvariant()}."),
        (new Regex(@"Conversion Error", RegexOptions.IgnoreCase), 245, m => "Conversion failed: " + m.Value),
        (new Regex(@"Table with name (.+?) does not exist"), 208, m => $"Invalid object name '{m.Groups[1].Value}'."),
        (new Regex(@"Referenced column ""(.+?)"" not found"), 207, m => $"Invalid column name '{m.Groups[1].Value}'."),
    };

    /// <summary>
    /// SQL Server's wording for key, foreign-key and NOT NULL errors names the constraint and the
    /// table; DuckDB names the columns. The statement's target table and its keys fill the gap.
    /// </summary>
    public static SandboxRuntimeError WithConstraint(SandboxRuntimeError e, EtlAgent.Core.Model.TableDef? table, string verb)
    {
        if (table is null || e.Data["duck"] is not string duck) return e;
        string name = table.Name.ToString();
        switch (e.Number)
        {
            case 2627:
            {
                var m = Regex.Match(duck, @"Duplicate key ""(.*?)"" violates");
                if (!m.Success)
                {
                    // "PRIMARY KEY or UNIQUE constraint violation: duplicate key "…"": values only.
                    var v = Regex.Match(duck, @"duplicate key ""(.*?)""");
                    if (!v.Success) return e;
                    var parts = v.Groups[1].Value.Split(", ");
                    var candidates = table.Keys.Where(k => k.Columns.Count == parts.Length).ToList();
                    if (candidates.Count == 0) return e;
                    var chosen = candidates[0];
                    return new SandboxRuntimeError(2627, $"Violation of {(chosen.IsPrimary ? "PRIMARY KEY" : "UNIQUE KEY")} constraint '{chosen.Name ?? "PK_" + table.Name.Name}'. Cannot insert duplicate key in object '{name}'. The duplicate key value is ({v.Groups[1].Value}).");
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
                return new SandboxRuntimeError(2627, $"Violation of {kind} constraint '{key.Name ?? "PK_" + table.Name.Name}'. Cannot insert duplicate key in object '{name}'. The duplicate key value is ({string.Join(", ", ordered)}).");
            }
            case 547:
            {
                var m = Regex.Match(duck, @"key ""(.*?)"" does not exist in the referenced table");
                if (m.Success)
                {
                    var cols = Regex.Matches(m.Groups[1].Value, @"([^:,]+?): ").Select(x => x.Groups[1].Value.Trim()).ToList();
                    var fk = table.ForeignKeys.FirstOrDefault(f => f.Columns.Count == cols.Count && f.Columns.All(c => cols.Contains(c, StringComparer.OrdinalIgnoreCase)));
                    if (fk is not null)
                        return new SandboxRuntimeError(547, $"The {verb} statement conflicted with the FOREIGN KEY constraint \"{fk.Name}\". The conflict occurred in database \"Sandbox\", table \"{fk.ReferencedTable}\", column '{fk.ReferencedColumns[0]}'.");
                }
                var r = Regex.Match(duck, @"still referenced by a foreign key in a different table");
                if (r.Success)
                    return new SandboxRuntimeError(547, $"The {verb} statement conflicted with the REFERENCE constraint. The conflict occurred in table \"{name}\".");
                return e.Message.StartsWith("The INSERT statement", StringComparison.Ordinal) && verb != "INSERT"
                    ? new SandboxRuntimeError(547, "The " + verb + e.Message["The INSERT".Length..])
                    : e;
            }
            case 515:
            {
                var col = table.Columns.FirstOrDefault(c => duck.EndsWith("." + c.Name, StringComparison.OrdinalIgnoreCase));
                return col is null ? e : new SandboxRuntimeError(515, $"Cannot insert the value NULL into column '{col.Name}', table 'Sandbox.{name}'; column does not allow nulls. {verb} fails.");
            }
        }
        return e;
    }

    public static SandboxRuntimeError Map(Exception e)
    {
        if (e is SandboxRuntimeError s) return s;
        var text = e.Message;
        SandboxRuntimeError mapped = new(50000, "DuckDB: " + text);
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
