namespace Reports.Core.Sources;

/// <summary>
/// One data source's settings, <c>Reports:Sources:&lt;name&gt;</c>; its connection string is <c>ConnectionStrings:&lt;name&gt;</c>
/// (point it at a read replica to keep reports off the primary).
/// </summary>
public sealed class SourceOptions
{
    public const string Section = "Reports:Sources";

    public SourceKind Kind { get; set; } = SourceKind.PostgreSql;

    /// <summary>Report queries running against this source at once, across all workers; the rest wait their turn.</summary>
    public int MaxConcurrentQueries { get; set; } = 4;

    /// <summary>The longest one query (a page, a count, a totals query) may run before the database ends it.</summary>
    public TimeSpan StatementTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Connections a service keeps open to this source at most.</summary>
    public int MaxPoolSize { get; set; } = 16;

    /// <summary>What is wrong with these settings, or null when they can be used.</summary>
    public string? Problem(string name)
    {
        if (!Enum.IsDefined(Kind))
        {
            return $"{Section}:{name}:Kind must be PostgreSql or MySql.";
        }

        if (MaxConcurrentQueries is < 1 or > 1_000)
        {
            return $"{Section}:{name}:MaxConcurrentQueries must be between 1 and 1000 (was {MaxConcurrentQueries}).";
        }

        if (StatementTimeout < TimeSpan.FromSeconds(1) || StatementTimeout > TimeSpan.FromHours(24))
        {
            return $"{Section}:{name}:StatementTimeout must be between 00:00:01 and 1.00:00:00 (was {StatementTimeout}).";
        }

        return MaxPoolSize is < 1 or > 1_000 ? $"{Section}:{name}:MaxPoolSize must be between 1 and 1000 (was {MaxPoolSize})." : null;
    }
}
