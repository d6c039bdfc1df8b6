namespace EtlAgent.Cli;

/// <summary>Arguments after the verb: one positional workspace and --name value options.</summary>
public sealed class CliOptions
{
    private static readonly HashSet<string> ValueOptions = new(StringComparer.Ordinal)
    {
        "--format", "--fail-on", "--output", "--compat", "--transformation", "--out", "--filter", "--timeout", "--budget", "--cap",
        "--changed-since", "--upload", "--base", "--apply", "--reason", "--until",
    };

    private static readonly HashSet<string> FlagOptions = new(StringComparer.Ordinal) { "--force", "--no-mutants", "--no-generate", "--rules", "--heal", "--list", "--undo", "--no-base" };

    public HashSet<string> Flags { get; } = new(StringComparer.Ordinal);

    public bool Has(string flag) => Flags.Contains(flag);

    public List<string> Positionals { get; } = new();
    public Dictionary<string, string> Values { get; } = new(StringComparer.Ordinal);
    public bool Help { get; private set; }

    public static CliOptions Parse(string[] args)
    {
        var o = new CliOptions();
        for (int i = 0; i < args.Length; i++)
        {
            var a = args[i];
            if (a is "-h" or "--help") { o.Help = true; continue; }
            if (FlagOptions.Contains(a)) { o.Flags.Add(a); continue; }
            if (a.StartsWith("--", StringComparison.Ordinal))
            {
                string name = a, value;
                int eq = a.IndexOf('=');
                if (eq > 0) { name = a[..eq]; value = a[(eq + 1)..]; }
                else
                {
                    if (!ValueOptions.Contains(name)) throw new UsageException($"unknown option '{a}'.");
                    if (i + 1 >= args.Length) throw new UsageException($"option '{a}' needs a value.");
                    value = args[++i];
                }
                if (!ValueOptions.Contains(name)) throw new UsageException($"unknown option '{name}'.");
                o.Values[name] = value;
                continue;
            }
            o.Positionals.Add(a);
        }
        return o;
    }

    public string Get(string name, string fallback, params string[] allowed)
    {
        if (!Values.TryGetValue(name, out var v)) return fallback;
        if (allowed.Length > 0 && !allowed.Contains(v, StringComparer.OrdinalIgnoreCase))
            throw new UsageException($"{name} must be one of {string.Join(", ", allowed)}; got '{v}'.");
        return v.ToLowerInvariant();
    }

    public string? GetOptional(string name) => Values.TryGetValue(name, out var v) ? v : null;

    /// <summary>A number of seconds (≥ 0, or > 0 when <paramref name="positive"/>), or <paramref name="fallback"/> when absent.</summary>
    public TimeSpan Seconds(string name, TimeSpan fallback, bool positive = false)
    {
        if (!Values.TryGetValue(name, out var v)) return fallback;
        if (!double.TryParse(v, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var s) ||
            s < 0 || (positive && s == 0) || double.IsInfinity(s) || s > TimeSpan.MaxValue.TotalSeconds / 2)
            throw new UsageException($"{name} must be a number of seconds{(positive ? " greater than 0" : "")}; got '{v}'.");
        return TimeSpan.FromSeconds(s);
    }

    /// <summary>The single workspace folder argument, checked to exist.</summary>
    public string Workspace()
    {
        if (Positionals.Count == 0) throw new UsageException("missing <workspace> argument.");
        if (Positionals.Count > 1) throw new UsageException($"unexpected argument '{Positionals[1]}'.");
        var path = Path.GetFullPath(Positionals[0]);
        if (File.Exists(path))
            throw new UsageException($"'{Positionals[0]}' is a file; pass the workspace folder that contains it ('{Path.GetDirectoryName(path)}').");
        if (!Directory.Exists(path)) throw new UsageException($"workspace folder '{Positionals[0]}' does not exist.");
        return path;
    }
}
