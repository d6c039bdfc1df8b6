using EtlAgent.Core.Model;

namespace EtlAgent.Core.Catalog;

/// <summary>
/// The columns that mark a versioned table (SCD2) by their names: a validity window — a date column
/// "… From" and its "… To" (`[Valid From]`/`[Valid To]`, `ValidFrom`/`ValidTo`,
/// `EffectiveFrom`/`EffectiveTo`), or a start/end pair whose prefix says validity
/// (`EffectiveStartDate`/`EffectiveEndDate`, `RowStartDate`/`RowEndDate`) — and a current-row
/// flag (`IsCurrent`, `[Is Current]`, `CurrentFlag`). A bare `StartDate`/`EndDate` is not taken:
/// promotions and contracts have those without being versioned.
/// </summary>
public static class VersionColumns
{
    /// <summary>The "… From"/"… To" date pair, or null.</summary>
    public static (ColumnDef From, ColumnDef To)? FromTo(TableDef table)
    {
        foreach (var from in table.Columns)
        {
            if (!from.Type.IsDateTime || !from.Name.EndsWith("From", StringComparison.OrdinalIgnoreCase)) continue;
            var to = table.Columns.FirstOrDefault(c => c.Type.IsDateTime && string.Equals(c.Name, from.Name[..^4] + "To", StringComparison.OrdinalIgnoreCase));
            if (to is not null) return (from, to);
        }
        return null;
    }

    /// <summary>The validity window: a From/To pair, else a start/end pair with a validity prefix.</summary>
    public static (ColumnDef Start, ColumnDef End)? Window(TableDef table)
    {
        if (FromTo(table) is { } pair) return pair;
        foreach (var start in table.Columns)
        {
            if (!start.Type.IsDateTime) continue;
            var name = Squash(start.Name);
            foreach (var (startWord, endWord) in StartEndWords)
            {
                int at = name.IndexOf(startWord, StringComparison.Ordinal);
                if (at < 0) continue;
                var prefix = name[..at];
                if (!ValidityPrefixes.Contains(prefix)) continue;
                var endName = prefix + endWord + name[(at + startWord.Length)..];
                var end = table.Columns.FirstOrDefault(c => c.Type.IsDateTime && Squash(c.Name) == endName);
                if (end is not null) return (start, end);
            }
        }
        return null;
    }

    /// <summary>The current-row flag column (a bit, integer or one-character column with a flag's name), or null.</summary>
    public static ColumnDef? CurrentFlag(TableDef table) =>
        table.Columns.FirstOrDefault(c => FlagNames.Contains(Squash(c.Name)) &&
            (c.Type.Name is "bit" or "tinyint" or "smallint" or "int" || (c.Type.IsString && c.Type.Length is 1)));

    /// <summary>The name lower-cased without spaces and underscores: `[Is Current]`, `Is_Current` and `IsCurrent` are one name.</summary>
    public static string Squash(string name) =>
        new string(name.Where(ch => ch is not (' ' or '_')).ToArray()).ToLowerInvariant();

    private static readonly (string Start, string End)[] StartEndWords = { ("startdate", "enddate"), ("startdatetime", "enddatetime"), ("start", "end") };

    private static readonly HashSet<string> ValidityPrefixes = new(StringComparer.Ordinal)
    {
        "valid", "validity", "effective", "eff", "row", "version", "record", "rec", "scd", "dw", "etl",
    };

    private static readonly HashSet<string> FlagNames = new(StringComparer.Ordinal)
    {
        "iscurrent", "currentflag", "iscurrentflag", "currentind", "currentindicator", "iscurrentrow", "currentrowflag",
        "currentrowindicator", "iscurrentrecord", "currentrecordflag", "currentrecord", "rowiscurrent", "dwiscurrent", "scdiscurrent",
    };
}
