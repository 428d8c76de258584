namespace Reports.Bench.Results;

/// <summary>What one process may use: the limits in deploy/ (systemd and Kubernetes), and the cores the sizing plans per process.</summary>
internal sealed record ProcessBudget(double CpuLimitCores, int MemoryHighMiB, int MemoryLimitMiB, double PlannedCores, int Slots)
{
    /// <summary>A worker with the default concurrency (reports 2, reports-bulk 1).</summary>
    public static readonly ProcessBudget Worker = new(CpuLimitCores: 2, MemoryHighMiB: 768, MemoryLimitMiB: 1024, PlannedCores: 1, Slots: 3);

    public static readonly ProcessBudget Api = new(CpuLimitCores: 1, MemoryHighMiB: 384, MemoryLimitMiB: 512, PlannedCores: 0.5, Slots: 0);
}

/// <summary>One line of the sizing table: what a number of reports a day needs at its peak hour.</summary>
internal sealed record SizingRow(
    double ReportsPerDay,
    double PeakReportsPerSecond,
    double CsvRowsPerSecond,
    double PdfPagesPerSecond,
    double WorkerCores,
    double JobsInFlight,
    int WorkerProcesses,
    double ApiCores,
    int ApiReplicas,
    int Machines,
    double MemoryGiB,
    double JobStoreCores,
    double ReportReadCores,
    int ReadReplicas,
    double StorageMBps);

/// <summary>
/// The scale model: a day's reports of a stated mix, at a peak of three times the average, sized from one benchmark
/// run's costs at 60% utilisation. Every process gets at least one companion, so a machine or a process can fail.
/// </summary>
internal static class Sizing
{
    public const double PeakFactor = 3, TargetUtilisation = 0.6, CoresPerMachine = 8;

    /// <summary>Status reads and the download redirect a client makes per report, each costed as one create (an upper bound).</summary>
    public const double ApiRequestsPerReport = 5;

    /// <summary>Queueing headroom over the mean number of jobs in flight, so a burst waits little.</summary>
    private const double SlotHeadroom = 2;
    private const int MinimumProcesses = 2;

    /// <summary>The mix: most reports are small; a few large CSVs carry most rows.</summary>
    public static readonly IReadOnlyList<(string Name, double Share, double Rows, double Pages)> Mix =
    [
        ("small CSV, 1,000 rows", 0.90, 1_000, 0),
        ("medium CSV, 100,000 rows", 0.09, 100_000, 0),
        ("PDF, 100 pages (~3,500 rows)", 0.009, 3_500, 100),
        ("large CSV, 2,000,000 rows", 0.001, 2_000_000, 0),
    ];

    public static readonly IReadOnlyList<double> Volumes = [10_000, 100_000, 1_000_000];

    public static SizingRow For(ScaleCosts costs, double reportsPerDay)
    {
        ArgumentNullException.ThrowIfNull(costs);
        var perSecond = reportsPerDay / 86_400 * PeakFactor;
        var csvRows = Mix.Where(k => k.Pages == 0).Sum(k => k.Share * k.Rows) * perSecond;
        var pages = Mix.Sum(k => k.Share * k.Pages) * perSecond;
        var workerCores = ((csvRows / 1e6 * costs.WorkerCpuSPerMRows) + (pages * costs.WorkerCpuSPerPage) + (perSecond * costs.WorkerCpuSPerJob)) / TargetUtilisation;

        // Little's law: reports arriving per second times how long each holds a slot.
        var pagesPerSecondPerJob = 1 / costs.WorkerCpuSPerPage;
        var inFlight = perSecond * Mix.Sum(k => k.Share * (costs.SecondsPerTinyJob + (k.Pages > 0 ? k.Pages / pagesPerSecondPerJob : k.Rows / costs.CsvRowsPerSecondPerJob)));
        var workers = Math.Max(MinimumProcesses, (int)Math.Ceiling(Math.Max(workerCores / ProcessBudget.Worker.PlannedCores, inFlight * SlotHeadroom / ProcessBudget.Worker.Slots)));

        var apiCores = perSecond * costs.ApiCpuSPerJob * ApiRequestsPerReport / TargetUtilisation;
        var apis = Math.Max(MinimumProcesses, (int)Math.Ceiling(apiCores / ProcessBudget.Api.PlannedCores));
        var plannedCores = (workers * ProcessBudget.Worker.PlannedCores) + (apis * ProcessBudget.Api.PlannedCores);
        var machines = Math.Max(MinimumProcesses, (int)Math.Ceiling(plannedCores / CoresPerMachine));
        var memoryGiB = ((workers * ProcessBudget.Worker.MemoryLimitMiB) + (apis * ProcessBudget.Api.MemoryLimitMiB)) / 1024.0;

        var jobStore = perSecond * costs.PostgresCpuSPerJob / TargetUtilisation;
        var reads = csvRows / 1e6 * costs.PostgresCpuSPerMRows / TargetUtilisation;
        // Up to a core of report reads share the primary; beyond that they go to replicas of a machine's size.
        var replicas = reads <= 1 ? 0 : (int)Math.Ceiling(reads / CoresPerMachine);
        return new SizingRow(reportsPerDay, perSecond, csvRows, pages, workerCores, inFlight, workers, apiCores, apis, machines, memoryGiB,
            jobStore, reads, replicas, csvRows * costs.BytesPerRow / 1e6);
    }
}
