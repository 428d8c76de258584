using Reports.Core.Queue;

namespace Reports.Core.Catalog.Files;

/// <summary>The words a catalog file uses for types, alignments and orientations.</summary>
internal static class FileVocabulary
{
    public static IReadOnlyDictionary<string, ParameterType> ParameterTypes { get; } = new Dictionary<string, ParameterType>(StringComparer.Ordinal)
    {
        ["date"] = ParameterType.Date,
        ["text"] = ParameterType.Text,
        ["text_list"] = ParameterType.TextList,
        ["decimal"] = ParameterType.Decimal,
        ["integer"] = ParameterType.Integer,
    };

    public static IReadOnlyDictionary<string, ColumnType> ColumnTypes { get; } = new Dictionary<string, ColumnType>(StringComparer.Ordinal)
    {
        ["text"] = ColumnType.Text,
        ["integer"] = ColumnType.Integer,
        ["decimal"] = ColumnType.Decimal,
        ["date"] = ColumnType.Date,
        ["timestamp"] = ColumnType.Timestamp,
    };

    public static IReadOnlyDictionary<string, ColumnAlignment> Alignments { get; } = new Dictionary<string, ColumnAlignment>(StringComparer.Ordinal)
    {
        ["left"] = ColumnAlignment.Left,
        ["right"] = ColumnAlignment.Right,
    };

    public static IReadOnlyList<string> Orientations { get; } = [OutputParameters.Portrait, OutputParameters.Landscape];

    public static IReadOnlyList<string> Queues => QueueNames.All;

    /// <summary>SQL parameter names the engine adds to the page queries (and a partition's cut) itself.</summary>
    public static bool IsReservedSqlName(string name) =>
        name is "page_size" or "fractions" or Generation.Partitions.KeyRange.FromParameter or Generation.Partitions.KeyRange.ToParameter
        || (name.StartsWith("key_", StringComparison.Ordinal) && name[4..].All(char.IsAsciiDigit));
}
