namespace Reports.AppHost.Hosting;

/// <summary>How a resource waits for another before it starts.</summary>
internal enum WaitKind
{
    /// <summary><c>WaitFor</c>: until it is healthy (a server answers, a project's /health is 200).</summary>
    Healthy,

    /// <summary><c>WaitForCompletion</c>: until the one-shot has exited with code 0.</summary>
    Completion,
}

internal sealed record WaitAnnotation(Resource Resource, WaitKind Kind);

/// <summary>Something the AppHost runs or connects to, named as Aspire names it (the name is also its connection string's name).</summary>
internal abstract class Resource(string name)
{
    private readonly List<WaitAnnotation> _waits = [];

    public string Name { get; } = ValidName(name);

    /// <summary>What this resource waits for before it starts, in the order declared.</summary>
    public IReadOnlyList<WaitAnnotation> Waits => _waits;

    /// <summary>A short type name for the console and resources.json.</summary>
    public abstract string Type { get; }

    public void AddWait(WaitAnnotation wait)
    {
        ArgumentNullException.ThrowIfNull(wait);
        if (ReferenceEquals(wait.Resource, this))
        {
            throw new InvalidOperationException($"{Name} cannot wait for itself.");
        }

        if (!_waits.Contains(wait))
        {
            _waits.Add(wait);
        }
    }

    public override string ToString() => Name;

    private static string ValidName(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return name.All(c => char.IsAsciiLetterOrDigit(c) || c == '-')
            ? name
            : throw new ArgumentException($"Resource name '{name}' may contain only letters, digits and '-'.", nameof(name));
    }
}

/// <summary>A resource that services reach through <c>ConnectionStrings__{Name}</c>.</summary>
internal interface IResourceWithConnectionString
{
    string Name { get; }

    /// <summary>A connection string given to the AppHost (configuration or environment): the server exists, do not start one.</summary>
    string? GivenConnectionString { get; }

    bool IsGiven { get; }

    /// <summary>The connection string the services are given.</summary>
    string GetConnectionString();
}

/// <summary>A resource that lives inside another (a database in a server, a blob service in a storage account).</summary>
internal interface IResourceWithParent
{
    Resource Parent { get; }
}
