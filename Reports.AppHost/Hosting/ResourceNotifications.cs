namespace Reports.AppHost.Hosting;

/// <summary>The current state of every resource, in declaration order, and a notice on each change.</summary>
internal sealed class ResourceNotifications
{
    private readonly Lock _lock = new();
    private readonly List<string> _order = [];
    private readonly Dictionary<string, ResourceSnapshot> _snapshots = new(StringComparer.Ordinal);

    /// <summary>Raised after every change, outside the lock; read <see cref="Current"/> for a consistent view.</summary>
    public event Action<ResourceSnapshot>? Changed;

    public void Add(ResourceSnapshot snapshot)
    {
        lock (_lock)
        {
            if (!_snapshots.TryAdd(snapshot.Name, snapshot))
            {
                throw new InvalidOperationException($"A resource named '{snapshot.Name}' is already registered.");
            }

            _order.Add(snapshot.Name);
        }

        Changed?.Invoke(snapshot);
    }

    public ResourceSnapshot Update(string name, Func<ResourceSnapshot, ResourceSnapshot> change)
    {
        ArgumentNullException.ThrowIfNull(change);
        ResourceSnapshot updated;
        lock (_lock)
        {
            updated = change(_snapshots[name]);
            _snapshots[name] = updated;
        }

        Changed?.Invoke(updated);
        return updated;
    }

    public ResourceSnapshot Get(string name)
    {
        lock (_lock)
        {
            return _snapshots[name];
        }
    }

    public IReadOnlyList<ResourceSnapshot> Current()
    {
        lock (_lock)
        {
            return [.. _order.Select(name => _snapshots[name])];
        }
    }
}
