using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Reports.Bench;
using Reports.Bench.Harness;
using Reports.Bench.Measurement;
using Reports.Bench.Results;
using Reports.Bench.Scenarios;

// ./reports bench [--quick]: starts the system through the AppHost on loopback (1, 2, then 4 workers), runs each
// scenario of issue 10 a few times next to its floor, and writes bench/results/latest.json and latest.md.
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

var memory = new Figures();
var queue = new Figures();
var memoryLoad = new MachineLoad();
var queueLoad = new JsonObject();

if (settings.Includes("memory") || settings.Includes("csv") || settings.Includes("pdf") || settings.Includes("queue"))
{
    await InSystemAsync(1, async session =>
    {
        await Attempt("2. memory (CSV)", "memory", () => MemoryScenario.RunAsync(session, memory, cancellationToken));
        await Attempt("1. CSV throughput", "csv", () => CsvThroughputScenario.RunAsync(session, cancellationToken));
        await Attempt("3. PDF", "pdf", () => PdfScenario.RunAsync(session, memory, cancellationToken));
        if (settings.Includes("memory") || settings.Includes("pdf"))
        {
            MemoryScenario.Publish(session, memory, memoryLoad.Stop());
        }

        if (settings.QueueWorkers.Contains(1))
        {
            await Attempt("4. queue, 1 worker", "queue", () => Queue(session));
        }
    });
}

if (settings.Includes("api") || (settings.Includes("queue") && settings.QueueWorkers.Contains(2)))
{
    await InSystemAsync(2, async session =>
    {
        await Attempt("5. API under load", "api", () => ApiLoadScenario.RunAsync(session, cancellationToken));
        if (settings.QueueWorkers.Contains(2))
        {
            await Attempt("4. queue, 2 workers", "queue", () => Queue(session));
        }
    });
}

foreach (var workers in settings.QueueWorkers.Where(w => w is not (1 or 2) && settings.Includes("queue")))
{
    await InSystemAsync(workers, session => Attempt($"4. queue, {workers} workers", "queue", () => Queue(session)));
}

if (settings.Includes("queue"))
{
    QueueScenario.Publish(report, settings, queue, queueLoad);
}

report.Notes.Add("**Peers (scenario 6):** Hangfire and BullMQ side by side are not measured yet; `queue_vs_hangfire` and `queue_vs_bullmq` are absent from the ratios.");
ScaleModel.Write(report);
report.Machine["loadAverageAtEnd"] = MachineLoad.LoadAverage();

Directory.CreateDirectory(settings.ResultsDirectory);
await File.WriteAllTextAsync(Path.Combine(settings.ResultsDirectory, settings.ResultsName + ".json"),
    report.ToJson().ToJsonString(new JsonSerializerOptions { WriteIndented = true }), CancellationToken.None);
var markdown = MarkdownWriter.Write(report, settings);
await File.WriteAllTextAsync(Path.Combine(settings.ResultsDirectory, settings.ResultsName + ".md"), markdown, CancellationToken.None);
Console.WriteLine(markdown);
Console.WriteLine($"[bench] wrote {settings.ResultsDirectory}/{settings.ResultsName}.json and .md");
return report.Errors.Count == 0 ? 0 : 1;

void Cancel(PosixSignalContext context)
{
    context.Cancel = true; // stop the scenarios and shut the systems down, then exit
    stop.Cancel();
}

async Task Queue(BenchSession session)
{
    var load = new MachineLoad();
    await QueueScenario.RunAsync(session, queue, cancellationToken);
    queueLoad[$"{session.System.Workers}w"] = load.Stop();
}

async Task InSystemAsync(int workers, Func<BenchSession, Task> scenarios)
{
    if (cancellationToken.IsCancellationRequested)
    {
        report.Errors.Add($"system with {workers} worker(s): skipped, the run's time limit was reached");
        return;
    }

    try
    {
        await using var session = await BenchSession.StartAsync(settings, report, workers, cancellationToken);
        await scenarios(session);
        await session.DeleteBlobsAsync(CancellationToken.None);
    }
    catch (Exception e) when (e is not OutOfMemoryException)
    {
        report.Errors.Add($"system with {workers} worker(s): {e.GetType().Name}: {e.Message}");
        Console.Error.WriteLine($"[bench] system with {workers} worker(s) failed: {e}");
    }
}

async Task Attempt(string scenario, string name, Func<Task> run)
{
    if (!settings.Includes(name))
    {
        return;
    }

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
