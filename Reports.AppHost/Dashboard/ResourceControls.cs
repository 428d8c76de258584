using Reports.AppHost.Processes;

namespace Reports.AppHost.Dashboard;

/// <summary>The supervised processes the dashboard can stop and start, by resource (replica) name.</summary>
internal sealed class ResourceControls
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, ProcessSupervisor> _supervisors = new(StringComparer.Ordinal);

    public void Register(IEnumerable<IResourceRuntime> runtimes)
    {
        ArgumentNullException.ThrowIfNull(runtimes);
        lock (_lock)
        {
            foreach (var supervisor in runtimes.OfType<ProcessSupervisor>().Where(s => s.CanStopAndStart))
            {
                _supervisors[supervisor.Name] = supervisor;
            }
        }
    }

    public bool CanControl(string name)
    {
        lock (_lock)
        {
            return _supervisors.ContainsKey(name);
        }
    }

    /// <summary>Null when there is no such resource (or it cannot be controlled); false when it was already so.</summary>
    public bool? Stop(string name) => Find(name)?.RequestStop();

    public bool? Start(string name) => Find(name)?.RequestStart();

    private ProcessSupervisor? Find(string name)
    {
        lock (_lock)
        {
            return _supervisors.GetValueOrDefault(name);
        }
    }
}
