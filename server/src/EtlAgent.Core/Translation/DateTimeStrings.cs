using System.Globalization;
using System.Text;
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
    /// The DuckDB macros reading strings at run time, from the same patterns: <c>tsql_ts_text(s, o)</c>
    /// gives a canonical 'yyyy-mm-dd hh:mi:ss.ffffff' (impossible values give a text no cast accepts;
    /// NULL when no format matches), with the number of fractional digits written.
    /// </summary>
    public static IEnumerable<string> MacroDefinitions()
    {
        // y, m (number), n (month name), d, h, mi, s, f, ap: the groups, '' when absent
        string name = "list_position([" + string.Join(", ", MonthNames.Select(SqlText.Str)) + "], lower(n))";
        yield return "CREATE MACRO tsql_ts_build(y, m, n, d, h, mi, sec, f, ap) AS printf('%04d-%02d-%02d %02d:%02d:%02d.%s', " +
            "CASE WHEN y = '' THEN 1900 WHEN length(y) = 2 THEN CASE WHEN CAST(y AS INTEGER) < 50 THEN 2000 ELSE 1900 END + CAST(y AS INTEGER) ELSE CAST(y AS INTEGER) END, " +
            $"CASE WHEN n <> '' THEN coalesce(({name} - 1) % 12 + 1, 99) WHEN m = '' THEN 1 ELSE CAST(m AS INTEGER) END, " +
            "CASE WHEN d = '' THEN 1 ELSE CAST(d AS INTEGER) END, " +
            "CASE WHEN h = '' THEN 0 WHEN ap = '' THEN CAST(h AS INTEGER) WHEN CAST(h AS INTEGER) > 12 THEN 99 ELSE CAST(h AS INTEGER) % 12 + CASE WHEN upper(ap) = 'PM' THEN 12 ELSE 0 END END, " +
            "CASE WHEN mi = '' THEN 0 ELSE CAST(mi AS INTEGER) END, CASE WHEN sec = '' THEN 0 ELSE CAST(sec AS INTEGER) END, rpad(left(f, 6), 6, '0'));";
        var sb = new StringBuilder("CREATE MACRO tsql_ts_text_t(t, o) AS CASE");
        void When(string pattern, string? order, Func<int, string> group, int timeAt)
        {
            string g(int i) => i == 0 ? "''" : $"regexp_extract(t, {SqlText.Str(pattern)}, {i})";
            string time(int k) => timeAt == 0 ? "''" : g(timeAt + k);
            sb.Append($" WHEN {(order is null ? "" : $"o = {order} AND ")}regexp_full_match(t, {SqlText.Str(pattern)}) THEN tsql_ts_build(")
              .Append(string.Join(", ", new[] { group(0), group(1), group(2), group(3) }.Append(time(0)).Append(time(1)).Append(time(2)).Append(time(3)).Append(time(4))))
              .Append(')');
        }
        foreach (var f in Forms)
        {
            var roles = new[] { R.Y, R.M, R.N, R.D };
            string order = f.Only is Order o ? OrderSql(o) : null!;
            string Grp(string p, int r) { int i = Array.IndexOf(f.Roles, roles[r]); return i < 0 ? "''" : $"regexp_extract(t, {SqlText.Str(p)}, {i + 1})"; }
            if (f.Separator == @"(?:T|\s+)")
            {
                // the two alternative time groups: the T form and the space form, each as its own pattern
                var tForm = $@"^\s*{f.Date}(?:T{Time}Z?)?\s*$";
                var sForm = $@"^\s*{f.Date}\s+{Time}\s*$";
                When(tForm, f.Only is null ? null : order, r => Grp(tForm, r), f.Roles.Length + 1);
                When(sForm, f.Only is null ? null : order, r => Grp(sForm, r), f.Roles.Length + 1);
                continue;
            }
            var p = Pattern(f);
            When(p, f.Only is null ? null : order, r => Grp(p, r), f.Roles.Length + 1);
        }
        When(TimeOnly, null, _ => "''", 1);
        sb.Append(" ELSE NULL END;");
        yield return sb.ToString();
        yield return "CREATE MACRO tsql_ts_text(s, o) AS tsql_ts_text_t(trim(CAST(s AS VARCHAR)), o);";
    }
}
