namespace Reports.AppHost.Hosting;

/// <summary>One resource (or one replica of a project) as it is now.</summary>
internal sealed record ResourceSnapshot
{
    public required string Name { get; init; }

    public required string Type { get; init; }

    public ResourceState State { get; init; } = ResourceState.Waiting;

    public int? Pid { get; init; }

    public string? Endpoint { get; init; }

    public int Restarts { get; init; }

    public int? ExitCode { get; init; }

    /// <summary>What the services are given as <c>ConnectionStrings__{Name}</c>; only for resources that have one.</summary>
    public string? ConnectionString { get; init; }
}
