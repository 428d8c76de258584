namespace Reports.Core.Catalog.Files;

/// <summary>
/// How a validated parameter's value becomes its SQL parameter (<c>bind:</c> in a file); as it is when none is named.
/// Dates are bound as instants, so <c>ordered_at &gt;= @from AND ordered_at &lt; @to</c> covers the days from and to
/// inclusive: <c>start_of_day</c> for a first day, <c>start_of_next_day</c> for a last day.
/// </summary>
internal enum ParameterBind
{
    AsIs,
    StartOfDay,
    StartOfNextDay,
}

internal static class ParameterBinds
{
    public static IReadOnlyDictionary<string, ParameterBind> Names { get; } = new Dictionary<string, ParameterBind>(StringComparer.Ordinal)
    {
        ["start_of_day"] = ParameterBind.StartOfDay,
        ["start_of_next_day"] = ParameterBind.StartOfNextDay,
    };

    /// <summary>The parameter types a bind applies to.</summary>
    public static bool AppliesTo(this ParameterBind bind, ParameterType type) => bind == ParameterBind.AsIs || type == ParameterType.Date;

    public static object? Apply(this ParameterBind bind, object? value) => (bind, value) switch
    {
        (ParameterBind.StartOfDay, DateOnly day) => MidnightUtc(day),
        (ParameterBind.StartOfNextDay, DateOnly day) => MidnightUtc(day.AddDays(1)),
        _ => value,
    };

    private static DateTime MidnightUtc(DateOnly day) => day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
}
