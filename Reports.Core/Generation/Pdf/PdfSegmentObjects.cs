using System.Globalization;
using System.Text;

namespace Reports.Core.Generation.Pdf;

/// <summary>
/// Where the objects of one drawn segment of a PDF sit, relative to the segment's first byte: objects
/// <see cref="First"/> onwards at <see cref="Offsets"/>, the shared font file (first segment only) at
/// <see cref="FontOffset"/>; the key of the font file its pages use; and the page tree of each of its parts, in order.
/// Kept with the segment's checkpoint (<see cref="ToText"/>), so whoever finishes the file can write its cross-references.
/// </summary>
internal sealed record PdfSegmentObjects(int First, IReadOnlyList<long> Offsets, long? FontOffset, string? FontKey, IReadOnlyList<int> PartTrees)
{
    /// <summary>Compact text: numbers separated by ';' and ',', offsets as base-36 gaps from the one before.</summary>
    public string ToText()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{First};{FontOffset?.ToString(CultureInfo.InvariantCulture)};{FontKey};");
        text.AppendJoin(',', PartTrees.Select(t => t.ToString(CultureInfo.InvariantCulture)));
        text.Append(';');
        long previous = 0;
        for (var i = 0; i < Offsets.Count; i++)
        {
            if (i > 0)
            {
                text.Append(',');
            }

            AppendBase36(text, Offsets[i] - previous);
            previous = Offsets[i];
        }

        return text.ToString();
    }

    public static PdfSegmentObjects Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var fields = text.Split(';');
        if (fields.Length != 5)
        {
            throw new FormatException("A PDF segment's objects have five fields.");
        }

        var offsets = new List<long>();
        long previous = 0;
        foreach (var gap in fields[4].Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            previous += ParseBase36(gap);
            offsets.Add(previous);
        }

        return new PdfSegmentObjects(
            int.Parse(fields[0], CultureInfo.InvariantCulture),
            offsets,
            fields[1].Length == 0 ? null : long.Parse(fields[1], CultureInfo.InvariantCulture),
            fields[2].Length == 0 ? null : fields[2],
            [.. fields[3].Split(',', StringSplitOptions.RemoveEmptyEntries).Select(t => int.Parse(t, CultureInfo.InvariantCulture))]);
    }

    private const string Digits = "0123456789abcdefghijklmnopqrstuvwxyz";

    private static void AppendBase36(StringBuilder text, long value)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(value);
        Span<char> digits = stackalloc char[16];
        var at = digits.Length;
        do
        {
            digits[--at] = Digits[(int)(value % 36)];
            value /= 36;
        }
        while (value > 0);

        text.Append(digits[at..]);
    }

    private static long ParseBase36(string text)
    {
        long value = 0;
        foreach (var c in text)
        {
            var digit = Digits.IndexOf(c, StringComparison.Ordinal);
            value = (value * 36) + (digit >= 0 ? digit : throw new FormatException($"'{c}' is not a base-36 digit."));
        }

        return value;
    }
}
