using System.Globalization;
using System.Text.RegularExpressions;

namespace EtlAgent.Core.Translation;

/// <summary>
/// How SQL Server (us_english) reads a string as a date/time: ISO forms (<c>yyyy-mm-dd</c>,
/// <c>yyyymmdd</c>, <c>yyyy-mm-ddThh:mi:ss[.f…][Z]</c>), numeric forms whose day/month/year order
/// is the DATEFORMAT (mdy) or a CONVERT style's, alphabetic months, and an optional time with up to
/// 7 fractional digits and AM/PM. One table of patterns serves both the reading of constants here
/// and the DuckDB macro that reads values at run time (<see cref="MacroDefinitions"/>), so the two agree.
/// </summary>
public static class DateTimeStrings
{
    /// <summary>The order of day, month and year in numeric dates (SET DATEFORMAT, or a CONVERT style).</summary>
    public enum Order { Mdy, Dmy, Ymd }

    /// <summary>What reading a string gave: a value, no accepted format (241), or a format with an impossible value.</summary>
    public enum Outcome { Parsed, NoFormat, OutOfRange }

    private enum R { Y, M, N, D }

    private sealed record Form(string Date, R[] Roles, string Separator, Order? Only = null);

    // hh:mi[:ss[.fffffff]] [AM|PM]
    private const string Time = @"([0-9]{1,2}):([0-9]{1,2})(?::([0-9]{1,2})(?:\.([0-9]{0,7}))?)?(?:\s*([AaPp][Mm]))?";
    private const string Month = "([A-Za-z]{3,9})";
    private const string Year = "([0-9]{4}|[0-9]{2})";

    private static readonly Form[] Forms =
    {
        new(@"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})", new[] { R.Y, R.M, R.D }, @"(?:T|\s+)"),
        new(@"([0-9]{4})/([0-9]{1,2})/([0-9]{1,2})", new[] { R.Y, R.M, R.D }, @"\s+"),
        new(@"([0-9]{4})\.([0-9]{1,2})\.([0-9]{1,2})", new[] { R.Y, R.M, R.D }, @"\s+"),
        new(@"([0-9]{4})([0-9]{2})([0-9]{2})", new[] { R.Y, R.M, R.D }, @"\s+"),
        new(@"([0-9]{2})([0-9]{2})([0-9]{2})", new[] { R.Y, R.M, R.D }, @"\s+"),
        new($@"([0-9]{{1,2}})/([0-9]{{1,2}})/{Year}", new[] { R.M, R.D, R.Y }, @"\s+", Order.Mdy),
        new($@"([0-9]{{1,2}})-([0-9]{{1,2}})-{Year}", new[] { R.M, R.D, R.Y }, @"\s+", Order.Mdy),
        new($@"([0-9]{{1,2}})\.([0-9]{{1,2}})\.{Year}", new[] { R.M, R.D, R.Y }, @"\s+", Order.Mdy),
        new($@"([0-9]{{1,2}})/([0-9]{{1,2}})/{Year}", new[] { R.D, R.M, R.Y }, @"\s+", Order.Dmy),
        new($@"([0-9]{{1,2}})-([0-9]{{1,2}})-{Year}", new[] { R.D, R.M, R.Y }, @"\s+", Order.Dmy),
        new($@"([0-9]{{1,2}})\.([0-9]{{1,2}})\.{Year}", new[] { R.D, R.M, R.Y }, @"\s+", Order.Dmy),
        new(@"([0-9]{2})[-/.]([0-9]{1,2})[-/.]([0-9]{1,2})", new[] { R.Y, R.M, R.D }, @"\s+", Order.Ymd),
        new($@"{Month}\.?\s+([0-9]{{1,2}}),?\s+{Year}", new[] { R.N, R.D, R.Y }, @"\s+"),
        new($@"([0-9]{{1,2}})\s+{Month},?\s+{Year}", new[] { R.D, R.N, R.Y }, @"\s+"),
        new($@"([0-9]{{1,2}})-{Month}-{Year}", new[] { R.D, R.N, R.Y }, @"\s+"),
        new($@"([0-9]{{4}})-{Month}-([0-9]{{1,2}})", new[] { R.Y, R.N, R.D }, @"\s+"),
        new($@"{Month},?\s+([0-9]{{4}})(?:\s+([0-9]{{1,2}}))?", new[] { R.N, R.Y, R.D }, @"\s+"),
        new($@"([0-9]{{4}})\s+{Month}(?:\s+([0-9]{{1,2}}))?", new[] { R.Y, R.N, R.D }, @"\s+"),
    };

    private static readonly string[] MonthNames =
    {
        "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december",
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    };

    /// <summary>The full pattern of a form: the date, then optionally its separator and a time (a trailing Z after the ISO T form).</summary>
    private static string Pattern(Form f) => f.Separator == @"(?:T|\s+)"
        ? $@"^\s*{f.Date}(?:(?:T{Time}Z?)|(?:\s+{Time}))?\s*$"
        : $@"^\s*{f.Date}(?:{f.Separator}{Time})?\s*$";

    private static readonly string TimeOnly = $@"^\s*{Time}\s*$";

    private static readonly (Form Form, Regex Regex)[] Compiled = Forms.Select(f => (f, new Regex(Pattern(f), RegexOptions.CultureInvariant))).ToArray();
    private static readonly Regex TimeOnlyRegex = new(TimeOnly, RegexOptions.CultureInvariant);

    /// <summary>The order a CONVERT style gives numeric dates read from a string (null: the style does not say).</summary>
    public static Order? StyleOrder(int style) => style switch
    {
        1 or 101 or 10 or 110 => Order.Mdy,
        3 or 103 or 4 or 104 or 5 or 105 or 6 or 106 or 13 or 113 or 130 or 131 => Order.Dmy,
        2 or 102 or 11 or 111 or 12 or 112 => Order.Ymd,
        _ => null,
    };

    /// <summary>A string as SQL Server reads it; <paramref name="maxFraction"/> is 3 for datetime (more digits are error 241).</summary>
    public static (Outcome Outcome, DateTime Value) Parse(string s, Order order = Order.Mdy, int maxFraction = 7)
    {
        // an empty or blank string is the base date, 1900-01-01 00:00 (CAST and CONVERT; ISDATE still says 0)
        if (string.IsNullOrWhiteSpace(s)) return (Outcome.Parsed, new DateTime(1900, 1, 1));
        foreach (var (form, regex) in Compiled)
        {
            if (form.Only is Order only && only != order) continue;
            var m = regex.Match(s);
            if (!m.Success) continue;
            string Get(R role) { int i = Array.IndexOf(form.Roles, role); return i < 0 ? "" : m.Groups[i + 1].Value; }
            int t = form.Roles.Length + 1;
            // the ISO T form has two alternative time groups: take the one that matched
            if (form.Separator == @"(?:T|\s+)" && !m.Groups[t].Success) t += 5;
            return Build(Get(R.Y), Get(R.M), Get(R.N), Get(R.D), m.Groups[t].Value, m.Groups[t + 1].Value, m.Groups[t + 2].Value, m.Groups[t + 3].Value, m.Groups[t + 4].Value, maxFraction);
        }
        var tm = TimeOnlyRegex.Match(s);
        return tm.Success ? Build("", "", "", "", tm.Groups[1].Value, tm.Groups[2].Value, tm.Groups[3].Value, tm.Groups[4].Value, tm.Groups[5].Value, maxFraction) : (Outcome.NoFormat, default);
    }

    private static (Outcome, DateTime) Build(string y, string mo, string name, string d, string h, string mi, string sec, string frac, string ampm, int maxFraction)
    {
        if (frac.Length > maxFraction) return (Outcome.NoFormat, default);
        int year = y.Length == 0 ? 1900 : y.Length == 2 ? TwoDigitYear(int.Parse(y, CultureInfo.InvariantCulture)) : int.Parse(y, CultureInfo.InvariantCulture);
        int month;
        if (name.Length > 0)
        {
            int at = Array.IndexOf(MonthNames, name.ToLowerInvariant());
            if (at < 0) return (Outcome.NoFormat, default);
            month = at % 12 + 1;
        }
        else month = mo.Length == 0 ? 1 : int.Parse(mo, CultureInfo.InvariantCulture);
        int day = d.Length == 0 ? 1 : int.Parse(d, CultureInfo.InvariantCulture);
        int hour = h.Length == 0 ? 0 : int.Parse(h, CultureInfo.InvariantCulture);
        if (ampm.Length > 0)
        {
            if (hour > 12) return (Outcome.NoFormat, default);
            hour = hour % 12 + (char.ToUpperInvariant(ampm[0]) == 'P' ? 12 : 0);
        }
        int minute = mi.Length == 0 ? 0 : int.Parse(mi, CultureInfo.InvariantCulture);
        int second = sec.Length == 0 ? 0 : int.Parse(sec, CultureInfo.InvariantCulture);
        long ticks = frac.Length == 0 ? 0 : long.Parse(frac.PadRight(7, '0'), CultureInfo.InvariantCulture);
        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59)
            return (Outcome.OutOfRange, default);
        return (Outcome.Parsed, new DateTime(year, month, day, hour, minute, second).AddTicks(ticks));
    }

    /// <summary>The two digit year cutoff (default 2049): 49 is 2049, 50 is 1950.</summary>
    private static int TwoDigitYear(int yy) => yy < 50 ? 2000 + yy : 1900 + yy;

    /// <summary>The order's name as the macros take it.</summary>
    public static string OrderSql(Order o) => o switch { Order.Dmy => "'dmy'", Order.Ymd => "'ymd'", _ => "'mdy'" };

    /// <summary>
    /// The DuckDB macro reading strings at run time: <c>tsql_ts_text(s, o)</c> gives a canonical
    /// 'yyyy-mm-dd hh:mi:ss.ffffff' (impossible values give a text no cast accepts; NULL when no
    /// format matches) through the host function <see cref="TextFunction"/> (<see cref="CanonicalText"/>).
    /// The same reading as one SQL CASE over every pattern expanded to thousands of regexp calls in
    /// each statement that converts a string, which DuckDB took ~0.1 s to create and again to bind.
    /// </summary>
    public static IEnumerable<string> MacroDefinitions()
    {
        yield return $"CREATE MACRO tsql_ts_text(s, o) AS {TextFunction}(trim(CAST(s AS VARCHAR)), o);";
    }

    /// <summary>The host function behind <c>tsql_ts_text</c>: (trimmed text, order name) → canonical text or NULL.</summary>
    public const string TextFunction = "tsql_ts_text_host";

    /// <summary>
    /// A pattern read at run time: the groups of year, month number, month name and day (0: absent)
    /// and where the five time groups start (0: none). Built from the same forms as <see cref="Parse"/>,
    /// with DuckDB's (RE2's) meaning kept: <c>\s</c> is ASCII white space and the whole text must match.
    /// </summary>
    private sealed record RunTimeForm(Regex Regex, string? Only, int[] Groups, int TimeAt);

    private static readonly RunTimeForm[] RunTimeForms = BuildRunTimeForms().ToArray();

    private static IEnumerable<RunTimeForm> BuildRunTimeForms()
    {
        static Regex Re2(string pattern) => new(@"\A(?:" + pattern.Replace(@"\s", @"[\t\n\f\r ]") + @")\z", RegexOptions.CultureInvariant);
        var roles = new[] { R.Y, R.M, R.N, R.D };
        foreach (var f in Forms)
        {
            string? only = f.Only is Order o ? OrderSql(o).Trim('\'') : null;
            int[] groups = roles.Select(r => Array.IndexOf(f.Roles, r) + 1).ToArray();
            if (f.Separator == @"(?:T|\s+)")
            {
                // the two alternative time groups: the T form and the space form, each as its own pattern
                yield return new(Re2($@"^\s*{f.Date}(?:T{Time}Z?)?\s*$"), only, groups, f.Roles.Length + 1);
                yield return new(Re2($@"^\s*{f.Date}\s+{Time}\s*$"), only, groups, f.Roles.Length + 1);
                continue;
            }
            yield return new(Re2(Pattern(f)), only, groups, f.Roles.Length + 1);
        }
        yield return new(Re2(TimeOnly), null, new[] { 0, 0, 0, 0 }, 1);
    }

    /// <summary>
    /// What <c>tsql_ts_text</c> gives for an already trimmed text and an order ('mdy', 'dmy', 'ymd'):
    /// the first pattern that matches the whole text, its parts written as 'yyyy-mm-dd hh:mi:ss.ffffff'
    /// (a month name not known, or an hour over 12 with AM/PM, written as 99 so no cast accepts it;
    /// fractions cut to 6 digits), or null when none matches.
    /// </summary>
    public static string? CanonicalText(string text, string order)
    {
        if (text.Length == 0) return "1900-01-01 00:00:00.000000";
        foreach (var form in RunTimeForms)
        {
            if (form.Only is not null && form.Only != order) continue;
            var m = form.Regex.Match(text);
            if (!m.Success) continue;
            string G(int i) => i == 0 ? "" : m.Groups[i].Value;
            string T(int k) => form.TimeAt == 0 ? "" : m.Groups[form.TimeAt + k].Value;
            string y = G(form.Groups[0]), mo = G(form.Groups[1]), n = G(form.Groups[2]), d = G(form.Groups[3]);
            string h = T(0), mi = T(1), sec = T(2), f = T(3), ap = T(4);
            static int I(string v) => int.Parse(v, CultureInfo.InvariantCulture);
            int year = y.Length == 0 ? 1900 : y.Length == 2 ? (I(y) < 50 ? 2000 : 1900) + I(y) : I(y);
            int at = Array.IndexOf(MonthNames, n.ToLowerInvariant());
            int month = n.Length > 0 ? (at < 0 ? 99 : at % 12 + 1) : mo.Length == 0 ? 1 : I(mo);
            int day = d.Length == 0 ? 1 : I(d);
            int hour = h.Length == 0 ? 0 : ap.Length == 0 ? I(h) : I(h) > 12 ? 99 : I(h) % 12 + (ap.ToUpperInvariant() == "PM" ? 12 : 0);
            int minute = mi.Length == 0 ? 0 : I(mi), second = sec.Length == 0 ? 0 : I(sec);
            var fraction = (f.Length > 6 ? f[..6] : f).PadRight(6, '0');
            return string.Create(CultureInfo.InvariantCulture, $"{year:0000}-{month:00}-{day:00} {hour:00}:{minute:00}:{second:00}.{fraction}");
        }
        return null;
    }
}
