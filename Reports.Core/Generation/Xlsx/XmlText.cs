using System.Buffers;

namespace Reports.Core.Generation.Xlsx;

/// <summary>
/// Text as SpreadsheetML holds it. Cells are inline strings, which a spreadsheet never runs as a formula, so a text that
/// starts with <c>=</c> stays that text. XML turns a literal carriage return into a line feed, so it is written as a
/// character reference; XML cannot carry the other control characters, so they are written as Excel's <c>_xHHHH_</c>
/// escapes (and a literal <c>_xHHHH_</c> has its <c>_</c> escaped), which Excel and LibreOffice read back as the original.
/// </summary>
internal static class XmlText
{
    private static readonly SearchValues<byte> Special = SearchValues.Create(
        [.. Enumerable.Range(0, 0x20).Where(b => b is not ('\t' or '\n')).Select(b => (byte)b), (byte)'&', (byte)'<', (byte)'>', (byte)'_', 0xEF]);

    /// <summary>Writes UTF-8 text escaped for an element's content into <paramref name="output"/>.</summary>
    public static void WriteEscaped(ReadOnlySpan<byte> utf8, IBufferWriter<byte> output)
    {
        var rest = utf8;
        while (!rest.IsEmpty)
        {
            var at = rest.IndexOfAny(Special);
            if (at < 0)
            {
                output.Write(rest);
                return;
            }

            output.Write(rest[..at]);
            var special = rest[at];
            if (special == 0xEF)
            {
                // U+FFFE and U+FFFF (EF BF BE/BF) are text to PostgreSQL but not characters to XML: escaped as controls are.
                var noncharacter = rest[at..] is [_, 0xBF, 0xBE or 0xBF, ..];
                output.Write(noncharacter ? (rest[at + 2] == 0xBE ? "_xFFFE_"u8 : "_xFFFF_"u8) : rest.Slice(at, 1));
                rest = rest[(at + (noncharacter ? 3 : 1))..];
                continue;
            }

            output.Write(special switch
            {
                (byte)'&' => "&amp;"u8,
                (byte)'<' => "&lt;"u8,
                (byte)'>' => "&gt;"u8,
                (byte)'\r' => "&#13;"u8,
                (byte)'_' => IsEscapeLike(rest[at..]) ? "_x005F_"u8 : "_"u8,
                _ => ControlEscape(special),
            });
            rest = rest[(at + 1)..];
        }
    }

    /// <summary>The text without the characters XML 1.0 cannot hold (for document properties and sheet names).</summary>
    public static string RemoveInvalid(string text)
    {
        static bool Invalid(string text, int i) =>
            text[i] is < (char)0x20 and not ('\t' or '\n' or '\r') or '\uFFFE' or '\uFFFF'
            || (char.IsHighSurrogate(text[i]) && (i + 1 == text.Length || !char.IsLowSurrogate(text[i + 1])))
            || (char.IsLowSurrogate(text[i]) && (i == 0 || !char.IsHighSurrogate(text[i - 1])));

        return Enumerable.Range(0, text.Length).Any(i => Invalid(text, i))
            ? new string([.. Enumerable.Range(0, text.Length).Where(i => !Invalid(text, i)).Select(i => text[i])])
            : text;
    }

    /// <summary><c>_x</c>, four hex digits, <c>_</c>: what Excel would read as an escaped character.</summary>
    private static bool IsEscapeLike(ReadOnlySpan<byte> text) =>
        text.Length >= 7 && text[1] == (byte)'x' && text[6] == (byte)'_' && IsHex(text[2]) && IsHex(text[3]) && IsHex(text[4]) && IsHex(text[5]);

    private static bool IsHex(byte b) => b is >= (byte)'0' and <= (byte)'9' or >= (byte)'a' and <= (byte)'f' or >= (byte)'A' and <= (byte)'F';

    private static ReadOnlySpan<byte> ControlEscape(byte control)
    {
        const string hex = "0123456789ABCDEF";
        return new[] { (byte)'_', (byte)'x', (byte)'0', (byte)'0', (byte)hex[control >> 4], (byte)hex[control & 0xF], (byte)'_' };
    }
}
