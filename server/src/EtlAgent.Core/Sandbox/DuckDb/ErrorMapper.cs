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
        (new Regex(@"Duplicate key ""(.*?)"" violates unique constraint"), 2627, m => $"Violation of UNIQUE KEY constraint. Cannot insert duplicate key. The duplicate key value is ({m.Groups[1].Value})."),
        (new Regex(@"PRIMARY KEY or UNIQUE constraint violation: duplicate key ""(.*?)"""), 2627, m => $"Violation of PRIMARY KEY or UNIQUE KEY constraint. Cannot insert duplicate key. The duplicate key value is ({m.Groups[1].Value})."),
        (new Regex(@"NOT NULL constraint failed: (\S+?)\.(.+)$"), 515, m => $"Cannot insert the value NULL into column '{m.Groups[2].Value}', table '{m.Groups[1].Value}'; column does not allow nulls. INSERT fails."),
        (new Regex(@"foreign key constraint", RegexOptions.IgnoreCase), 547, m => "The statement conflicted with a FOREIGN KEY constraint. " + m.Value),
        (new Regex(@"Overflow|out of range", RegexOptions.IgnoreCase), 8115, _ => "Arithmetic overflow error converting expression to data type."),
        (new Regex(@"Could not convert string '(.*?)' to (\w+)"), 245, m => $"Conversion failed when converting the varchar value '{m.Groups[1].Value}' to data type {m.Groups[2].Value.ToLowerInvariant()}."),
        (new Regex(@"Conversion Error", RegexOptions.IgnoreCase), 245, m => "Conversion failed: " + m.Value),
        (new Regex(@"Table with name (.+?) does not exist"), 208, m => $"Invalid object name '{m.Groups[1].Value}'."),
        (new Regex(@"Referenced column ""(.+?)"" not found"), 207, m => $"Invalid column name '{m.Groups[1].Value}'."),
    };

    public static SandboxRuntimeError Map(Exception e)
    {
        if (e is SandboxRuntimeError s) return s;
        var text = e.Message;
        foreach (var (pattern, number, message) in Rules)
        {
            var m = pattern.Match(text);
            if (!m.Success) continue;
            if (number == 0) return new SandboxRuntimeError(int.Parse(m.Groups[1].Value), message(m).Trim());
            return new SandboxRuntimeError(number, message(m));
        }
        return new SandboxRuntimeError(50000, "DuckDB: " + text);
    }
}
