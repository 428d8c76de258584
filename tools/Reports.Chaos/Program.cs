using System.Diagnostics;
using System.Text.Json;
using Azure.Storage.Blobs;
using Reports.Chaos;

// Runs the whole system, requests a bounded number of reports, injects faults while they run, then checks that every
// accepted report was produced exactly once and matches a reference run. Exit code 1 when anything was lost,
// duplicated or mismatched.
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
var log = Console.Out;
await using var system = await SystemUnderTest.StartAsync(options.Workers, log, ct);
using var http = await system.CreateUserClientAsync(ct);
var client = new JobClient(http);

// 1. Reference run, no faults: each report of the mix once.
log.WriteLine($"[chaos] reference run of {JobSpec.Mix.Count} reports");
var reference = new Dictionary<string, string>();
foreach (var spec in JobSpec.Mix)
{
    var id = await client.CreateAsync(spec, "reference-" + spec.Name, ct);
    var done = await WaitAsync(client, [id], TimeSpan.FromMinutes(5), ct);
    var report = done[id];
    if (report?.GetProperty("status").GetString() != "succeeded")
    {
        throw new InvalidOperationException($"The reference run of {spec.Name} did not succeed: {report}");
    }

    reference[spec.Name] = report.Value.GetProperty("file").GetProperty("sha256").GetString()!;
}

// 2. The jobs, then faults until they are done or the window closes.
log.WriteLine($"[chaos] requesting {options.Jobs} reports");
var jobs = new List<(string Id, JobSpec Spec)>();
for (var i = 0; i < options.Jobs; i++)
{
    var spec = JobSpec.Mix[i % JobSpec.Mix.Count];
    jobs.Add((await client.CreateAsync(spec, $"chaos-{i}", ct), spec));
}

var faults = new Faults(system, log);
var chaosClock = Stopwatch.StartNew();
var random = new Random(7);
var pending = jobs.Select(j => j.Id).ToHashSet();
while (pending.Count > 0 && chaosClock.Elapsed < options.ChaosWindow)
{
    await faults.InjectOneAsync(ct);
    await Task.Delay(TimeSpan.FromMilliseconds(1500 + random.Next(2500)), ct);
    foreach (var id in pending.ToList())
    {
        if (await client.GetAsync(id, ct) is { } report && JobClient.IsFinal(report))
        {
            pending.Remove(id);
        }
    }

    log.WriteLine($"[chaos] {jobs.Count - pending.Count}/{jobs.Count} finished after {chaosClock.Elapsed.TotalSeconds:0} s");
}

var chaosSeconds = chaosClock.Elapsed.TotalSeconds;
log.WriteLine("[chaos] faults stopped; waiting for the remaining reports");
var final = await WaitAsync(client, [.. pending], TimeSpan.FromMinutes(8), ct);

// 3. Verdict.
log.WriteLine("[chaos] checking every report and file");
var problems = new List<string>();
int succeeded = 0, failed = 0, lost = 0, mismatched = 0, attempts = 0;
foreach (var (id, spec) in jobs)
{
    var report = final.TryGetValue(id, out var late) ? late : await client.GetAsync(id, ct);
    if (report is null || !JobClient.IsFinal(report.Value))
    {
        lost++;
        problems.Add($"lost: {id} ({spec.Name}) is {report?.GetProperty("status").GetString() ?? "unreadable"}");
        continue;
    }

    attempts += report.Value.GetProperty("attempts").GetInt32();
    if (report.Value.GetProperty("status").GetString() != "succeeded")
    {
        failed++;
        problems.Add($"failed: {id} ({spec.Name}): {report.Value.GetProperty("error")}");
        continue;
    }

    succeeded++;
    var stored = report.Value.GetProperty("file").GetProperty("sha256").GetString();
    var downloaded = await client.DownloadSha256Async(id, ct);
    if (downloaded != stored || (spec.Deterministic && stored != reference[spec.Name]))
    {
        mismatched++;
        problems.Add($"mismatch: {id} ({spec.Name}) stored {stored}, downloaded {downloaded}, reference {reference[spec.Name]}");
    }
}

// Exactly one committed file per succeeded report: count blobs per job id in storage.
var blobs = new BlobServiceClient(system.BlobConnectionString).GetBlobContainerClient("reports");
var perJob = new Dictionary<string, int>(StringComparer.Ordinal);
using var listing = CancellationTokenSource.CreateLinkedTokenSource(ct);
listing.CancelAfter(TimeSpan.FromMinutes(2));
await foreach (var blob in blobs.GetBlobsAsync(cancellationToken: listing.Token))
{
    var key = blob.Name.Split('.')[0];
    perJob[key] = perJob.GetValueOrDefault(key) + 1;
}

var duplicated = jobs.Count(j => perJob.GetValueOrDefault(Guid.Parse(j.Id).ToString("N")) > 1);
problems.AddRange(jobs.Where(j => perJob.GetValueOrDefault(Guid.Parse(j.Id).ToString("N")) > 1).Select(j => $"duplicated: {j.Id}"));

var result = new ChaosResult
{
    Accepted = jobs.Count,
    Succeeded = succeeded,
    Failed = failed,
    Lost = lost,
    Duplicated = duplicated,
    Mismatched = mismatched,
    Attempts = attempts,
    Kills = faults.Kills,
    Restarts = faults.Restarts,
    Pauses = faults.Pauses,
    Workers = options.Workers,
    ChaosSeconds = Math.Round(chaosSeconds, 1),
    TotalSeconds = Math.Round(clock.Elapsed.TotalSeconds, 1),
    Date = DateTimeOffset.UtcNow.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
    Problems = problems,
};
Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(options.Output))!);
await File.WriteAllTextAsync(options.Output, JsonSerializer.Serialize(result, ChaosJson.Options), ct);
log.WriteLine(JsonSerializer.Serialize(result, ChaosJson.Options));
log.WriteLine($"[chaos] accepted {result.Accepted}, succeeded {result.Succeeded}, failed {result.Failed}, lost {result.Lost}, " +
    $"duplicated {result.Duplicated}, mismatched {result.Mismatched}, attempts {result.Attempts}, kills {result.Kills}, restarts {result.Restarts}");
return result.Passed ? 0 : 1;

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
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web) { WriteIndented = true };
}
