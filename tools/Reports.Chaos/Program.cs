using System.Diagnostics;
using System.Text.Json;
using Azure.Storage.Blobs;
using Npgsql;
using Reports.Chaos;

// Runs the whole system, requests a bounded number of reports, injects faults while they run, then checks that every
// accepted report was produced exactly once and matches a reference run. Exit code 1 when anything was lost,
// duplicated or mismatched, a report was dead-lettered by hand-overs, or a running job's message was not pending.
var options = ChaosOptions.Parse(args, Console.Error);
if (options is null)
{
    return 2;
}

using var overall = new CancellationTokenSource(options.ChaosWindow + TimeSpan.FromMinutes(15));
var ct = overall.Token;

// Ctrl+C or SIGTERM: stop, but still stop the system the run started.
using var interrupt = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, Stop);
using var terminate = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, Stop);
void Stop(System.Runtime.InteropServices.PosixSignalContext context)
{
    context.Cancel = true;
    overall.Cancel();
}
var clock = Stopwatch.StartNew();
var log = TextWriter.Synchronized(Console.Out);
await using var system = await SystemUnderTest.StartAsync(options.Workers, log, ct);
using var http = await system.CreateUserClientAsync(ct);
await using var database = NpgsqlDataSource.Create(system.DatabaseConnectionString + ";Timeout=5;Command Timeout=10");
var client = new JobClient(http);

// 1. Reference run, no faults: each report of the mix once.
log.WriteLine($"[chaos] reference run of {JobSpec.Mix.Count} reports (lease {SystemUnderTest.Lease.TotalSeconds:0} s)");
var reference = new Dictionary<string, string>();
foreach (var spec in JobSpec.Mix)
{
    var id = await client.CreateAsync(spec, "reference-" + spec.Name, ct);
    var done = await WaitAsync(client, [id], TimeSpan.FromMinutes(5), ct);
    var report = done.GetValueOrDefault(id);
    if (report?.GetProperty("status").GetString() != "succeeded")
    {
        throw new InvalidOperationException($"The reference run of {spec.Name} did not succeed: {report}");
    }

    reference[spec.Name] = report.Value.GetProperty("file").GetProperty("sha256").GetString()!;
    var took = report.Value.GetProperty("finishedAt").GetDateTimeOffset() - report.Value.GetProperty("startedAt").GetDateTimeOffset();
    log.WriteLine($"[chaos]   {spec.Name}: {took.TotalSeconds:0.0} s, {report.Value.GetProperty("file").GetProperty("sizeBytes").GetInt64():N0} bytes");
}

// 2. The jobs, then faults until they are done or the window closes. Each file is checked as soon as its report succeeds.
log.WriteLine($"[chaos] requesting {options.Jobs} reports");
var jobs = new List<(string Id, JobSpec Spec)>();
for (var i = 0; i < options.Jobs; i++)
{
    var spec = JobSpec.Mix[i % JobSpec.Mix.Count];
    jobs.Add((await client.CreateAsync(spec, $"chaos-{i}", ct), spec));
}

var specs = jobs.ToDictionary(j => j.Id, j => j.Spec);
var final = new Dictionary<string, JsonElement>();
var faults = new Faults(system, database, log);
var files = new FileChecks(client, reference, faults);
var sampler = new PendingSampler(database, system.RedisConnectionString, faults,
    () => system.Workers().Select(w => w.Pid!.Value).ToHashSet(), log);
using var sampling = CancellationTokenSource.CreateLinkedTokenSource(ct);
var samplerTask = sampler.RunAsync(sampling.Token);
var chaosClock = Stopwatch.StartNew();

// Faults on their own clock, whatever the checks take: one every 1.5–4 s until every report is final or the window closes.
using var faulting = CancellationTokenSource.CreateLinkedTokenSource(ct);
var faultTask = InjectAsync(faulting.Token);
while (final.Count < jobs.Count && chaosClock.Elapsed < options.ChaosWindow)
{
    await CollectAsync(TimeSpan.Zero);
    log.WriteLine($"[chaos] {final.Count}/{jobs.Count} finished after {chaosClock.Elapsed.TotalSeconds:0} s");
    await Task.Delay(TimeSpan.FromSeconds(2), ct);
}

await faulting.CancelAsync();
await faultTask;
var chaosSeconds = chaosClock.Elapsed.TotalSeconds;
log.WriteLine("[chaos] faults stopped; waiting for the remaining reports");
await faults.DisposeAsync(); // a frozen worker resumes
await CollectAsync(TimeSpan.FromMinutes(8));
await sampling.CancelAsync();
await samplerTask;

// 3. Verdict.
log.WriteLine("[chaos] checking every report and file");
var problems = new List<string>();
int succeeded = 0, failed = 0, lost = 0, attempts = 0;
foreach (var (id, spec) in jobs)
{
    if (!final.TryGetValue(id, out var report))
    {
        lost++;
        problems.Add($"lost: {id} ({spec.Name}) is {(await client.GetAsync(id, ct))?.GetProperty("status").GetString() ?? "unreadable"}");
        continue;
    }

    attempts += report.GetProperty("attempts").GetInt32();
    if (report.GetProperty("status").GetString() == "succeeded")
    {
        succeeded++;
    }
    else
    {
        failed++;
        problems.Add($"failed: {id} ({spec.Name}): {report.GetProperty("error")}");
    }
}

problems.AddRange(files.Problems);
var figures = await JobFigures.ReadAsync(database, [.. jobs.Select(j => Guid.Parse(j.Id))], SystemUnderTest.Lease, ct);
problems.AddRange(figures.DeadLetteredByHandOvers.Select(id => $"dead-lettered by hand-overs: {id}"));
problems.AddRange(sampler.Mismatches.Select(m => "pending mismatch: " + m));
if (sampler.Samples == 0 && sampler.Wanted > 0)
{
    problems.Add($"pending check never ran: {sampler.Wanted} times long-running jobs were there, no snapshot could be taken (last error: {sampler.LastError})");
}

// Produced twice: more than one succeeded attempt, or more than one committed file in storage (since the last wipe).
var blobs = new BlobServiceClient(system.BlobConnectionString).GetBlobContainerClient("reports");
var perJob = new Dictionary<string, int>(StringComparer.Ordinal);
using var listing = CancellationTokenSource.CreateLinkedTokenSource(ct);
listing.CancelAfter(TimeSpan.FromMinutes(2));
if (await blobs.ExistsAsync(listing.Token))
{
    await foreach (var blob in blobs.GetBlobsAsync(cancellationToken: listing.Token))
    {
        var key = blob.Name.Split('.')[0];
        perJob[key] = perJob.GetValueOrDefault(key) + 1;
    }
}

var twice = jobs.Select(j => Guid.Parse(j.Id))
    .Where(id => perJob.GetValueOrDefault(id.ToString("N")) > 1 || figures.SucceededTwice.Contains(id)).ToList();
problems.AddRange(twice.Select(id => $"produced twice: {id}"));

var result = new ChaosResult
{
    Accepted = jobs.Count,
    Succeeded = succeeded,
    Failed = failed,
    Lost = lost,
    Duplicated = twice.Count,
    Mismatched = files.Mismatched,
    FilesLostToWipes = files.LostToWipes,
    Attempts = attempts,
    AttemptsMax = figures.AttemptsMax,
    Released = figures.Released,
    DeadLetteredByHandOvers = figures.DeadLetteredByHandOvers.Count,
    LongerThanLease = figures.LongerThanLease,
    Kills = faults.Kills,
    ScaleIns = faults.ScaleIns,
    Frozen = faults.Frozen,
    Restarts = faults.Restarts,
    Pauses = faults.Pauses,
    StorageWipes = faults.StorageWipes,
    PendingSamples = sampler.Samples,
    PendingWanted = sampler.Wanted,
    PendingSkipped = sampler.Skipped,
    PendingMismatches = sampler.Mismatches.Count,
    PendingAwaitingTakeover = sampler.AwaitingTakeover,
    PendingJustRead = sampler.JustRead,
    PendingLapsedOwner = sampler.LapsedOwner,
    Workers = options.Workers,
    LeaseSeconds = SystemUnderTest.Lease.TotalSeconds,
    ChaosSeconds = Math.Round(chaosSeconds, 1),
    TotalSeconds = Math.Round(clock.Elapsed.TotalSeconds, 1),
    Date = DateTimeOffset.UtcNow.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
    Problems = problems,
};
Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(options.Output))!);
await File.WriteAllTextAsync(options.Output, JsonSerializer.Serialize(result, ChaosJson.Options) + "\n", ct);
log.WriteLine(JsonSerializer.Serialize(result, ChaosJson.Options));
log.WriteLine($"[chaos] accepted {result.Accepted}, succeeded {result.Succeeded}, failed {result.Failed}, lost {result.Lost}, " +
    $"duplicated {result.Duplicated}, mismatched {result.Mismatched}, files lost to wipes {result.FilesLostToWipes}, " +
    $"pending mismatches {result.PendingMismatches}/{result.PendingSamples}: {(result.Passed ? "passed" : "FAILED")}");
return result.Passed ? 0 : 1;

async Task InjectAsync(CancellationToken stop)
{
    var random = new Random(7);
    try
    {
        while (true)
        {
            await faults.InjectOneAsync(stop);
            await Task.Delay(TimeSpan.FromMilliseconds(1500 + random.Next(2500)), stop);
        }
    }
    catch (OperationCanceledException) when (stop.IsCancellationRequested)
    {
        // The window closed, or every report is final.
    }
}

// Reads the unfinished reports until all are final or the deadline passes; checks the file of each that succeeded.
async Task CollectAsync(TimeSpan deadline)
{
    var until = DateTime.UtcNow + deadline;
    while (true)
    {
        foreach (var (id, spec) in jobs.Where(j => !final.ContainsKey(j.Id)).ToList())
        {
            if (await client.GetAsync(id, ct) is { } report && JobClient.IsFinal(report))
            {
                final[id] = report;
                if (report.GetProperty("status").GetString() == "succeeded")
                {
                    await files.CheckAsync(id, spec, report, ct);
                }
            }
        }

        if (final.Count == jobs.Count || DateTime.UtcNow >= until)
        {
            return;
        }

        await Task.Delay(500, ct);
    }
}

static async Task<Dictionary<string, JsonElement?>> WaitAsync(JobClient client, IReadOnlyCollection<string> ids, TimeSpan deadline, CancellationToken ct)
{
    var until = DateTime.UtcNow + deadline;
    var results = new Dictionary<string, JsonElement?>();
    var open = ids.ToHashSet();
    while (open.Count > 0 && DateTime.UtcNow < until)
    {
        foreach (var id in open.ToList())
        {
            var report = await client.GetAsync(id, ct);
            if (report is { } r && JobClient.IsFinal(r))
            {
                results[id] = r;
                open.Remove(id);
            }
        }

        if (open.Count > 0)
        {
            await Task.Delay(500, ct);
        }
    }

    return results;
}

internal static class ChaosJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };
}
