using System.Globalization;
using EtlAgent.Core.Model;
using EtlAgent.Core.Sandbox;

namespace EtlAgent.Core.Generation;

/// <summary>The base inputs later steps start from.</summary>
public enum BaseInput
{
    /// <summary>No rows but the ones every input needs ("empty input").</summary>
    Empty,
    /// <summary>One entity in the source, none in the target ("a new entity in the source", "one row in every input").</summary>
    NewEntity,
    /// <summary>Two entities in the source ("two entities").</summary>
    TwoEntities,
}

/// <summary>One candidate input: rows per table (in insertion order) and the call's arguments.</summary>
public sealed class Scenario
{
    public required string Description { get; init; }

    /// <summary>A base scenario (new, unchanged, changed, only in the target, duplicates…): always kept as a case.</summary>
    public bool Structural { get; set; }
    public List<(QualifiedName Table, List<Dictionary<string, object?>> Rows)> Tables { get; init; } = new();
    public List<KeyValuePair<string, object?>> Arguments { get; init; } = new();

    /// <summary>Which base input this is, for steps that start from one (<see cref="CandidateBuilder.Again"/>); null for the others and every copy.</summary>
    public BaseInput? Base { get; set; }

    /// <summary>Parameters whose foreign key's parent row is left out on purpose (the call with a value no parent holds).</summary>
    public HashSet<string> WithoutParents { get; init; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Called inside the caller's open transaction (<see cref="Sandbox.TestFiles.TestCase.InTransaction"/>).</summary>
    public bool InTransaction { get; set; }

    public Scenario Clone(string description) => new()
    {
        Description = description,
        Tables = Tables.Select(t => (t.Table, t.Rows.Select(r => new Dictionary<string, object?>(r, StringComparer.OrdinalIgnoreCase)).ToList())).ToList(),
        Arguments = Arguments.ToList(),
        WithoutParents = new HashSet<string>(WithoutParents, StringComparer.OrdinalIgnoreCase),
        InTransaction = InTransaction,
    };

    /// <summary>What a description ends with when the input is called inside a caller's transaction (KillLikelihood, below Generation, reads the same words).</summary>
    public const string InsideTransaction = ", called inside a transaction";

    /// <summary>This input called inside a caller's transaction (a variation, not a base case).</summary>
    public Scenario CalledInsideTransaction()
    {
        var v = Clone(Description + InsideTransaction);
        v.InTransaction = true;
        v.Structural = false;
        return v;
    }

    public List<Dictionary<string, object?>> RowsOf(QualifiedName table)
    {
        foreach (var t in Tables) if (t.Table == table) return t.Rows;
        var rows = new List<Dictionary<string, object?>>();
        Tables.Add((table, rows));
        return rows;
    }

    /// <summary>A stable text of the content, to drop duplicate candidates.</summary>
    public string Key() => string.Join("|", Tables.Where(t => t.Rows.Count > 0).OrderBy(t => t.Table).Select(t =>
            t.Table + ":" + string.Join(";", t.Rows.Select(r => string.Join(",", r.OrderBy(c => c.Key, StringComparer.OrdinalIgnoreCase).Select(c => c.Key + "=" + Fmt(c.Value)))))))
        + "|" + string.Join(",", Arguments.Select(a => a.Key + "=" + Fmt(a.Value))) + (InTransaction ? "|in transaction" : "");

    /// <summary>
    /// The same input as a test case's given rows and call, whatever .NET type each value has
    /// (a loaded test file and the generator may type a number differently): tables in name order,
    /// rows in order, cells by column name.
    /// </summary>
    public static string InputKey(IEnumerable<(QualifiedName Table, IEnumerable<IEnumerable<KeyValuePair<string, object?>>> Rows)> tables, IEnumerable<KeyValuePair<string, object?>> arguments, bool inTransaction = false)
    {
        static string Cell(object? v) => v switch
        {
            null => "NULL",
            bool b => b ? "1" : "0",
            byte or sbyte or short or ushort or int or uint or long or ulong or decimal =>
                Convert.ToDecimal(v, CultureInfo.InvariantCulture).ToString("0.############################", CultureInfo.InvariantCulture),
            DateTime d => d.ToString("O", CultureInfo.InvariantCulture),
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            IEnumerable<SandboxRow> rows => "[" + string.Join(";", rows.Select(Row)) + "]",
            _ => v.ToString() ?? "",
        };
        static string Row(IEnumerable<KeyValuePair<string, object?>> r) =>
            string.Join(",", r.OrderBy(c => c.Key, StringComparer.OrdinalIgnoreCase).Select(c => c.Key.ToUpperInvariant() + "=" + Cell(c.Value)));
        return string.Join("|", tables.Select(t => (t.Table, Rows: t.Rows.Select(Row).ToList())).Where(t => t.Rows.Count > 0).OrderBy(t => t.Table)
                   .Select(t => t.Table + ":" + string.Join(";", t.Rows)))
            + "|" + string.Join(",", arguments.OrderBy(a => a.Key, StringComparer.OrdinalIgnoreCase).Select(a => a.Key.TrimStart('@').ToUpperInvariant() + "=" + Cell(a.Value)))
            + (inTransaction ? "|in transaction" : "");
    }

    /// <summary><see cref="InputKey"/> of this scenario.</summary>
    public string InputKey() => InputKey(Tables.Select(t => (t.Table, t.Rows.Select(r => (IEnumerable<KeyValuePair<string, object?>>)r))), Arguments, InTransaction);

    internal static string Fmt(object? v) => v switch
    {
        null => "NULL",
        DateTime d => d.ToString("O", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        IEnumerable<SandboxRow> rows => "[" + string.Join(";", rows.Select(r => string.Join(",", r.Select(c => c.Key + "=" + Fmt(c.Value))))) + "]",
        _ => v.ToString() ?? "",
    };
}
