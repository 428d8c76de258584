namespace Reports.Hosting;

/// <summary>
/// Where the backing services run: Aspire's container resources (<see cref="Containers"/>), or local processes with their
/// data in folders under <see cref="DataDirectory"/>.
/// </summary>
public sealed record BackingServiceOptions(bool Containers, string DataDirectory)
{
    public string DataFolder(string name) => Path.Combine(DataDirectory, name);
}
