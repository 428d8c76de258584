namespace Reports.AppHost.Hosting;

/// <summary>An HTTP endpoint a project listens on: a fixed port, or a free loopback port per replica when none is given.</summary>
internal sealed record HttpEndpoint(int? Port, string Host);

/// <summary>
/// One of the solution's projects, run from its build output with <c>dotnet</c>, as many times as it has replicas.
/// </summary>
internal sealed class ProjectResource(string name, string projectName, IReadOnlyList<string> arguments) : Resource(name)
{
    private readonly List<IResourceWithConnectionString> _references = [];

    public override string Type => "Project";

    /// <summary>The project's folder and assembly name, e.g. <c>Reports.Worker</c>.</summary>
    public string ProjectName { get; } = projectName;

    /// <summary>Arguments after the dll, e.g. the <c>migrate</c> verb.</summary>
    public IReadOnlyList<string> Arguments { get; } = arguments;

    public int Replicas { get; set; } = 1;

    public HttpEndpoint? Endpoint { get; set; }

    /// <summary>Set when something waits for its completion: it runs once and is not restarted.</summary>
    public bool RunsToCompletion { get; set; }

    public IReadOnlyList<IResourceWithConnectionString> References => _references;

    /// <summary>Variables of the project's own, given unless the AppHost's environment already sets them.</summary>
    public Dictionary<string, string> Environment { get; } = new(StringComparer.Ordinal);

    public void AddReference(IResourceWithConnectionString reference)
    {
        if (!_references.Contains(reference))
        {
            _references.Add(reference);
        }
    }

    /// <summary>The name of replica <paramref name="index"/>: the resource's own name when it has one replica.</summary>
    public string ReplicaName(int index) => Replicas == 1 ? Name : $"{Name}-{index}";
}

internal static class ProjectBuilderExtensions
{
    /// <summary>Adds <paramref name="projectName"/> (a folder at the repository root) run as <c>dotnet &lt;dll&gt; [arguments]</c>.</summary>
    public static IResourceBuilder<ProjectResource> AddProject(
        this DistributedApplicationBuilder builder, string name, string projectName, params string[] arguments)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddResource(new ProjectResource(name, projectName, arguments));
    }

    public static IResourceBuilder<ProjectResource> WithReplicas(this IResourceBuilder<ProjectResource> project, int replicas)
    {
        ArgumentNullException.ThrowIfNull(project);
        ArgumentOutOfRangeException.ThrowIfNegative(replicas);
        project.Resource.Replicas = replicas;
        return project;
    }

    /// <summary>
    /// Gives the project <c>ASPNETCORE_URLS</c>; <c>WaitFor</c> on it then waits for <c>GET /health</c> to answer 200.
    /// Without <paramref name="port"/>, each replica gets a free loopback port.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithHttpEndpoint(this IResourceBuilder<ProjectResource> project, int? port = null, string? host = null)
    {
        ArgumentNullException.ThrowIfNull(project);
        project.Resource.Endpoint = new HttpEndpoint(port, host ?? (port is null ? "127.0.0.1" : "localhost"));
        return project;
    }

    /// <summary>Gives the project <paramref name="name"/>=<paramref name="value"/>, unless the AppHost's environment sets it.</summary>
    public static IResourceBuilder<ProjectResource> WithEnvironment(this IResourceBuilder<ProjectResource> project, string name, string value)
    {
        ArgumentNullException.ThrowIfNull(project);
        project.Resource.Environment[name] = value;
        return project;
    }

    /// <summary>Gives the project <c>ConnectionStrings__{source name}</c>.</summary>
    public static IResourceBuilder<ProjectResource> WithReference<TSource>(this IResourceBuilder<ProjectResource> project, IResourceBuilder<TSource> source)
        where TSource : Resource, IResourceWithConnectionString
    {
        ArgumentNullException.ThrowIfNull(project);
        ArgumentNullException.ThrowIfNull(source);
        project.Resource.AddReference(source.Resource);
        return project;
    }
}
