namespace Reports.Core.Catalog.Definitions;

internal static class Dates
{
    /// <summary>Midnight UTC of a day: the inclusive lower bound of that day's rows.</summary>
    public static DateTime StartOfDayUtc(DateOnly day) => day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
}
