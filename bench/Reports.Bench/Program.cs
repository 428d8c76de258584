using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Reports.Bench;
using Reports.Bench.Harness;
using Reports.Bench.Measurement;
using Reports.Bench.Results;
using Reports.Bench.Scenarios;

// ./reports bench [--quick] [--only ...]: starts the system through the AppHost on loopback (1 worker, 1 with MariaDB, 2, then 4), runs
// each scenario of issue 10 a few times next to its floor or its peers, and writes bench/results/latest.json and latest.md.
var (settings, error) = BenchSettings.Parse(args, FindRepositoryRoot());
if (settings is null)
{
    Console.Error.WriteLine($"Reports.Bench: {error}");
    return 2;
}

// Bounded: the whole run stops by itself, whatever happens; Ctrl+C stops it too (the systems are shut down).
using var stop = new CancellationTokenSource(settings.Quick ? TimeSpan.FromMinutes(25) : TimeSpan.FromMinutes(100));
using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Cancel);
using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Cancel);
var cancellationToken = stop.Token;

var report = new BenchReport();
foreach (var (key, value) in MachineInfo.Collect(settings.RepositoryRoot))
{
    report.Machine[key] = value?.DeepClone();
}

report.Settings["quick"] = settings.Quick;
report.Settings["runs"] = settings.Runs;
report.Settings["datasetOrders"] = settings.DatasetOrders;
report.Settings["workerQueues"] = "defaults: reports 2, reports-bulk 1 per worker process";
report.Settings["apiLimits"] = "per-owner rate limit and active-job quota lifted to 1,000,000 (one owner floods on purpose)";
report.Settings["only"] = settings.Only is null ? null : string.Join(",", settings.Only.Order(StringComparer.Ordinal));
report.Settings["peers"] = $"{settings.PeerJobs} no-op jobs each, {settings.PeerWorkerProcesses} worker processes × {settings.PeerSlotsPerProcess} concurrent jobs";

var memory = new Figures();
var queue = new Figures();
var peers = new Figures();
var memoryLoad = new MachineLoad();
var queueLoad = new JsonObject();
var peersLoad = new JsonObject();

// Each system starts only when a scenario chosen by --only runs in it.
if (settings.Includes("memory") || settings.Includes("pdf") || settings.Includes("formats") || QueueAt(1))
{
    await InSystemAsync(1, async session =>
    {
        if (settings.Includes("memory"))
        {
            await Attempt("2. memory (CSV)", () => MemoryScenario.RunAsync(session, memory, cancellationToken));
        }

        if (settings.Includes("pdf"))
        {
            await Attempt("3. PDF", () => PdfScenario.RunAsync(session, memory, cancellationToken));
        }

        if (settings.Includes("memory") || settings.Includes("pdf"))
        {
            MemoryScenario.Publish(session, memory, memoryLoad.Stop());
        }

        if (settings.Includes("formats"))
        {
            await Attempt("8. formats", () => FormatsScenario.RunAsync(session, cancellationToken));
        }

        await QueueAndPeers(session);
    });
}

if (settings.Includes("csv-mariadb"))
{
    // Scenario 1b in a system of its own, with one worker (a MariaDB report is read whole, as one part): only it runs MariaDB beside the rest.
    await InSystemAsync(1, session => Attempt("1b. CSV from MariaDB", () => CsvMariaDbScenario.RunAsync(session, cancellationToken)), withMariaDb: true);
}

if (settings.Includes("csv") || settings.Includes("api") || settings.Includes("pdf") || QueueAt(2))
{
    await InSystemAsync(2, async session =>
    {
        if (settings.Includes("pdf"))
        {
            await Attempt("3b. PDF, two workers", () => PdfScenario.RunTwoWorkersAsync(session, cancellationToken));
        }

        // Scenario 1 with two workers: a large report is read as partitions side by side (Reports:Generation:ReadersPerReport).
        if (settings.Includes("csv"))
        {
            await Attempt("1. CSV throughput", () => CsvThroughputScenario.RunAsync(session, cancellationToken));
        }

        if (settings.Includes("api"))
        {
            await Attempt("5. API under load", () => ApiLoadScenario.RunAsync(session, cancellationToken));
        }

        await QueueAndPeers(session);
    });
}

foreach (var workers in settings.QueueWorkers.Append(settings.PeerWorkerProcesses).Distinct().Where(w => w is not (1 or 2) && QueueAt(w)))
{
    await InSystemAsync(workers, QueueAndPeers);
}

if (settings.Includes("queue"))
{
    QueueScenario.Publish(report, settings, queue, queueLoad);
}

if (settings.Includes("peers"))
{
    PeersScenario.Publish(report, settings, peers, queue[QueueScenario.NoOpKey(settings.PeerWorkerProcesses)], peersLoad);
}

if (settings.Only?.Contains("scale") == true)
{
    // --only scale: the sizing from the last full run's figures where this run measured none.
    ScaleModel.BorrowMissingFigures(report, JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(settings.ResultsDirectory, "latest.json"), cancellationToken))!);
}

ScaleModel.Write(report);
report.Machine["loadAverageAtEnd"] = MachineLoad.LoadAverage();

Directory.CreateDirectory(settings.ResultsDirectory);
await File.WriteAllTextAsync(Path.Combine(settings.ResultsDirectory, settings.ResultsName + ".json"),
    report.ToJson().ToJsonString(new JsonSerializerOptions { WriteIndented = true }), CancellationToken.None);
var markdown = MarkdownWriter.Write(report, settings);
await File.WriteAllTextAsync(Path.Combine(settings.ResultsDirectory, settings.ResultsName + ".md"), markdown, CancellationToken.None);
if (settings.Only is null)
{
    await ReadmeResults.UpdateAsync(settings.RepositoryRoot, markdown, CancellationToken.None);
}

Console.WriteLine(markdown);
Console.WriteLine($"[bench] wrote {settings.ResultsDirectory}/{settings.ResultsName}.json and .md");
return report.Errors.Count == 0 ? 0 : 1;

void Cancel(PosixSignalContext context)
{
    context.Cancel = true; // stop the scenarios and shut the systems down, then exit
    stop.Cancel();
}

// Scenario 4 at this worker count, when chosen or when scenario 6 needs ours next to the peers.
bool QueueAt(int workers) => (settings.Includes("queue") && settings.QueueWorkers.Contains(workers)) || PeersAt(workers);

bool PeersAt(int workers) => settings.Includes("peers") && workers == settings.PeerWorkerProcesses;

async Task QueueAndPeers(BenchSession session)
{
    var workers = session.System.Workers;
    if (QueueAt(workers))
    {
        await Attempt($"4. queue, {workers} worker(s)", async () =>
        {
            var load = new MachineLoad();
            await QueueScenario.RunAsync(session, queue, cancellationToken);
            queueLoad[$"{workers}w"] = load.Stop();
        });
    }

    if (PeersAt(workers))
    {
        await Attempt("6. peers", async () =>
        {
            var load = new MachineLoad();
            await PeersScenario.RunAsync(session, peers, cancellationToken);
            peersLoad[$"{workers}w"] = load.Stop();
        });
    }
}

async Task InSystemAsync(int workers, Func<BenchSession, Task> scenarios, bool withMariaDb = false)
{
    if (cancellationToken.IsCancellationRequested)
    {
        report.Errors.Add($"system with {workers} worker(s): skipped, the run's time limit was reached");
        return;
    }

    try
    {
        await using var session = await BenchSession.StartAsync(settings, report, workers, withMariaDb, cancellationToken);
        await scenarios(session);
        await session.DeleteBlobsAsync(CancellationToken.None);
    }
    catch (Exception e) when (e is not OutOfMemoryException)
    {
        report.Errors.Add($"system with {workers} worker(s): {e.GetType().Name}: {e.Message}");
        Console.Error.WriteLine($"[bench] system with {workers} worker(s) failed: {e}");
    }
}

async Task Attempt(string scenario, Func<Task> run)
{
    try
    {
        await run();
    }
    catch (Exception e) when (e is not OutOfMemoryException)
    {
        report.Errors.Add($"{scenario}: {e.GetType().Name}: {e.Message}");
        Console.Error.WriteLine($"[bench] {scenario} failed: {e}");
    }
}

static string FindRepositoryRoot()
{
    for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
    {
        if (File.Exists(Path.Combine(directory.FullName, "Reports.sln")))
        {
            return directory.FullName;
        }
    }

    return Directory.GetCurrentDirectory();
}
