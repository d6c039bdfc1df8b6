using System.Text;

namespace EtlAgent.Cli.Output;

/// <summary>
/// Everything the CLI prints passes through here: control characters from user input (file
/// names, object names, test names, messages) are shown as \uNNNN instead of reaching the terminal,
/// where escape sequences could recolour, move the cursor or rewrite lines. Line breaks and tabs stay.
/// </summary>
public sealed class SafeTextWriter(TextWriter inner) : TextWriter
{
    public static TextWriter Wrap(TextWriter writer) => writer as SafeTextWriter ?? new SafeTextWriter(writer);

    public override Encoding Encoding => inner.Encoding;

    public override void Write(char value)
    {
        if (IsUnsafe(value)) inner.Write(Escape(value));
        else inner.Write(value);
    }

    public override void Write(string? value)
    {
        if (value is null) return;
        inner.Write(Clean(value));
    }

    public override void Write(char[] buffer, int index, int count) => Write(new string(buffer, index, count));

    public override void WriteLine(string? value) => inner.WriteLine(Clean(value ?? ""));

    public override void Flush() => inner.Flush();

    public override Task FlushAsync() => inner.FlushAsync();

    /// <summary><paramref name="text"/> with every unsafe control character escaped.</summary>
    public static string Clean(string text)
    {
        if (!text.Any(IsUnsafe)) return text;
        var sb = new StringBuilder(text.Length + 8);
        foreach (var c in text)
        {
            if (IsUnsafe(c)) sb.Append(Escape(c));
            else sb.Append(c);
        }
        return sb.ToString();
    }

    // '\r' only where it belongs to the platform's line break.
    private static bool IsUnsafe(char c) =>
        char.IsControl(c) && c is not ('\n' or '\t') && !(c == '\r' && OperatingSystem.IsWindows()) ||
        c is '\u200E' or '\u200F' or (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069'); // bidirectional overrides

    // The JSON escape: readable in text, and the same character again inside a JSON string.
    private static string Escape(char c) => $"\\u{(int)c:X4}";
}
