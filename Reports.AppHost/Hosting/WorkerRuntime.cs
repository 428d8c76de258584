namespace Reports.AppHost.Hosting;

/// <summary>
/// How the .NET runtime of a worker is set up. A worker allocates little per row, but the GC lets garbage pile up to
/// its gen0 budget (sized from the CPU cache, tens of MB here) before collecting; a 4 MiB budget keeps a worker's memory
/// within a few MB of its idle size however large the report, for a few more (short) gen0 collections. The runtime
/// reads this from the environment only, so every way of running a worker sets it: here, the container image
/// (Reports.Worker.csproj), deploy/kubernetes/worker.yaml and deploy/systemd/reports-worker@.service.
/// </summary>
internal static class WorkerRuntime
{
    public const string Gen0BudgetVariable = "DOTNET_GCgen0size";

    public const string Gen0Budget = "0x400000";
}
