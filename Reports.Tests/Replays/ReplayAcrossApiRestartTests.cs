using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Reports.Tests.Browser;
using Reports.Tests.Engine;
using Reports.Tests.Integration;

namespace Reports.Tests.Replays;

/// <summary>
/// An operator's replay of 10,000 dead letters through real API processes: paused on one API, that API killed, then
/// followed, resumed and cancelled on another; the members paged through; the rest finished by a second replay of the
/// same selection. Every dead letter runs once.
/// </summary>
[Collection(FaultGroup.Name)]
public sealed class ReplayAcrossApiRestartTests(FaultSystem system)
{
    private const string Path = "/api/admin/dead-letters/replays";
    private const int Selected = 10_000;

    private static readonly Dictionary<string, string> Api = new() { ["Reports:Catalog:Diagnostics"] = "true" };

    private static readonly Dictionary<string, string> Runner = new(FaultSystem.SlowWorker)
    {
        ["Reports:Catalog:Diagnostics"] = "true",
        ["Reports:Replay:JobsPerSecond"] = "200",
        ["Reports:Replay:BatchSize"] = "50",
        ["Reports:Replay:Lease"] = "00:00:03",
        ["Reports:Replay:PollInterval"] = "00:00:00.200",
    };

    [Fact]
    public async Task Ten_thousand_dead_letters_paused_on_one_api_resumed_and_cancelled_on_another_then_finished_run_each_once()
    {
        var owner = "restart-" + Guid.NewGuid().ToString("N")[..10];
        var selected = await DeadLetters.InsertAsync(system.Database, owner, "outage", new DateTimeOffset(2026, 4, 1, 8, 0, 0, TimeSpan.Zero), Selected);
        var filter = new { owner };
        await using var worker = await system.StartWorkerAsync("restart-" + Guid.NewGuid().ToString("N")[..6], Runner);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));

        Guid replay;
        int pausedAt;
        await using (var first = await ApiProcess.StartAsync(system.Infrastructure, timeout.Token, Api))
        {
            using var admin = first.CreateClient(TestSettings.AdminKey);
            var preview = await (await admin.PostAsJsonAsync(new Uri(Path + "/preview", UriKind.Relative), filter)).Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal((Selected, false), (preview.GetProperty("count").GetInt32(), preview.GetProperty("countCapped").GetBoolean()));

            replay = await DeadLetters.StartAsync(admin, Path, filter);
            await DeadLetters.WaitAsync(admin, replay, r => r.Count("replayed") >= 100, "the replay makes progress");
            pausedAt = (await DeadLetters.ActAsync(admin, replay, "pause", HttpStatusCode.OK)).Count("replayed");
        } // the first API is killed here

        await FaultSystem.EventuallyAsync(async () => await DeadLetters.ReplayValueAsync<string>(system.Database, replay, "lease_owner") is null,
            "the runner lets the paused replay go");
        await using var second = await ApiProcess.StartAsync(system.Infrastructure, timeout.Token, Api);
        using var operator2 = second.CreateClient(TestSettings.AdminKey);

        // Paused and let go: what it replayed is final, and each of those has exactly one copy.
        var paused = await DeadLetters.GetAsync(operator2, replay);
        Assert.Equal("paused", paused.Status());
        Assert.True(paused.Count("replayed") >= pausedAt, paused.ToString()); // a step in flight when it was paused may have committed
        Assert.Equal(paused.Count("replayed"), (await DeadLetters.CopiesAsync(system.Database, selected)).Count);

        await DeadLetters.ActAsync(operator2, replay, "resume", HttpStatusCode.OK);
        await DeadLetters.WaitAsync(operator2, replay, r => r.Count("replayed") > paused.Count("replayed") + 100, "the resumed replay goes on");
        await DeadLetters.ActAsync(operator2, replay, "cancel", HttpStatusCode.OK);
        await FaultSystem.EventuallyAsync(async () => await DeadLetters.ReplayValueAsync<string>(system.Database, replay, "lease_owner") is null,
            "the runner lets the cancelled replay go");

        var cancelled = await DeadLetters.GetAsync(operator2, replay);
        Assert.Equal("cancelled", cancelled.Status());
        Assert.True(cancelled.Count("remaining") > 0, cancelled.ToString());
        var copies = (await DeadLetters.CopiesAsync(system.Database, selected)).ToDictionary(c => c.Original, c => c.Copy);
        Assert.Equal(cancelled.Count("replayed"), copies.Count);

        // Every member, a page at a time, in order: the replayed ones link to their copies, the rest were not reached.
        var members = await AllMembersAsync(operator2, replay, "");
        Assert.Equal(Enumerable.Range(1, Selected), members.Select(m => m.Position));
        Assert.Equal(selected, members.Select(m => m.Id));
        Assert.All(members.Where(m => m.Outcome == "replayed"), m => Assert.Equal(copies[m.Id], m.ReplayedAs));
        Assert.Equal(copies.Count, members.Count(m => m.Outcome == "replayed"));
        var pending = await AllMembersAsync(operator2, replay, "&outcome=pending");
        Assert.Equal(cancelled.Count("remaining"), pending.Count);
        Assert.All(pending, m => Assert.Null(m.ReplayedAs));
        Assert.Equal(selected[^pending.Count..], pending.Select(m => m.Id)); // oldest failure first: the newest are left

        // The rest, by the same selection again: the replayed ones are skipped, every dead letter runs once.
        var rest = await DeadLetters.StartAsync(operator2, Path, filter);
        var done = await DeadLetters.WaitAsync(operator2, rest, r => r.Status() == "completed", "the second replay completes");
        Assert.Equal((Selected, cancelled.Count("remaining"), cancelled.Count("replayed")), (done.Count("selected"), done.Count("replayed"), done.Count("skipped")));
        await DeadLetters.AssertEachRanOnceAsync(system.Database, selected, deadline: TimeSpan.FromMinutes(8));
    }

    private static async Task<List<(int Position, Guid Id, string? Outcome, Guid? ReplayedAs)>> AllMembersAsync(HttpClient admin, Guid replay, string query)
    {
        var members = new List<(int, Guid, string?, Guid?)>();
        var after = 0;
        while (true)
        {
            var page = await admin.GetFromJsonAsync<JsonElement>(new Uri($"/api/admin/replays/{replay}/items?after={after}&limit=1000{query}", UriKind.Relative));
            foreach (var item in page.GetProperty("items").EnumerateArray())
            {
                members.Add((item.GetProperty("position").GetInt32(), item.GetProperty("id").GetGuid(),
                    item.GetProperty("outcome").GetString(), item.GetProperty("replayedAs").ValueKind == JsonValueKind.Null ? null : item.GetProperty("replayedAs").GetGuid()));
            }

            if (page.GetProperty("nextAfter").ValueKind == JsonValueKind.Null)
            {
                return members;
            }

            after = page.GetProperty("nextAfter").GetInt32();
        }
    }
}
