namespace EtlAgent.Core.Translation;

/// <summary>
/// The cultures FORMAT(value, format, culture) is implemented for, with the .NET Framework data
/// SQL Server formats with: the short date pattern ("d"), the date separator a "/" in a custom
/// pattern stands for, and full day and month names. en-US is also the default of a us_english
/// session. Any other culture is refused by name where FORMAT is called.
/// </summary>
public sealed record FormatCulture(string Name, string ShortDate, string DateSeparator, string[]? DayNames, string[]? MonthNames, string[]? MonthGenitiveNames)
{
    /// <summary>en-US: DuckDB's strftime names are its names (null: use %A/%B/%a/%b).</summary>
    public static readonly FormatCulture EnUs = new("en-US", "M/d/yyyy", "/", null, null, null);

    private static readonly string[] GermanDays = { "Sonntag", "Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag" };
    private static readonly string[] GermanMonths = { "Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November", "Dezember" };
    private static readonly string[] RussianDays = { "воскресенье", "понедельник", "вторник", "среда", "четверг", "пятница", "суббота" };
    private static readonly string[] RussianMonths = { "Январь", "Февраль", "Март", "Апрель", "Май", "Июнь", "Июль", "Август", "Сентябрь", "Октябрь", "Ноябрь", "Декабрь" };
    private static readonly string[] RussianMonthsGenitive = { "января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября", "ноября", "декабря" };

    private static readonly FormatCulture[] All =
    {
        EnUs,
        new("en-GB", "dd/MM/yyyy", "/", null, null, null),
        new("de-DE", "dd.MM.yyyy", ".", GermanDays, GermanMonths, GermanMonths),
        new("ru-RU", "dd.MM.yyyy", ".", RussianDays, RussianMonths, RussianMonthsGenitive),
    };

    /// <summary>The culture by its name (case does not matter), or null when the sandbox does not implement it.</summary>
    public static FormatCulture? Find(string name) => All.FirstOrDefault(c => c.Name.Equals(name.Trim(), StringComparison.OrdinalIgnoreCase));

    /// <summary>Whether names are English (DuckDB's own); en-GB shares them.</summary>
    public bool EnglishNames => DayNames is null;

    /// <summary>Whether numbers are written as in en-US (digits grouped by ",", "." before decimals).</summary>
    public bool EnglishNumbers => Name is "en-US" or "en-GB";
}
