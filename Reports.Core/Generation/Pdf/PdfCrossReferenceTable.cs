using System.Globalization;

namespace Reports.Core.Generation.Pdf;

/// <summary>Objects numbered in a row from <paramref name="First"/>, each starting at <paramref name="Base"/> plus its offset.</summary>
internal readonly record struct PdfObjectRun(int First, IReadOnlyList<long> Offsets, long Base)
{
    /// <summary>One past the run's last number.</summary>
    public int End => First + Offsets.Count;

    public long OffsetOf(int number) => Base + Offsets[number - First];
}

/// <summary>
/// Writes a PDF's cross-reference table from runs of numbered objects (one per segment, one for each object the tail
/// writes), an entry at a time: it holds the runs and the gaps between them, never an entry per object, so the end of a
/// 20,000-page PDF needs no more memory than that of a short one. A number no run holds is free, listed as PDF wants:
/// entry 0 names the first free number, each free entry the next one, the last names 0.
/// </summary>
internal static class PdfCrossReferenceTable
{
    /// <summary>The entry count: one past the highest number used.</summary>
    public static int Size(IReadOnlyList<PdfObjectRun> runs)
    {
        ArgumentNullException.ThrowIfNull(runs);
        return runs.Count == 0 ? 1 : runs.Max(r => r.End);
    }

    /// <param name="runs">In number order, none overlapping another, none at number 0.</param>
    public static void Write(Stream output, IReadOnlyList<PdfObjectRun> runs)
    {
        ArgumentNullException.ThrowIfNull(output);
        var size = Size(runs);
        var gaps = Gaps(runs);
        PdfSyntax.WriteInvariant(output, $"xref\n0 {size}\n");
        WriteEntry(output, gaps.Count > 0 ? gaps[0].Start : 0, 65535, 'f');
        var (run, gap) = (0, 0);
        for (var number = 1; number < size; number++)
        {
            while (runs[run].End <= number)
            {
                run++;
            }

            if (runs[run].First <= number)
            {
                WriteEntry(output, runs[run].OffsetOf(number), 0, 'n');
                continue;
            }

            while (gaps[gap].End <= number)
            {
                gap++;
            }

            var next = number + 1 < gaps[gap].End ? number + 1 : gap + 1 < gaps.Count ? gaps[gap + 1].Start : 0;
            WriteEntry(output, next, 1, 'f');
        }
    }

    /// <summary>The ranges of free numbers between the runs, from 1.</summary>
    private static List<(int Start, int End)> Gaps(IReadOnlyList<PdfObjectRun> runs)
    {
        var gaps = new List<(int Start, int End)>();
        var next = 1;
        foreach (var run in runs)
        {
            if (run.First < next)
            {
                throw new ArgumentException("The runs of objects overlap, or are not in number order.", nameof(runs));
            }

            if (run.First > next)
            {
                gaps.Add((next, run.First));
            }

            next = run.End;
        }

        return gaps;
    }

    /// <summary>One entry: exactly 20 bytes, "oooooooooo ggggg t \n".</summary>
    private static void WriteEntry(Stream output, long value, int generation, char type)
    {
        Span<byte> entry = stackalloc byte[20];
        if (value < 0 || !value.TryFormat(entry[..10], out var digits, "D10", CultureInfo.InvariantCulture) || digits != 10
            || !generation.TryFormat(entry.Slice(11, 5), out digits, "D5", CultureInfo.InvariantCulture) || digits != 5)
        {
            throw new InvalidOperationException($"A cross-reference entry holds 10 digits of offset and 5 of generation: {value} {generation} do not fit.");
        }

        entry[10] = (byte)' ';
        entry[16] = (byte)' ';
        entry[17] = (byte)type;
        entry[18] = (byte)' ';
        entry[19] = (byte)'\n';
        output.Write(entry);
    }
}
