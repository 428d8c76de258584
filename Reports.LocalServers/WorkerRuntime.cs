namespace Reports.LocalServers;

/// <summary>
/// How the .NET runtime of a worker is set up, so that its memory stays within a few MB of its idle size however large
/// the report (measured by the benchmark's scenario 2):
/// <list type="bullet">
/// <item>Tiered compilation off: every method is compiled once, optimised, when first called. With tiering, the
/// methods a large report calls often enough are compiled again (instrumented, then optimised) while it runs, and
/// their code and the JIT's memory stay: a worker grew by 10 to 15 MB that way. Start-up takes about 1.5 s more CPU;
/// the first large report runs at full speed instead of in unoptimised code.</item>
/// <item>A 1 MiB gen0 budget in 1 MiB regions: a worker allocates little per row, but the GC lets garbage pile up to
/// its budget (sized from the CPU cache, tens of MB here) before collecting, and the regions it has filled stay
/// resident.</item>
/// <item>Two glibc malloc arenas: Skia allocates its native memory on whichever thread-pool threads draw a PDF's
/// segments, and glibc gives each such thread an arena of its own (up to eight per core), each keeping the memory it
/// freed. A 20,000-page PDF grew a worker by 16 MB that way, 11 MB with two arenas, and drew no slower.</item>
/// </list>
/// The runtime reads these from the environment only, so every way of running a worker sets them: the AppHost, the container
/// image (Reports.Worker.csproj), deploy/kubernetes/worker.yaml and deploy/systemd/reports-worker@.service.
/// </summary>
public static class WorkerRuntime
{
    public static IReadOnlyList<KeyValuePair<string, string>> Environment { get; } =
    [
        new("DOTNET_TieredCompilation", "0"),
        new("DOTNET_GCgen0size", "0x100000"),
        new("DOTNET_GCRegionSize", "0x100000"),
        new("MALLOC_ARENA_MAX", "2"),
    ];
}
