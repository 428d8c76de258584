using System.Buffers.Text;
using System.Text;

namespace Reports.Core.Generation.Pdf;

/// <summary>
/// The little of PDF syntax the stitcher needs to read Skia's output: where an object's dictionary ends (at its
/// <c>stream</c> or <c>endobj</c> keyword), its indirect references (<c>12 0 R</c>), and plain integers. Strings,
/// names and comments are skipped whole, so a reference-like run of characters inside them is never touched.
/// </summary>
internal static class PdfSyntax
{
    /// <summary>What <see cref="Rewrite"/> found: where the dictionary part ended and whether it held any reference.</summary>
    public readonly record struct Scan(int End, bool HasReferences);

    /// <summary>
    /// Copies <paramref name="body"/> (an object's content after its <c>N 0 obj</c> line) to <paramref name="output"/>
    /// up to its <c>stream</c> or <c>endobj</c> keyword, with every reference's object number replaced by
    /// <paramref name="renumber"/>; with a null output it only scans. Throws when neither keyword is in the span.
    /// </summary>
    public static Scan Rewrite(ReadOnlySpan<byte> body, Func<int, int>? renumber, Stream? output)
    {
        var copied = 0;
        var references = false;
        var i = 0;
        while (i < body.Length)
        {
            var c = body[i];
            switch (c)
            {
                case (byte)'(':
                    i = SkipLiteralString(body, i);
                    break;
                case (byte)'%':
                    i = SkipToLineEnd(body, i);
                    break;
                case (byte)'/':
                    i = SkipRegular(body, i + 1);
                    break;
                case (byte)'<' when i + 1 < body.Length && body[i + 1] == '<':
                    i += 2;
                    break;
                case (byte)'<':
                    i = SkipHexString(body, i);
                    break;
                case >= (byte)'0' and <= (byte)'9':
                    if (TryReference(body, i, out var number, out var length))
                    {
                        references = true;
                        if (output is not null && renumber is not null)
                        {
                            output.Write(body[copied..i]);
                            WriteReference(output, renumber(number));
                            copied = i + length;
                        }

                        i += length;
                    }
                    else
                    {
                        i = SkipRegular(body, i);
                    }

                    break;
                case >= (byte)'a' and <= (byte)'z':
                    var end = SkipRegular(body, i);
                    if (IsKeyword(body[i..end], "stream"u8) || IsKeyword(body[i..end], "endobj"u8))
                    {
                        output?.Write(body[copied..i]);
                        return new Scan(i, references);
                    }

                    i = end;
                    break;
                default:
                    i++;
                    break;
            }
        }

        throw new InvalidDataException("A PDF object's dictionary does not end within the bytes read (no stream or endobj keyword).");
    }

    public static void WriteReference(Stream output, int number)
    {
        WriteInteger(output, number);
        output.Write(" 0 R"u8);
    }

    public static void WriteInteger(Stream output, long value)
    {
        Span<byte> digits = stackalloc byte[20];
        Utf8Formatter.TryFormat(value, digits, out var written);
        output.Write(digits[..written]);
    }

    public static void WriteAscii(Stream output, string text) => output.Write(Encoding.ASCII.GetBytes(text));

    /// <summary>Writes formatted text the same on every machine (numbers and dates in the invariant culture).</summary>
    public static void WriteInvariant(Stream output, FormattableString text) => WriteAscii(output, FormattableString.Invariant(text));

    /// <summary>A text string as UTF-16BE with its byte-order mark, in hex: any character, nothing to escape.</summary>
    public static void WriteTextString(Stream output, string text)
    {
        var hex = new StringBuilder("<FEFF", 6 + (text.Length * 4));
        foreach (var c in text)
        {
            hex.Append(((int)c).ToString("X4", System.Globalization.CultureInfo.InvariantCulture));
        }

        WriteAscii(output, hex.Append('>').ToString());
    }

    /// <summary>The integer that starts at <paramref name="start"/> after any whitespace, and where it ends.</summary>
    public static (long Value, int End) ReadInteger(ReadOnlySpan<byte> text, int start)
    {
        var i = start;
        while (i < text.Length && IsWhitespace(text[i]))
        {
            i++;
        }

        var digits = i;
        while (i < text.Length && IsDigit(text[i]))
        {
            i++;
        }

        if (i == digits || !Utf8Parser.TryParse(text[digits..i], out long value, out _))
        {
            throw new InvalidDataException($"Expected an integer at byte {start} of a PDF part.");
        }

        return (value, i);
    }

    /// <summary>The object number of the reference that follows <paramref name="key"/> (e.g. <c>/Root</c>) in a dictionary.</summary>
    public static int ReferenceAfter(ReadOnlySpan<byte> dictionary, ReadOnlySpan<byte> key)
    {
        var at = dictionary.IndexOf(key);
        if (at < 0 || !TryReference(dictionary, SkipWhitespace(dictionary, at + key.Length), out var number, out _))
        {
            throw new InvalidDataException($"A PDF part has no {Encoding.ASCII.GetString(key)} reference.");
        }

        return number;
    }

    public static int SkipWhitespace(ReadOnlySpan<byte> text, int i)
    {
        while (i < text.Length && IsWhitespace(text[i]))
        {
            i++;
        }

        return i;
    }

    /// <summary><c>N G R</c> at <paramref name="start"/>, followed by a delimiter, whitespace or the end.</summary>
    private static bool TryReference(ReadOnlySpan<byte> text, int start, out int number, out int length)
    {
        number = 0;
        length = 0;
        var i = start;
        while (i < text.Length && IsDigit(text[i]))
        {
            i++;
        }

        if (i == start || i - start > 9 || i >= text.Length || !IsWhitespace(text[i]))
        {
            return false;
        }

        var numberEnd = i;
        i = SkipWhitespace(text, i);
        var generation = i;
        while (i < text.Length && IsDigit(text[i]))
        {
            i++;
        }

        if (i == generation || i >= text.Length || !IsWhitespace(text[i]))
        {
            return false;
        }

        i = SkipWhitespace(text, i);
        if (i >= text.Length || text[i] != 'R' || (i + 1 < text.Length && !IsDelimiterOrWhitespace(text[i + 1])))
        {
            return false;
        }

        length = i + 1 - start;
        return Utf8Parser.TryParse(text[start..numberEnd], out number, out _);
    }

    private static int SkipLiteralString(ReadOnlySpan<byte> text, int start)
    {
        var depth = 0;
        for (var i = start; i < text.Length; i++)
        {
            switch (text[i])
            {
                case (byte)'\\':
                    i++;
                    break;
                case (byte)'(':
                    depth++;
                    break;
                case (byte)')' when --depth == 0:
                    return i + 1;
            }
        }

        return text.Length;
    }

    private static int SkipHexString(ReadOnlySpan<byte> text, int start)
    {
        var end = text[start..].IndexOf((byte)'>');
        return end < 0 ? text.Length : start + end + 1;
    }

    private static int SkipToLineEnd(ReadOnlySpan<byte> text, int start)
    {
        var i = start;
        while (i < text.Length && text[i] != '\n' && text[i] != '\r')
        {
            i++;
        }

        return i;
    }

    private static int SkipRegular(ReadOnlySpan<byte> text, int start)
    {
        var i = start;
        while (i < text.Length && !IsDelimiterOrWhitespace(text[i]))
        {
            i++;
        }

        return i;
    }

    private static bool IsKeyword(ReadOnlySpan<byte> token, ReadOnlySpan<byte> keyword) => token.SequenceEqual(keyword);

    private static bool IsDigit(byte c) => c is >= (byte)'0' and <= (byte)'9';

    private static bool IsWhitespace(byte c) => c is (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t' or (byte)'\f' or 0;

    private static bool IsDelimiterOrWhitespace(byte c) =>
        IsWhitespace(c) || c is (byte)'(' or (byte)')' or (byte)'<' or (byte)'>' or (byte)'[' or (byte)']' or (byte)'{' or (byte)'}' or (byte)'/' or (byte)'%';
}
