using System.Globalization;

namespace Reports.Core.Queue;

/// <summary>A Redis stream entry id, <c>milliseconds-sequence</c>, ordered as Redis orders them.</summary>
internal readonly record struct StreamId(ulong Milliseconds, ulong Sequence) : IComparable<StreamId>
{
    public bool IsZero => Milliseconds == 0 && Sequence == 0;

    public static StreamId Parse(string? id)
    {
        var dash = id?.IndexOf('-', StringComparison.Ordinal) ?? -1;
        if (id is null || dash < 0
            || !ulong.TryParse(id.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out var ms)
            || !ulong.TryParse(id.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var seq))
        {
            throw new FormatException($"'{id}' is not a stream entry id.");
        }

        return new StreamId(ms, seq);
    }

    public static StreamId Min(StreamId? a, StreamId b) => a is { } x && x.CompareTo(b) <= 0 ? x : b;

    public int CompareTo(StreamId other) =>
        Milliseconds != other.Milliseconds ? Milliseconds.CompareTo(other.Milliseconds) : Sequence.CompareTo(other.Sequence);

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Milliseconds}-{Sequence}");
}
