using Reports.Core.Catalog;

namespace Reports.Core.Generation.Partitions;

/// <summary>The rows of a report whose first key is at least <see cref="From"/> and below <see cref="To"/>; no bound where null.</summary>
public sealed record KeyRange(object? From, object? To)
{
    public const string FromParameter = "partition_from";
    public const string ToParameter = "partition_to";

    public static KeyRange Of(PartitionCheckpoint partition, ColumnType keyType)
    {
        ArgumentNullException.ThrowIfNull(partition);
        return new(
            partition.From is { } from ? KeysetCursor.Parse(keyType, from) : null,
            partition.To is { } to ? KeysetCursor.Parse(keyType, to) : null);
    }
}
