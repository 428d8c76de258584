using System.Globalization;

namespace Reports.Bench;

/// <summary>
/// Sizes, counts and time bounds of one benchmark run. The full run follows issue 10; <c>--quick</c> keeps every
/// scenario but shrinks it so the whole run takes a few minutes.
/// </summary>
internal sealed record BenchSettings
{
    /// <summary>
    /// The names <c>--only</c> takes, one per scenario of issue 10 and <c>csv-mariadb</c> (scenario 1b, issue 19);
    /// <c>scale</c> recomputes the sizing, taking the figures this run did not measure from the last full run (latest.json).
    /// </summary>
    public static readonly IReadOnlyList<string> ScenarioNames = ["csv", "csv-mariadb", "memory", "pdf", "queue", "api", "peers", "formats", "scale"];

    public required bool Quick { get; init; }
    public required string RepositoryRoot { get; init; }
    public string AppHostAssembly => Path.Combine(RepositoryRoot, "Reports.AppHost/bin/Release/net10.0/Reports.AppHost.dll");
    public string DataDirectory => Path.Combine(RepositoryRoot, "bench/.data");
    public string ResultsDirectory => Path.Combine(RepositoryRoot, "bench/results");
    public string FontPath { get; init; } = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
    /// <summary>The API's port; 0 (the default) takes a free one, so two benchmarks on one machine never meet.</summary>
    public int ApiPort { get; init; }
    /// <summary>A system's start, with the dataset seeded (and copied into MariaDB) on the first one in a fresh data folder.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromMinutes(20);

    /// <summary>Runs of each scenario (min/median/max over them).</summary>
    public required int Runs { get; init; }

    /// <summary>Orders seeded: enough for the largest CSV inside the orders report's 5-year span.</summary>
    public required long DatasetOrders { get; init; }

    public required long CsvRows { get; init; }

    /// <summary>The larger CSV of scenario 1, beside <see cref="CsvRows"/>: the gap to the floor grows with the report.</summary>
    public required long CsvLargeRows { get; init; }
    public required IReadOnlyList<long> MemoryCsvRows { get; init; }

    /// <summary>Sizes of the orders report written as CSV, XLSX and JSON Lines side by side (scenario 7).</summary>
    public required IReadOnlyList<long> FormatRows { get; init; }
    /// <summary>The rows of the PDF each larger PDF's memory is compared with, as the CSVs are with their smallest.</summary>
    public long MemoryPdfBaselineRows { get; init; } = 10_000;

    /// <summary>Page counts of the larger PDFs sampled; <see cref="PdfPages"/> is sampled by the PDF scenario itself.</summary>
    public required IReadOnlyList<int> MemoryPdfPages { get; init; }
    public required int PdfPages { get; init; }
    /// <summary>Tiny reports per run of the queue scenario (also the no-op jobs submitted over HTTP).</summary>
    public required int QueueJobs { get; init; }

    /// <summary>No-op jobs per run of the queue scenario, submitted in-process as a job library's client does.</summary>
    public required int NoOpJobs { get; init; }
    public required IReadOnlyList<int> QueueWorkers { get; init; }
    public required long LoadReportRows { get; init; }
    public required TimeSpan LoadDuration { get; init; }
    public int LoadConcurrency { get; init; } = 4;

    /// <summary>No-op jobs each peer runs per run (scenario 6): enough that a fast peer runs for seconds, not milliseconds.</summary>
    public required int PeerJobs { get; init; }

    /// <summary>Scenario 6 runs in the system with this many worker processes, and gives each peer as many.</summary>
    public int PeerWorkerProcesses { get; init; } = 2;

    /// <summary>
    /// Concurrent jobs per worker process: our workers' default on the interactive queue, where tiny reports go; with
    /// <c>--slots N</c>, N for the peers and for our workers' interactive queue alike (scenario 6 at the peers' own best
    /// concurrency, e.g. 50).
    /// </summary>
    public int PeerSlotsPerProcess { get; init; } = DefaultSlots;

    /// <summary>The interactive queue's slots of a worker by default (<c>Reports:Worker:Queues</c>).</summary>
    public const int DefaultSlots = 2;

    /// <summary>The time limit of one peer run; the runner exits by itself after it.</summary>
    public TimeSpan PeerTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>The scenarios of <c>--only</c>; null runs them all.</summary>
    public IReadOnlySet<string>? Only { get; init; }

    public bool Includes(string scenario) => Only is null || Only.Contains(scenario);

    /// <summary>A partial run (<c>--only</c>) writes its own files, so it never replaces the figures of a whole run.</summary>
    public string ResultsName =>
        (Only is null ? "latest" : "only-" + string.Join('-', Only.Order(StringComparer.Ordinal)))
        + (PeerSlotsPerProcess == DefaultSlots ? "" : string.Create(CultureInfo.InvariantCulture, $"-slots{PeerSlotsPerProcess}"));

    /// <summary>The time limit of any one report the benchmark waits for.</summary>
    public TimeSpan ReportTimeout { get; init; } = TimeSpan.FromMinutes(20);

    public static BenchSettings Full(string root) => new()
    {
        Quick = false,
        RepositoryRoot = root,
        Runs = 3,
        DatasetOrders = 7_500_000,
        CsvRows = 2_000_000,
        CsvLargeRows = 6_000_000,
        MemoryCsvRows = [10_000, 1_000_000, 5_000_000],
        FormatRows = [10_000, 1_000_000, 5_000_000],
        MemoryPdfPages = [20_000],
        PdfPages = 20_000,
        QueueJobs = 3_000,
        NoOpJobs = 20_000,
        QueueWorkers = [1, 2, 4],
        LoadReportRows = 2_000_000,
        LoadDuration = TimeSpan.FromSeconds(15),
        PeerJobs = 20_000,
    };

    public static BenchSettings QuickRun(string root) => new()
    {
        Quick = true,
        RepositoryRoot = root,
        Runs = 3,
        DatasetOrders = 1_200_000,
        CsvRows = 500_000,
        CsvLargeRows = 900_000,
        MemoryCsvRows = [10_000, 200_000, 1_000_000],
        FormatRows = [10_000, 200_000, 1_000_000],
        MemoryPdfPages = [2_000],
        PdfPages = 2_000,
        QueueJobs = 500,
        NoOpJobs = 2_000,
        QueueWorkers = [1, 2, 4],
        LoadReportRows = 500_000,
        LoadDuration = TimeSpan.FromSeconds(5),
        PeerJobs = 2_000,
    };

    /// <summary><c>[--quick] [--runs N] [--slots N] [--only NAME,...] [--queue-workers N,...] [--root DIR]</c>; null with a message on a bad argument.</summary>
    public static (BenchSettings? Settings, string? Error) Parse(IReadOnlyList<string> args, string defaultRoot)
    {
        ArgumentNullException.ThrowIfNull(args);
        var quick = args.Contains("--quick");
        var root = defaultRoot;
        int? runs = null;
        int? slots = null;
        HashSet<string>? only = null;
        int[]? queueWorkers = null;
        for (var i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--quick":
                    break;
                case "--runs" when i + 1 < args.Count && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= 20:
                    runs = n;
                    i++;
                    break;
                case "--slots" when i + 1 < args.Count && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var k) && k is >= 1 and <= 200:
                    slots = k;
                    i++;
                    break;
                case "--only" when i + 1 < args.Count && ParseScenarios(args[i + 1]) is { } names:
                    only = names;
                    i++;
                    break;
                case "--queue-workers" when i + 1 < args.Count && ParseWorkerCounts(args[i + 1]) is { } counts:
                    queueWorkers = counts;
                    i++;
                    break;
                case "--root" when i + 1 < args.Count:
                    root = Path.GetFullPath(args[++i]);
                    break;
                default:
                    return (null, $"unknown or incomplete argument '{args[i]}'. Usage: Reports.Bench [--quick] [--runs 1-20] [--slots 1-200] [--only {string.Join('|', ScenarioNames)},...] [--queue-workers N,...] [--root DIR]");
            }
        }

        var settings = (quick ? QuickRun(root) : Full(root)) with { Only = only, PeerSlotsPerProcess = slots ?? DefaultSlots };
        settings = queueWorkers is null ? settings : settings with { QueueWorkers = queueWorkers };
        return (runs is { } r ? settings with { Runs = r } : settings, null);
    }

    /// <summary>A comma-separated list of worker counts (1–8) in rising order, or null.</summary>
    private static int[]? ParseWorkerCounts(string text)
    {
        var counts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(t => int.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= 8 ? n : 0).ToArray();
        return counts.Length > 0 && counts.All(n => n > 0) && counts.SequenceEqual(counts.Order().Distinct()) ? counts : null;
    }

    /// <summary>A comma-separated list of known scenario names, or null.</summary>
    private static HashSet<string>? ParseScenarios(string text)
    {
        var names = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);
        return names.Count > 0 && names.All(ScenarioNames.Contains) ? names : null;
    }
}
