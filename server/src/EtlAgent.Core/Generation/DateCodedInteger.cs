using System.Text.RegularExpressions;
using EtlAgent.Core.Model;

namespace EtlAgent.Core.Generation;

/// <summary>
/// An integer column or parameter that holds a date as yyyymmdd (a date dimension's key, a fact's
/// [OrderDateKey], a load's @FromDateID): warehouses key their calendar so. Recognised by its name
/// (…Date Key / …DateID / Date_SK, not …UpdateID) on int or bigint. The generator gives it a plausible
/// day (20160601 and the days after it, one per entity) instead of a small number, which no calendar
/// row has and which converts to no date.
/// </summary>
public static class DateCodedInteger
{
    private static readonly Regex Name = new(@"date[ _]?(int[ _]?)?(key|id|sk)$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
    private static readonly Regex Update = new(@"update[ _]?(int[ _]?)?(key|id|sk)$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

    public static bool Is(string name, SqlType type) =>
        type.Name is "int" or "bigint" && Name.IsMatch(name.TrimStart('@')) && !Update.IsMatch(name.TrimStart('@'));

    /// <summary>The day as yyyymmdd.</summary>
    public static long Of(DateTime day) => day.Year * 10000L + day.Month * 100 + day.Day;

    /// <summary>The day entity <paramref name="entity"/> gets: the same in every table, so facts join their calendar (entity 0, the special rows: long before).</summary>
    public static long ForEntity(int entity) =>
        Of(entity == 0 ? CandidateBuilder.RecentDate.Date.AddDays(-400) : CandidateBuilder.RecentDate.Date.AddDays(entity - 1));
}
