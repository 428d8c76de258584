using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;

namespace Reports.Core.Generation.Pdf;

/// <summary>
/// Joins complete PDFs written by Skia (the parts of one segment of a long report) into the segment's bytes, part by
/// part as each is finished: every object of a part is copied with its number moved into the segment's range
/// (references rewritten, streams copied as they are), and the parts' own catalogs and information dictionaries are
/// dropped (<see cref="PdfDocumentTail"/> writes one page tree over every part, the catalog and the cross-references after
/// the last segment). Skia embeds the whole font in every part, so the embedded font file is written once, as
/// <see cref="PdfObjects.SharedFont"/> by the first segment, and every other part and segment refers to that copy.
/// What it keeps is one offset per object written, for the cross-reference table.
/// </summary>
internal sealed class PdfStitcher
{
    private const int SharedStreamMinimum = 16 * 1024;

    /// <summary>Reads of a part go through one buffer; an object's dictionary must fit in it.</summary>
    private const int BufferSize = 64 * 1024;
    private readonly Stream _output;
    private readonly long _start;
    private readonly PdfObjectRange _range;
    private readonly byte[] _buffer;
    private readonly List<long> _offsets = []; // by object number from the range's first, relative to the segment's start
    private readonly List<int> _partTrees = [];
    private readonly Dictionary<string, int> _shared = new(StringComparer.Ordinal);
    private long _fontOffset = -1;
    private string? _fontKey;

    public PdfStitcher(Stream output, PdfObjectRange range)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(range);
        (_output, _range) = (output, range);
        _start = output.Position;
        _buffer = new byte[BufferSize];
        if (range.IsFirst)
        {
            _output.Write(Header);
        }
    }

    /// <summary>The version line, and a comment of bytes above 127 that tells tools the file is binary (as Skia writes).</summary>
    private static readonly byte[] Header = [.. "%PDF-1.4\n%"u8, 0xD3, 0xEB, 0xE9, 0xE1, (byte)'\n'];

    public int Parts => _partTrees.Count;

    /// <summary>Copies the PDF of <paramref name="length"/> bytes in <paramref name="part"/> into the output.</summary>
    public void Append(SafeFileHandle part, long length)
    {
        ArgumentNullException.ThrowIfNull(part);
        var table = ReadCrossReferences(part, length);
        var catalog = ReadSpan(part, table.Offset(table.Root), table.Extent(table.Root));
        var partTree = PdfSyntax.ReferenceAfter(catalog, "/Pages"u8);
        if (catalog.Count((byte)'/') != 3)
        {
            // Only /Type /Catalog /Pages is carried over; outlines, structure trees or PDF/A metadata would be lost.
            throw new InvalidDataException("The PDF part's catalog holds more than its page tree, which the stitcher does not carry over.");
        }

        // First pass: new numbers, with shared streams mapped to the copy already written (or written by the first segment).
        var numbers = new int[table.Count];
        var sharedKeys = new string?[table.Count];
        foreach (var number in table.ByOffset)
        {
            if (number == table.Root || number == table.Info)
            {
                continue;
            }

            if (table.Extent(number) >= SharedStreamMinimum && SharedKey(part, table, number) is { } key)
            {
                if (_shared.TryGetValue(key, out var existing))
                {
                    numbers[number] = existing;
                    continue;
                }

                if (_fontKey is null)
                {
                    _fontKey = key;
                    numbers[number] = PdfObjects.SharedFont;
                    _shared[key] = PdfObjects.SharedFont;
                    continue;
                }

                sharedKeys[number] = key;
            }

            numbers[number] = _range.First + _offsets.Count;
            if (numbers[number] >= _range.Limit)
            {
                throw new InvalidOperationException(
                    $"This segment of the PDF needs more objects than the {_range.Limit - _range.First:N0} reserved for it (see {nameof(PdfSegments)}).");
            }

            _offsets.Add(-1);
        }

        // Second pass: the objects in file order, renumbered.
        foreach (var number in table.ByOffset)
        {
            var target = numbers[number];
            if (target == 0 || IsWritten(target))
            {
                continue; // dropped, or shared and already written (here, or by the first segment)
            }

            var at = _output.Position - _start;
            CopyObject(part, table.Offset(number), table.Extent(number), target, numbers, parent: number == partTree);
            if (target == PdfObjects.SharedFont)
            {
                _fontOffset = at;
            }
            else
            {
                _offsets[target - _range.First] = at;
            }

            if (sharedKeys[number] is { } key)
            {
                _shared[key] = target;
            }
        }

        _partTrees.Add(numbers[partTree]);
    }

    /// <summary>Where every object of the segment sits in its bytes, for the document's cross-reference table.</summary>
    public PdfSegmentObjects Finish() =>
        new(_range.First, [.. _offsets], _range.IsFirst && _fontOffset >= 0 ? _fontOffset : null, _fontKey, [.. _partTrees]);

    private bool IsWritten(int target) => target == PdfObjects.SharedFont
        ? !_range.IsFirst || _fontOffset >= 0
        : _offsets[target - _range.First] >= 0;

    /// <summary>Writes one object under its new number: its dictionary with references renumbered, then the rest as it is.</summary>
    private void CopyObject(SafeFileHandle part, long offset, long extent, int target, int[] numbers, bool parent)
    {
        var first = ReadSpan(part, offset, extent);
        var header = first.IndexOf("obj"u8);
        if (header < 0)
        {
            throw new InvalidDataException($"The PDF part has no object at byte {offset}.");
        }

        var body = first[(header + 3)..];
        PdfSyntax.WriteInteger(_output, target);
        _output.Write(" 0 obj"u8);
        if (parent)
        {
            // The part's page tree becomes a child of the document's: it gains a parent right after "<<".
            var open = body.IndexOf("<<"u8);
            if (open < 0)
            {
                throw new InvalidDataException("The PDF part's page tree is not a dictionary.");
            }

            _output.Write(body[..(open + 2)]);
            PdfSyntax.WriteInvariant(_output, $"/Parent {PdfObjects.PageTree} 0 R\n");
            body = body[(open + 2)..];
        }

        var scan = PdfSyntax.Rewrite(body, n => Renumber(numbers, n), _output);
        _output.Write(body[scan.End..]);

        // What did not fit in the buffer (a large stream's data) is copied in chunks.
        ReadRest(part, offset + first.Length, extent - first.Length, chunk => _output.Write(chunk));
    }

    private static int Renumber(int[] numbers, int number) =>
        number > 0 && number < numbers.Length && numbers[number] > 0
            ? numbers[number]
            : throw new InvalidDataException($"A PDF part refers to object {number}, which it does not hold (or which is its catalog).");

    /// <summary>A key for an object that can be shared between parts (a stream without references), or null.</summary>
    private string? SharedKey(SafeFileHandle part, CrossReferences table, int number)
    {
        var offset = table.Offset(number);
        var extent = table.Extent(number);
        var first = ReadSpan(part, offset, extent);
        var body = first[(first.IndexOf("obj"u8) + 3)..];
        var scan = PdfSyntax.Rewrite(body, null, null);
        if (scan.HasReferences || !IsFontFile(body[..scan.End]))
        {
            return null;
        }

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(body);
        ReadRest(part, offset + first.Length, extent - first.Length, hash.AppendData);
        return $"{extent}:{Convert.ToHexString(hash.GetHashAndReset())}";
    }

    /// <summary>An embedded font program: its stream dictionary has /Length1 (TrueType) or /Length2 and /Length3 (Type 1).</summary>
    private static bool IsFontFile(ReadOnlySpan<byte> dictionary) =>
        dictionary.IndexOf("/Length1"u8) >= 0 || dictionary.IndexOf("/Length2"u8) >= 0;

    /// <summary>Reads <paramref name="length"/> bytes from <paramref name="offset"/> a buffer at a time.</summary>
    private void ReadRest(SafeFileHandle part, long offset, long length, Action<ReadOnlySpan<byte>> use)
    {
        for (long done = 0; done < length;)
        {
            var read = RandomAccess.Read(part, _buffer.AsSpan(0, (int)Math.Min(_buffer.Length, length - done)), offset + done);
            if (read == 0)
            {
                throw new InvalidDataException("The PDF part ended inside an object.");
            }

            use(_buffer.AsSpan(0, read));
            done += read;
        }
    }

    /// <summary>Up to a buffer of the object at <paramref name="offset"/>.</summary>
    private ReadOnlySpan<byte> ReadSpan(SafeFileHandle part, long offset, long extent)
    {
        var span = _buffer.AsSpan(0, (int)Math.Min(_buffer.Length, extent));
        ReadExactly(part, span, offset);
        return span;
    }

    /// <summary>Reads the part's cross-reference table and trailer (Skia writes one table with one subsection).</summary>
    private static CrossReferences ReadCrossReferences(SafeFileHandle part, long length)
    {
        var tailLength = (int)Math.Min(length, 1024);
        var tail = new byte[tailLength];
        ReadExactly(part, tail, length - tailLength);
        var startxref = tail.AsSpan().LastIndexOf("startxref"u8);
        if (startxref < 0)
        {
            throw new InvalidDataException("The PDF part has no startxref: it was not closed.");
        }

        var tableOffset = PdfSyntax.ReadInteger(tail, startxref + "startxref"u8.Length).Value;
        var text = new byte[length - tableOffset];
        ReadExactly(part, text, tableOffset);
        var span = text.AsSpan();
        if (!span.StartsWith("xref"u8))
        {
            throw new InvalidDataException("The PDF part's startxref does not point at a cross-reference table.");
        }

        var (first, afterFirst) = PdfSyntax.ReadInteger(span, 4);
        var (count, at) = PdfSyntax.ReadInteger(span, afterFirst);
        if (first != 0)
        {
            throw new InvalidDataException("The PDF part's cross-reference table does not start at object 0.");
        }

        var offsets = new long[count];
        var inUse = new bool[count];
        for (var number = 0; number < count; number++)
        {
            (offsets[number], at) = PdfSyntax.ReadInteger(span, at);
            (_, at) = PdfSyntax.ReadInteger(span, at);
            at = PdfSyntax.SkipWhitespace(span, at);
            inUse[number] = span[at] == 'n';
            at++;
        }

        var trailer = span[at..];
        var root = PdfSyntax.ReferenceAfter(trailer, "/Root"u8);
        var info = trailer.IndexOf("/Info"u8) >= 0 ? PdfSyntax.ReferenceAfter(trailer, "/Info"u8) : 0;
        return new CrossReferences(offsets, inUse, tableOffset, root, info);
    }

    private static void ReadExactly(SafeFileHandle part, Span<byte> buffer, long offset)
    {
        for (var done = 0; done < buffer.Length;)
        {
            var read = RandomAccess.Read(part, buffer[done..], offset + done);
            done += read > 0 ? read : throw new InvalidDataException("The PDF part is shorter than its cross-reference table says.");
        }
    }

    /// <summary>A part's objects: where each starts, and where the next one (or the table) starts after it.</summary>
    private sealed class CrossReferences
    {
        private readonly long[] _offsets;
        private readonly long[] _ends;

        public CrossReferences(long[] offsets, bool[] inUse, long tableOffset, int root, int info)
        {
            _offsets = offsets;
            Root = root;
            Info = info;
            ByOffset = Enumerable.Range(1, offsets.Length - 1).Where(n => inUse[n]).OrderBy(n => offsets[n]).ToArray();
            _ends = new long[offsets.Length];
            for (var i = 0; i < ByOffset.Length; i++)
            {
                _ends[ByOffset[i]] = i + 1 < ByOffset.Length ? offsets[ByOffset[i + 1]] : tableOffset;
            }
        }

        public int Count => _offsets.Length;

        public int Root { get; }

        public int Info { get; }

        public int[] ByOffset { get; }

        public long Offset(int number) => _offsets[number];

        public long Extent(int number) => _ends[number] - _offsets[number];
    }
}
