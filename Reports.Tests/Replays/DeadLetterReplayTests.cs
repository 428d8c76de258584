using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Reports.Tests.Engine;
using Reports.Tests.Integration;

namespace Reports.Tests.Replays;

/// <summary>
/// Bulk replay of dead letters against real servers, run by real worker processes: selection by filter, the rate bound,
/// idempotency by job (twice, and two replays at once), pause, resume, cancel, and a runner killed mid-replay.
/// </summary>
[Collection(FaultGroup.Name)]
public sealed class DeadLetterReplayTests(FaultSystem system)
{
    private const string Path = "/api/admin/dead-letters/replays";
    private static readonly DateTimeOffset Outage = new(2026, 3, 1, 10, 0, 0, TimeSpan.Zero);

    /// <summary>A worker that runs no-op reports and replays at <paramref name="perSecond"/>, <paramref name="batch"/> a step.</summary>
    private static Dictionary<string, string> Runner(int perSecond, int batch) => new(FaultSystem.SlowWorker)
    {
        ["Reports:Catalog:Diagnostics"] = "true",
        ["Reports:Replay:JobsPerSecond"] = perSecond.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Reports:Replay:BatchSize"] = batch.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Reports:Replay:Lease"] = "00:00:03",
        ["Reports:Replay:PollInterval"] = "00:00:00.200",
    };

    [Fact]
    public async Task Five_hundred_dead_letters_selected_by_filter_run_once_each_at_a_bounded_rate_and_a_second_replay_skips_them_all()
    {
        using var admin = system.CreateAdminClient();
        var owner = "replay-" + Guid.NewGuid().ToString("N")[..10];
        var code = "outage_" + Guid.NewGuid().ToString("N")[..6];
        var selected = await DeadLetters.InsertAsync(system.Database, owner, code, Outage, 500);
        var otherError = await DeadLetters.InsertAsync(system.Database, owner, "other_" + code, Outage, 50);
        var otherTime = await DeadLetters.InsertAsync(system.Database, owner, code, Outage.AddDays(2), 50);
        var filter = new { owner, errorCode = code, from = Outage, to = Outage.AddDays(1) };

        var preview = await (await admin.PostAsJsonAsync(new Uri(Path + "/preview", UriKind.Relative), filter)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(500, preview.GetProperty("count").GetInt32());
        Assert.Equal(0, preview.GetProperty("alreadyReplayed").GetInt32());
        Assert.Equal(selected[..10], preview.GetProperty("sample").EnumerateArray().Select(s => s.GetProperty("report").GetProperty("id").GetGuid()));

        // Two workers, two replays of the same selection at once: each dead letter is still run once.
        await using var first = await system.StartWorkerAsync("replay-a-" + Guid.NewGuid().ToString("N")[..6], Runner(100, 10));
        await using var second = await system.StartWorkerAsync("replay-b-" + Guid.NewGuid().ToString("N")[..6], Runner(100, 10));
        var a = await DeadLetters.StartAsync(admin, Path, filter);
        var b = await DeadLetters.StartAsync(admin, Path, filter);
        var doneA = await DeadLetters.WaitAsync(admin, a, r => r.Status() == "completed", "the first replay completes");
        var doneB = await DeadLetters.WaitAsync(admin, b, r => r.Status() == "completed", "the second replay completes");

        Assert.Equal((500, 500), (doneA.Count("selected"), doneB.Count("selected")));
        Assert.Equal(500, doneA.Count("replayed") + doneB.Count("replayed"));
        Assert.Equal(500, doneA.Count("skipped") + doneB.Count("skipped"));
        Assert.Equal((0, 0, 0, 0), (doneA.Count("failed"), doneB.Count("failed"), doneA.Count("remaining"), doneB.Count("remaining")));
        await AssertEachRanOnceAsync(selected);
        Assert.Empty(await DeadLetters.CopiesAsync(system.Database, [.. otherError, .. otherTime]));
        Assert.Equal("failed", await system.JobValueAsync<string>(otherError[0].ToString(), "status"));

        var replayed = new List<(int Position, string? Outcome, DateTimeOffset? DoneAt)>();
        foreach (var replay in new[] { a, b })
        {
            var items = await DeadLetters.ItemsAsync(system.Database, replay);
            Assert.All(items, i => Assert.NotNull(i.DoneAt));
            // In order: a member is never done before the one ahead of it.
            Assert.Equal(items.Select(i => i.DoneAt), items.OrderBy(i => i.DoneAt).ThenBy(i => i.Position).Select(i => i.DoneAt));
            replayed.AddRange(items.Where(i => i.Outcome == "replayed"));
        }

        // The rate bound, over both replays (one runs at a time) and on what they put on the queue (a skipped member makes
        // no work and costs no pause): at most 10 a step, and a pause of 10/100 s after each, never caught up. Within any
        // second at most 11 steps fit; twice the rate is a margin that no load can break (load only spreads steps apart).
        var steps = replayed.GroupBy(i => i.DoneAt!.Value).Select(g => (At: g.Key, Count: g.Count())).OrderBy(s => s.At).ToList();
        Assert.All(steps, s => Assert.True(s.Count <= 10, $"a step of {s.Count}"));
        Assert.True(steps.Count >= 50, $"{steps.Count} steps for 500 members");
        var busiest = steps.Max(s => steps.Where(o => o.At >= s.At && o.At < s.At.AddSeconds(1)).Sum(o => o.Count));
        Assert.True(busiest <= 200, $"{busiest} members replayed in one second at 100 per second");

        // The same selection again: nothing runs twice.
        var again = await DeadLetters.StartAsync(admin, Path, filter);
        var skipped = await DeadLetters.WaitAsync(admin, again, r => r.Status() == "completed", "the replay of the same selection completes");
        Assert.Equal((500, 0, 500), (skipped.Count("selected"), skipped.Count("replayed"), skipped.Count("skipped")));
        Assert.Equal(500, (await DeadLetters.CopiesAsync(system.Database, selected)).Count);

        // Each replayed job links to its original, and the original to it; the one-job retry refuses a replayed one.
        var copy = (await DeadLetters.CopiesAsync(system.Database, [selected[0]])).Single().Copy;
        var detail = await admin.GetFromJsonAsync<JsonElement>(new Uri($"/api/admin/ops/jobs/{selected[0]}", UriKind.Relative));
        Assert.Equal(copy, detail.GetProperty("report").GetProperty("replayedAs").GetGuid());
        var replayedJob = await admin.GetFromJsonAsync<JsonElement>(new Uri($"/api/reports/{copy}", UriKind.Relative));
        Assert.Equal(selected[0], replayedJob.GetProperty("replayOf").GetGuid());
        var stored = await new Reports.Core.Storage.JobStore(system.Database, TimeProvider.System).GetAsync(copy, null, CancellationToken.None);
        Assert.Equal(Reports.Core.Catalog.Definitions.NoOpReport.Definition.Version, stored!.DefinitionVersion); // runs, and records, the current definition
        using var retry = await admin.PostAsync(new Uri($"/api/admin/reports/{selected[0]}/retry", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.Conflict, retry.StatusCode);
    }

    [Fact]
    public async Task Two_replays_started_at_once_on_two_workers_run_one_after_the_other_so_the_rate_bounds_both()
    {
        using var admin = system.CreateAdminClient();
        var owners = new[] { "replay-" + Guid.NewGuid().ToString("N")[..10], "replay-" + Guid.NewGuid().ToString("N")[..10] };
        foreach (var owner in owners)
        {
            await DeadLetters.InsertAsync(system.Database, owner, "outage", Outage, 100);
        }

        // A lease far longer than any step, so neither runner loses its replay to the other through a slow machine.
        var settings = new Dictionary<string, string>(Runner(50, 5)) { ["Reports:Replay:Lease"] = "00:01:00" };
        await using var first = await system.StartWorkerAsync("replay-1-" + Guid.NewGuid().ToString("N")[..6], settings);
        await using var second = await system.StartWorkerAsync("replay-2-" + Guid.NewGuid().ToString("N")[..6], settings);
        var replays = await Task.WhenAll(owners.Select(o => DeadLetters.StartAsync(admin, Path, new { owner = o })));
        foreach (var replay in replays)
        {
            await DeadLetters.WaitAsync(admin, replay, r => r.Status() == "completed", "each replay completes");
        }

        var spans = new List<(DateTimeOffset First, DateTimeOffset Last)>();
        var steps = new List<(DateTimeOffset At, int Count)>();
        foreach (var replay in replays)
        {
            var done = (await DeadLetters.ItemsAsync(system.Database, replay)).Select(i => i.DoneAt!.Value).ToList();
            spans.Add((done.Min(), done.Max()));
            steps.AddRange(done.GroupBy(d => d).Select(g => (g.Key, g.Count())));
        }

        spans.Sort();
        Assert.True(spans[1].First > spans[0].Last, $"the replays overlapped: {spans[0]} and {spans[1]}");
        var busiest = steps.Max(s => steps.Where(o => o.At >= s.At && o.At < s.At.AddSeconds(1)).Sum(o => o.Count));
        Assert.True(busiest <= 100, $"{busiest} members in one second at 50 per second across both replays");
    }

    [Fact]
    public async Task A_replay_pauses_resumes_and_cancels_and_what_it_did_not_reach_is_left_alone()
    {
        using var admin = system.CreateAdminClient();
        var owner = "replay-" + Guid.NewGuid().ToString("N")[..10];
        var selected = await DeadLetters.InsertAsync(system.Database, owner, "outage", Outage, 600);
        await using var worker = await system.StartWorkerAsync("replay-p-" + Guid.NewGuid().ToString("N")[..6], Runner(30, 5));
        var replay = await DeadLetters.StartAsync(admin, Path, new { owner });
        await DeadLetters.WaitAsync(admin, replay, r => r.Count("replayed") >= 5, "the replay makes progress");

        var paused = await PostAsync(admin, replay, "pause", HttpStatusCode.OK);
        Assert.Equal("paused", paused.Status());
        await PostAsync(admin, replay, "pause", HttpStatusCode.Conflict);
        await PostAsync(admin, replay, "resume", HttpStatusCode.OK);
        await PostAsync(admin, replay, "resume", HttpStatusCode.Conflict);
        var before = (await DeadLetters.GetAsync(admin, replay)).Count("replayed");
        await DeadLetters.WaitAsync(admin, replay, r => r.Count("replayed") > before, "the resumed replay goes on");

        var cancelled = await PostAsync(admin, replay, "cancel", HttpStatusCode.OK);
        Assert.Equal("cancelled", cancelled.Status());
        await PostAsync(admin, replay, "cancel", HttpStatusCode.Conflict);
        await PostAsync(admin, replay, "resume", HttpStatusCode.Conflict);
        await FaultSystem.EventuallyAsync(async () => await DeadLetters.ReplayValueAsync<string>(system.Database, replay, "lease_owner") is null,
            "the runner lets the cancelled replay go");

        // Once let go, the counts are final: each job replayed has exactly one copy, the rest are still dead letters.
        var final = await DeadLetters.GetAsync(admin, replay);
        var copies = await DeadLetters.CopiesAsync(system.Database, selected);
        Assert.Equal(final.Count("replayed"), copies.Count);
        Assert.True(final.Count("remaining") > 0, final.ToString());
        Assert.Equal(final.Count("remaining"), (await DeadLetters.ItemsAsync(system.Database, replay)).Count(i => i.Outcome is null));
        Assert.Equal(copies.Select(c => c.Original).Order(), selected[..copies.Count].Order()); // in the order they failed
        Assert.Equal("failed", await system.JobValueAsync<string>(selected[^1].ToString(), "status"));
        await AssertEachRanOnceAsync(selected[..copies.Count]);

        using var unknown = await admin.PostAsync(new Uri($"/api/admin/replays/{Guid.NewGuid()}/pause", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("application/problem+json", unknown.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_replay_survives_its_runner_being_killed_and_another_worker_finishes_it_without_running_a_job_twice()
    {
        using var admin = system.CreateAdminClient();
        var owner = "replay-" + Guid.NewGuid().ToString("N")[..10];
        var selected = await DeadLetters.InsertAsync(system.Database, owner, "outage", Outage, 200);
        var replay = Guid.Empty;
        await using (var doomed = await system.StartWorkerAsync("replay-k-" + Guid.NewGuid().ToString("N")[..6], Runner(20, 5)))
        {
            replay = await DeadLetters.StartAsync(admin, Path, new { owner });
            await DeadLetters.WaitAsync(admin, replay, r => r.Count("replayed") >= 10, "the first runner makes progress");
            doomed.Kill();
            await doomed.Exited;
        }

        var halfway = await DeadLetters.GetAsync(admin, replay);
        Assert.Equal("running", halfway.Status());
        Assert.True(halfway.Count("remaining") > 0, halfway.ToString());
        await using var successor = await system.StartWorkerAsync("replay-s-" + Guid.NewGuid().ToString("N")[..6], Runner(20, 5));
        var done = await DeadLetters.WaitAsync(admin, replay, r => r.Status() == "completed", "the second runner completes the replay");

        Assert.Equal((200, 200, 0, 0), (done.Count("selected"), done.Count("replayed"), done.Count("skipped"), done.Count("failed")));
        Assert.True(await DeadLetters.ReplayValueAsync<long>(system.Database, replay, "fence") >= 2, "the replay was claimed again");
        var items = await DeadLetters.ItemsAsync(system.Database, replay);
        Assert.Equal(items.Select(i => i.DoneAt), items.OrderBy(i => i.DoneAt).ThenBy(i => i.Position).Select(i => i.DoneAt));
        // The killed worker was running some of the replayed jobs too: those were taken over after their lease (a second
        // attempt), and each still succeeded once.
        await AssertEachRanOnceAsync(selected, oneAttempt: false);
    }

    [Fact]
    public async Task A_replay_held_by_backpressure_is_marked_held_replays_nothing_and_pauses_at_once()
    {
        using var admin = system.CreateAdminClient();
        var owner = "replay-" + Guid.NewGuid().ToString("N")[..10];
        var queue = "held-" + Guid.NewGuid().ToString("N")[..8]; // no worker serves it: what is queued there stays queued
        var selected = await DeadLetters.InsertAsync(system.Database, owner, "outage", Outage, 20, queue);
        await BlockQueueAsync(owner, queue);

        var settings = new Dictionary<string, string>(Runner(100, 5)) { ["Reports:Replay:MaxQueued"] = "1" };
        await using var worker = await system.StartWorkerAsync("replay-h-" + Guid.NewGuid().ToString("N")[..6], settings);
        var replay = await DeadLetters.StartAsync(admin, Path, new { owner });
        var held = await DeadLetters.WaitAsync(admin, replay, r => r.GetProperty("heldSince").ValueKind == JsonValueKind.String, "the replay is held");
        Assert.Equal(("running", 0), (held.Status(), held.Count("replayed")));

        var paused = await PostAsync(admin, replay, "pause", HttpStatusCode.OK);
        Assert.Equal(JsonValueKind.Null, paused.GetProperty("heldSince").ValueKind);
        await FaultSystem.EventuallyAsync(async () => await DeadLetters.ReplayValueAsync<string>(system.Database, replay, "lease_owner") is null,
            "no runner holds the paused replay");
        Assert.Equal(0, (await DeadLetters.GetAsync(admin, replay)).Count("replayed"));
        Assert.Empty(await DeadLetters.CopiesAsync(system.Database, selected));
    }

    [Fact]
    public async Task A_replay_held_by_a_full_queue_does_not_keep_a_replay_into_another_queue_from_running()
    {
        using var admin = system.CreateAdminClient();
        var owner = "replay-" + Guid.NewGuid().ToString("N")[..10];
        var queue = "held-" + Guid.NewGuid().ToString("N")[..8]; // no worker serves it: what is queued there stays queued
        var stuck = await DeadLetters.InsertAsync(system.Database, owner, "stuck", Outage, 20, queue);
        var flowing = await DeadLetters.InsertAsync(system.Database, owner, "flowing", Outage.AddHours(1), 20);
        // Full at the default MaxQueued; the queue of the other replay (reports) is served and drains.
        await BlockQueueAsync(owner, queue, 1_000);

        var settings = new Dictionary<string, string>(Runner(100, 5)) { ["Reports:Replay:MaxQueued"] = "1000" };
        await using var worker = await system.StartWorkerAsync("replay-f-" + Guid.NewGuid().ToString("N")[..6], settings);
        var held = await DeadLetters.StartAsync(admin, Path, new { owner, errorCode = "stuck" });
        await DeadLetters.WaitAsync(admin, held, r => r.GetProperty("heldSince").ValueKind == JsonValueKind.String, "the first replay is held");

        var other = await DeadLetters.StartAsync(admin, Path, new { owner, errorCode = "flowing", queue = "reports" });
        var done = await DeadLetters.WaitAsync(admin, other, r => r.Status() == "completed", "the replay into the other queue completes");
        Assert.Equal(20, done.Count("replayed"));
        await AssertEachRanOnceAsync(flowing);

        var still = await DeadLetters.GetAsync(admin, held);
        Assert.Equal(("running", 0, JsonValueKind.String), (still.Status(), still.Count("replayed"), still.GetProperty("heldSince").ValueKind));
        Assert.Empty(await DeadLetters.CopiesAsync(system.Database, stuck));
        await PostAsync(admin, held, "cancel", HttpStatusCode.OK);
    }

    /// <summary><paramref name="count"/> jobs queued on <paramref name="queue"/>, which no worker serves: they stay queued.</summary>
    private async Task BlockQueueAsync(string owner, string queue, int count = 1)
    {
        await using var blocker = system.Database.CreateCommand("""
            INSERT INTO reports.jobs (id, owner, report_type, format, parameters, parameters_hash, queue, status, max_attempts, created_at, updated_at)
            SELECT gen_random_uuid(), $1, 'noop', 'none', '{}', 'held', $2, 'queued', 1, now(), now() FROM generate_series(1, $3)
            """);
        blocker.Parameters.AddWithValue(owner);
        blocker.Parameters.AddWithValue(queue);
        blocker.Parameters.AddWithValue(count);
        await blocker.ExecuteNonQueryAsync();
    }

    private Task AssertEachRanOnceAsync(Guid[] originals, bool oneAttempt = true) =>
        DeadLetters.AssertEachRanOnceAsync(system.Database, originals, oneAttempt);

    private static Task<JsonElement> PostAsync(HttpClient admin, Guid replay, string action, HttpStatusCode expected) =>
        DeadLetters.ActAsync(admin, replay, action, expected);
}
