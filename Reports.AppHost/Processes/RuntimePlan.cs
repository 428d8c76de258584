using Reports.AppHost.Hosting;

namespace Reports.AppHost.Processes;

/// <summary>One runnable unit: a resource, or one replica of a project.</summary>
internal sealed record PlannedRuntime(Resource Resource, IResourceRuntime Runtime)
{
    /// <summary>Projects stop first (they use the servers), then the servers.</summary>
    public bool IsProject => Resource is ProjectResource;
}

/// <summary>
/// Turns the declared resources into what runs: a supervised process per server and per project replica, a check per
/// database, blob service and given server; and each unit's dependencies (its waits, and its parent server).
/// Every unit is registered in <see cref="ResourceNotifications"/> with its endpoint and connection string.
/// </summary>
internal sealed partial class RuntimePlan
{
    private static readonly TimeSpan GivenServerDeadline = TimeSpan.FromSeconds(60);
    private readonly Dictionary<Resource, List<IResourceRuntime>> _byResource = [];
    private readonly List<PlannedRuntime> _units = [];
    private readonly AppHostOptions _options;
    private readonly ResourceNotifications _states;
    private readonly ResourceLogs _logs;
    private readonly TimeProvider _time;
    private readonly Dictionary<PostgresServerResource, PostgresServer> _postgres = [];

    private RuntimePlan(AppHostOptions options, ResourceNotifications states, ResourceLogs logs, TimeProvider time)
    {
        _options = options;
        _states = states;
        _logs = logs;
        _time = time;
    }

    public IReadOnlyList<PlannedRuntime> Units => _units;

    public static RuntimePlan Create(DistributedApplication application, ResourceNotifications states, ResourceLogs logs, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(application);
        var plan = new RuntimePlan(application.Options, states, logs, time ?? TimeProvider.System);
        foreach (var resource in application.Resources)
        {
            plan.Add(resource);
        }

        return plan;
    }

    /// <summary>Everything <paramref name="resource"/> waits for before it starts; throws if one of them failed.</summary>
    public Func<CancellationToken, Task> DependenciesOf(Resource resource) => async cancellationToken =>
    {
        IEnumerable<WaitAnnotation> waits = resource.Waits;
        if (resource is IResourceWithParent { Parent: var parent })
        {
            waits = waits.Prepend(new WaitAnnotation(parent, WaitKind.Healthy));
        }

        foreach (var wait in waits)
        {
            foreach (var dependency in _byResource.GetValueOrDefault(wait.Resource) ?? [])
            {
                await WaitAsync(resource, wait.Kind, dependency, cancellationToken);
            }
        }
    };

    private static async Task WaitAsync(Resource resource, WaitKind kind, IResourceRuntime dependency, CancellationToken cancellationToken)
    {
        if (kind == WaitKind.Completion && dependency is ProcessSupervisor oneShot)
        {
            var exitCode = await oneShot.Completed.WaitAsync(cancellationToken);
            if (exitCode != 0)
            {
                throw new ResourceFailedException($"{resource.Name} was not started: {dependency.Name} exited with code {exitCode}.");
            }

            return;
        }

        try
        {
            await dependency.Ready.WaitAsync(cancellationToken);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ResourceFailedException($"{resource.Name} was not started: {dependency.Name} is not running.", e);
        }
    }

    private void Add(Resource resource)
    {
        switch (resource)
        {
            case RedisResource redis:
                AddRedis(redis);
                break;
            case PostgresServerResource postgres when postgres.IsNeeded:
                AddPostgres(postgres);
                break;
            case PostgresDatabaseResource database:
                AddDatabase(database);
                break;
            case AzureStorageResource storage when storage.IsNeeded:
                AddStorage(storage);
                break;
            case AzureBlobStorageResource blobs:
                AddBlobs(blobs);
                break;
            case ProjectResource project:
                AddProject(project);
                break;
            default:
                // A server whose every database or service was given by connection string: nothing to run.
                break;
        }
    }

    private void AddProject(ProjectResource project)
    {
        if (project.Endpoint is { Port: not null } && project.Replicas > 1)
        {
            throw new InvalidOperationException($"{project.Name} has {project.Replicas} replicas but one fixed port: they cannot all listen on it.");
        }

        var assembly = ProjectPaths.AssemblyPath(_options.RepositoryRoot, project.ProjectName, _options.BuildConfiguration);
        for (var replica = 0; replica < project.Replicas; replica++)
        {
            var name = project.ReplicaName(replica);
            var url = project.Endpoint is { } endpoint
                ? new Uri($"http://{endpoint.Host}:{endpoint.Port ?? FreePort.Next()}")
                : null;
            var index = replica;
            var launcher = new CommandLauncher
            {
                Name = name,
                FileName = "dotnet",
                Arguments = [assembly, .. project.Arguments],
                WorkingDirectory = Path.Combine(_options.RepositoryRoot, project.ProjectName),
                Environment = _ => Task.FromResult(ProjectEnvironment.For(project, index, url, _options, Environment.ProcessId)),
                Readiness = url is null || project.RunsToCompletion ? null : HttpHealthProbe.For(url),
                Output = _logs.For(name),
            };
            Register(project, name, url?.GetLeftPart(UriPartial.Authority), connectionString: null);
            var policy = new SupervisionPolicy { RunsToCompletion = project.RunsToCompletion, StopDeadline = TimeSpan.FromSeconds(30) };
            AddUnit(project, new ProcessSupervisor(name, launcher.LaunchAsync, policy, _states, _logs.For(ResourceLogs.AppHost), _time));
        }
    }

    private void Register(Resource resource, string name, string? endpoint, string? connectionString) =>
        _states.Add(new ResourceSnapshot { Name = name, Type = resource.Type, Endpoint = endpoint, ConnectionString = connectionString });

    private void AddUnit(Resource resource, IResourceRuntime runtime)
    {
        if (!_byResource.TryGetValue(resource, out var runtimes))
        {
            _byResource[resource] = runtimes = [];
        }

        runtimes.Add(runtime);
        _units.Add(new PlannedRuntime(resource, runtime));
    }
}
