namespace EtlAgent.Core.Sandbox.TestFiles;

/// <summary>"did you mean" for misspelt table, column, parameter and key names.</summary>
public static class NameSuggestions
{
    /// <summary>The candidate closest to <paramref name="name"/> (case-insensitive edit distance), if close enough to be a likely typo.</summary>
    public static string? Closest(string name, IEnumerable<string> candidates)
    {
        string? best = null;
        int bestDistance = int.MaxValue;
        var needle = Simplify(name);
        foreach (var c in candidates)
        {
            var d = Distance(needle, Simplify(c));
            if (d < bestDistance) { best = c; bestDistance = d; }
        }
        int allowed = Math.Max(2, needle.Length / 3);
        return best is not null && bestDistance <= allowed ? best : null;
    }

    /// <summary>" (did you mean 'X'?)" or "".</summary>
    public static string DidYouMean(string name, IEnumerable<string> candidates) =>
        Closest(name, candidates) is { } c ? $" (did you mean '{c}'?)" : "";

    private static string Simplify(string s) => s.Replace("[", "").Replace("]", "").ToLowerInvariant();

    private static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++) previous[j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }
}
