using System.Text.Json;
using Reports.Core.Generation;
using Reports.Core.Generation.Partitions;
using Reports.Tests.Integration;

namespace Reports.Tests.Engine;

[Collection(FaultGroup.Name)]
public sealed class WorkerCrashTests(FaultSystem system)
{
    private static readonly object FullRange = FullRangeIn("csv");
    private static readonly object OneDay = new { type = "orders", format = "csv", parameters = new { from = "2021-03-01", to = "2021-03-02" } };

    [Theory]
    [InlineData("csv")]
    [InlineData("ndjson")]
    public async Task A_worker_killed_mid_job_is_taken_over_and_the_resumed_file_is_byte_identical(string format)
    {
        using var client = await system.CreateClientAsync();
        var request = FullRangeIn(format);
        var id = await system.KillWorkerMidReportAsync(client, request, "doomed-");

        var blocksBeforeCrash = await system.StagedBlocksAsync(id);
        Assert.Equal("running", await system.JobValueAsync<string>(id, "status"));

        await using var rescuer = await system.StartWorkerAsync("rescuer-" + Guid.NewGuid().ToString("N")[..6]);
        var resumed = await ReportsClient.WaitForFinalAsync(client, id, TimeSpan.FromMinutes(3));
        Assert.True(resumed.GetProperty("status").GetString() == "succeeded", resumed.ToString());
        Assert.Equal(2, resumed.GetProperty("attempts").GetInt32());

        // Resumed, not started again: the file is the first attempt's blocks (under its ids), then the second's.
        var staged = JsonSerializer.Deserialize<GenerationCheckpoint>((await system.JobValueAsync<string>(id, "checkpoint"))!)!.BlockRuns();
        Assert.Equal([1, 2], staged.Select(r => r.Attempt));
        Assert.True(staged[0].Count >= blocksBeforeCrash, $"the first attempt staged {blocksBeforeCrash} blocks, the file has {staged[0].Count} of them");

        // The same report, uninterrupted, as the reference.
        var referenceId = (await ReportsClient.CreateAsync(client, request)).GetProperty("id").GetString()!;
        var reference = await ReportsClient.WaitForFinalAsync(client, referenceId, TimeSpan.FromMinutes(3));
        Assert.Equal(1, reference.GetProperty("attempts").GetInt32());

        Assert.True(blocksBeforeCrash >= 5, $"the crash should come after some blocks were staged ({blocksBeforeCrash})");
        Assert.Equal(File(reference).GetProperty("sha256").GetString(), File(resumed).GetProperty("sha256").GetString());
        Assert.Equal(File(reference).GetProperty("sizeBytes").GetInt64(), File(resumed).GetProperty("sizeBytes").GetInt64());
        Assert.Equal(await FaultSystem.DownloadHashAsync(client, referenceId), await FaultSystem.DownloadHashAsync(client, id));
    }

    [Fact]
    public async Task A_worker_killed_in_the_middle_of_a_partitioned_report_is_taken_over_and_every_partition_resumes_where_it_stopped()
    {
        using var client = await system.CreateClientAsync();
        var partitioned = WithGeneration(readers: 3);
        // One worker: its other slot answers the job's request for help, so partitions are read side by side.
        var id = await system.KillWorkerMidReportAsync(client, FullRange, "doomed-partitioned-", blocks: 6, partitioned);
        var saved = await system.PartitionsAsync(id);
        Assert.Equal(3, saved.Count);
        Assert.Null((await CheckpointAsync(id)).Partitions![0].Progress.Cursor); // the job keeps the layout; the partitions their progress

        JsonElement resumed;
        await using (var rescuer = await system.StartWorkerAsync("rescuer-partitioned-" + Guid.NewGuid().ToString("N")[..6], partitioned))
        {
            resumed = await ReportsClient.WaitForFinalAsync(client, id, TimeSpan.FromMinutes(3));
        }

        Assert.True(resumed.GetProperty("status").GetString() == "succeeded", resumed.ToString());
        Assert.Equal(2, resumed.GetProperty("attempts").GetInt32());
        // The same cut, and the first worker's blocks kept where it staged them, under its claims' ids.
        var final = await system.PartitionsAsync(id);
        Assert.Equal(saved.Select(p => (p.From, p.To)), final.Select(p => (p.From, p.To)));
        Assert.All(final.Zip(saved), pair => Assert.True(pair.First.Progress.Blocks >= pair.Second.Progress.Blocks));
        Assert.Contains(final, p => p.Progress.BlockRuns().Count == 2);

        await AssertSameAsReadWholeAsync(client, id, resumed);
    }

    [Fact]
    public async Task A_helper_killed_in_the_middle_of_a_partition_leaves_it_to_the_jobs_worker_which_resumes_it_from_its_checkpoint()
    {
        using var client = await system.CreateClientAsync();
        // The job's worker has one slot, taken by the job: the requests for help reach the other worker only. It draws in
        // one lane, so the two partitions it does not start with wait for the helper (which starts later, as a process
        // of its own) for as long as the first partition takes, not half of that.
        var ownerId = "owner-" + Guid.NewGuid().ToString("N")[..6];
        var helperId = "helper-" + Guid.NewGuid().ToString("N")[..6];
        var owner = await system.StartWorkerAsync(ownerId, new Dictionary<string, string>(WithGeneration(readers: 3))
        {
            ["Reports:Worker:Queues:reports"] = "1",
            ["Reports:Worker:Queues:reports-bulk"] = "0",
            ["Reports:Generation:LanesPerJob"] = "1",
        });
        string id;
        JsonElement report;
        var helped = -1;
        await using (owner)
        {
            id = (await ReportsClient.CreateAsync(client, FullRange)).GetProperty("id").GetString()!;
            await FaultSystem.EventuallyAsync(async () => await system.JobValueAsync<string>(id, "lease_owner") == ownerId, "the job runs on its worker");
            await using (var helper = await system.StartWorkerAsync(helperId, WithGeneration(readers: 3)))
            {
                try
                {
                    await FaultSystem.EventuallyAsync(async () =>
                    {
                        helped = await system.PartitionValueAsync<int?>(id, "number", $"lease_owner = '{helperId}' AND (checkpoint->>'Blocks')::int >= 2") ?? -1;
                        return helped >= 0;
                    }, "the helper has staged blocks of a partition");
                }
                catch (TimeoutException e)
                {
                    var partitions = await system.PartitionRowsAsync(id);
                    throw new TimeoutException($"{e.Message}. Partitions: {partitions}. Helper's log: {helper.Output}", e);
                }

                helper.Kill();
                await helper.Exited;
            }

            report = await ReportsClient.WaitForFinalAsync(client, id, TimeSpan.FromMinutes(3));
        }

        // One attempt: the job's worker took the partition over once its claim lapsed, and resumed it.
        Assert.True(report.GetProperty("status").GetString() == "succeeded", report.ToString());
        Assert.Equal(1, report.GetProperty("attempts").GetInt32());
        Assert.Equal(ownerId, await system.PartitionValueAsync<string>(id, "finished_by", $"number = {helped}"));
        var taken = (await system.PartitionsAsync(id))[helped];
        Assert.Equal(2, taken.Progress.BlockRuns().Count); // the helper's blocks, then the owner's
        await AssertSameAsReadWholeAsync(client, id, report);
    }

    [Fact]
    public async Task A_worker_killed_in_the_middle_of_a_pdf_in_segments_is_taken_over_and_the_next_attempt_keeps_the_segments_drawn()
    {
        using var client = await system.CreateClientAsync();
        // Segments of 150 pages, each about a hundred keyset pages of 100 rows; one bulk slot, so the job's worker draws
        // them one after another (its requests for help wait for a free slot).
        var settings = new Dictionary<string, string>(FaultSystem.SlowWorker)
        {
            ["Reports:Pdf:PagesPerSegment"] = "150",
            ["Reports:Pdf:PagesPerPart"] = "10",
            ["Reports:Worker:Queues:reports"] = "0",
            ["Reports:Worker:Queues:reports-bulk"] = "1",
        };
        var doomedId = "pdf-doomed-" + Guid.NewGuid().ToString("N")[..6];
        string id;
        IReadOnlyList<PartitionCheckpoint> before;
        await using (var doomed = await system.StartWorkerAsync(doomedId, settings))
        {
            id = (await ReportsClient.CreateAsync(client, FullRangeIn("pdf"))).GetProperty("id").GetString()!;
            await FaultSystem.EventuallyAsync(async () => (await system.PartitionsAsync(id)).Count(p => p.Progress.Objects is not null) >= 2,
                "two segments drawn");
            doomed.Kill();
            await doomed.Exited;
            before = await system.PartitionsAsync(id);
        }

        Assert.Contains(before, p => p.Progress.Objects is null);
        JsonElement report;
        await using (var rescuer = await system.StartWorkerAsync("pdf-rescuer-" + Guid.NewGuid().ToString("N")[..6], settings))
        {
            report = await ReportsClient.WaitForFinalAsync(client, id, TimeSpan.FromMinutes(3));
        }

        // Taken over by a second attempt, which kept the layout and every segment drawn before the kill, and drew the rest.
        Assert.True(report.GetProperty("status").GetString() == "succeeded", report.ToString());
        Assert.Equal(2, report.GetProperty("attempts").GetInt32());
        var after = await system.PartitionsAsync(id);
        Assert.Equal(before.Select(p => p.From), after.Select(p => p.From));
        Assert.All(before.Zip(after).Where(pair => pair.First.Progress.Objects is not null),
            pair => Assert.Equal((pair.First.Progress.Objects, pair.First.Progress.Bytes), (pair.Second.Progress.Objects, pair.Second.Progress.Bytes)));
        Assert.All(after, p => Assert.NotNull(p.Progress.Objects));

        var bytes = await FaultSystem.DownloadAsync(client, id);
        Assert.Equal(File(report).GetProperty("sha256").GetString(), Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)));
        var pdf = await Reports.Tests.ReportTypes.PdfText.ReadAsync(bytes);
        Assert.True(pdf.PageCount > 450, $"{pdf.PageCount} pages");
        pdf.AssertEveryPageHasHeaderAndNumber(Reports.Tests.Catalog.BuiltInReports.Orders.Columns.Select(c => c.Title));
    }

    /// <summary>The same report read whole, by a worker that does not partition, is the reference.</summary>
    private async Task AssertSameAsReadWholeAsync(HttpClient client, string id, JsonElement report)
    {
        await using var whole = await system.StartWorkerAsync("whole-" + Guid.NewGuid().ToString("N")[..6], WithGeneration(readers: 1));
        var referenceId = (await ReportsClient.CreateAsync(client, FullRange)).GetProperty("id").GetString()!;
        var reference = await ReportsClient.WaitForFinalAsync(client, referenceId, TimeSpan.FromMinutes(3));
        Assert.Null((await CheckpointAsync(referenceId)).Partitions);
        Assert.Empty(await system.PartitionsAsync(referenceId));
        Assert.Equal(File(reference).GetProperty("sha256").GetString(), File(report).GetProperty("sha256").GetString());
        Assert.Equal(await FaultSystem.DownloadHashAsync(client, referenceId), await FaultSystem.DownloadHashAsync(client, id));
    }

    private static Dictionary<string, string> WithGeneration(int readers) => new(FaultSystem.SlowWorker)
    {
        ["Reports:Generation:ReadersPerReport"] = readers.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Reports:Generation:PartitionMinRows"] = "20000",
    };

    private async Task<GenerationCheckpoint> CheckpointAsync(string id) =>
        JsonSerializer.Deserialize<GenerationCheckpoint>((await system.JobValueAsync<string>(id, "checkpoint"))!)!;

    [Fact]
    public async Task A_worker_killed_mid_report_on_mariadb_is_taken_over_and_the_resumed_file_equals_the_same_report_from_postgresql()
    {
        using var client = await system.CreateClientAsync();
        var request = new { type = "orders-mariadb", format = "csv", parameters = new { from = "2021-01-01", to = "2025-12-31" } };
        var id = await system.KillWorkerMidReportAsync(client, request, "doomed-mariadb-");
        var blocksBeforeCrash = await system.StagedBlocksAsync(id);

        await using var rescuer = await system.StartWorkerAsync("rescuer-mariadb-" + Guid.NewGuid().ToString("N")[..6]);
        var resumed = await ReportsClient.WaitForFinalAsync(client, id, TimeSpan.FromMinutes(3));
        Assert.True(resumed.GetProperty("status").GetString() == "succeeded", resumed.ToString());
        Assert.Equal(2, resumed.GetProperty("attempts").GetInt32());
        var staged = JsonSerializer.Deserialize<GenerationCheckpoint>((await system.JobValueAsync<string>(id, "checkpoint"))!)!.BlockRuns();
        Assert.Equal([1, 2], staged.Select(r => r.Attempt));

        // The reference: the same orders read from PostgreSQL in one attempt.
        var referenceId = (await ReportsClient.CreateAsync(client, FullRange)).GetProperty("id").GetString()!;
        var reference = await ReportsClient.WaitForFinalAsync(client, referenceId, TimeSpan.FromMinutes(3));
        Assert.Equal(1, reference.GetProperty("attempts").GetInt32());

        Assert.True(blocksBeforeCrash >= 5, $"the crash should come after some blocks were staged ({blocksBeforeCrash})");
        Assert.Equal(File(reference).GetProperty("sha256").GetString(), File(resumed).GetProperty("sha256").GetString());
        Assert.Equal(await FaultSystem.DownloadHashAsync(client, referenceId), await FaultSystem.DownloadHashAsync(client, id));
    }

    [Fact]
    public async Task A_worker_killed_mid_xlsx_is_taken_over_and_the_file_made_again_is_identical_to_an_uninterrupted_run()
    {
        using var client = await system.CreateClientAsync();
        var request = FullRangeIn("xlsx");
        string id;
        await using (var doomed = await system.StartWorkerAsync("doomed-xlsx-" + Guid.NewGuid().ToString("N")[..6]))
        {
            id = (await ReportsClient.CreateAsync(client, request)).GetProperty("id").GetString()!;
            // An XLSX keeps no checkpoint (a new attempt starts from row 1): its progress shows how far it got.
            await FaultSystem.EventuallyAsync(async () => await system.JobValueAsync<long>(id, "rows_written") >= 20_000, "the first worker has written 20,000 rows");
            doomed.Kill();
            await doomed.Exited;
        }

        Assert.Equal("running", await system.JobValueAsync<string>(id, "status"));
        JsonElement resumed;
        await using (var rescuer = await system.StartWorkerAsync("rescuer-xlsx-" + Guid.NewGuid().ToString("N")[..6]))
        {
            resumed = await ReportsClient.WaitForFinalAsync(client, id, TimeSpan.FromMinutes(3));
        }

        Assert.True(resumed.GetProperty("status").GetString() == "succeeded", resumed.ToString());
        Assert.Equal(2, resumed.GetProperty("attempts").GetInt32());

        // The reference: the same report made in one attempt by a job created at the same time (the one time the file
        // holds), set before any worker runs it.
        var referenceId = (await ReportsClient.CreateAsync(client, request)).GetProperty("id").GetString()!;
        await using (var sameTime = system.Database.CreateCommand(
            "UPDATE reports.jobs SET created_at = (SELECT created_at FROM reports.jobs WHERE id = $1) WHERE id = $2 AND status = 'queued'"))
        {
            sameTime.Parameters.AddWithValue(Guid.Parse(id));
            sameTime.Parameters.AddWithValue(Guid.Parse(referenceId));
            Assert.Equal(1, await sameTime.ExecuteNonQueryAsync());
        }

        JsonElement reference;
        await using (var next = await system.StartWorkerAsync("reference-xlsx-" + Guid.NewGuid().ToString("N")[..6]))
        {
            reference = await ReportsClient.WaitForFinalAsync(client, referenceId, TimeSpan.FromMinutes(3));
        }

        Assert.Equal(1, reference.GetProperty("attempts").GetInt32());
        Assert.True(File(reference).GetProperty("sizeBytes").GetInt64() > 10 * 65536, "a file of many blocks");
        Assert.Equal(File(reference).GetProperty("sha256").GetString(), File(resumed).GetProperty("sha256").GetString());
        Assert.Equal(await FaultSystem.DownloadHashAsync(client, referenceId), await FaultSystem.DownloadHashAsync(client, id));
    }

    [Fact]
    public async Task A_stopped_worker_releases_its_job_at_once_and_another_finishes_it()
    {
        using var client = await system.CreateClientAsync();
        var longLease = new Dictionary<string, string>(FaultSystem.SlowWorker) { ["Reports:Worker:Lease"] = "00:10:00" };
        var id = (await ReportsClient.CreateAsync(client, FullRange)).GetProperty("id").GetString()!;
        await using (var leaving = await system.StartWorkerAsync("leaving-" + Guid.NewGuid().ToString("N")[..6], longLease))
        {
            await FaultSystem.EventuallyAsync(async () => await system.StagedBlocksAsync(id) >= 3, "the worker has staged 3 blocks");
            await leaving.StopAsync();
            Assert.Equal(0, await leaving.Exited);
        }

        // Released, not left running under a ten-minute lease.
        Assert.Equal("queued", await system.JobValueAsync<string>(id, "status"));
        Assert.Null(await system.JobValueAsync<DateTime?>(id, "lease_expires_at"));

        await using var next = await system.StartWorkerAsync("next-" + Guid.NewGuid().ToString("N")[..6], longLease);
        var done = await ReportsClient.WaitForFinalAsync(client, id, TimeSpan.FromMinutes(3));
        Assert.True(done.GetProperty("status").GetString() == "succeeded", done.ToString());
        Assert.Equal(2, done.GetProperty("attempts").GetInt32());
    }

    [Fact]
    public async Task A_worker_killed_while_it_holds_jobs_read_ahead_uses_an_attempt_of_the_job_it_ran_and_none_of_those_it_only_claimed()
    {
        using var client = await system.CreateClientAsync();
        var doomedId = "ahead-" + Guid.NewGuid().ToString("N")[..6];
        var settings = new Dictionary<string, string>(FaultSystem.SlowWorker)
        {
            ["Reports:Worker:Queues:reports"] = "1",
            ["Reports:Worker:Queues:reports-bulk"] = "0",
            ["Reports:Worker:ReadAhead"] = "8",
            ["Reports:Worker:Lease"] = "00:00:20",
            ["Reports:Worker:ReadAheadWait"] = "00:00:15", // the jobs read ahead wait for the slot until the kill
        };
        string ran;
        var claimedAhead = new List<string>();
        await using (var doomed = await system.StartWorkerAsync(doomedId, settings))
        {
            // Small reports first: the loop learns that its jobs are quick, so it reads ahead of its one slot.
            for (var i = 0; i < 3; i++)
            {
                var warmUp = (await ReportsClient.CreateAsync(client, OneDay)).GetProperty("id").GetString()!;
                Assert.Equal("succeeded", (await ReportsClient.WaitForFinalAsync(client, warmUp, TimeSpan.FromMinutes(2))).GetProperty("status").GetString());
            }

            ran = (await ReportsClient.CreateAsync(client, FullRange)).GetProperty("id").GetString()!;
            await FaultSystem.EventuallyAsync(async () => await system.StagedBlocksAsync(ran) >= 2
                && await system.JobValueAsync<int?>(ran, "entered_attempt") == 1, "the long report runs, its entry recorded");
            for (var i = 0; i < 3; i++)
            {
                claimedAhead.Add((await ReportsClient.CreateAsync(client, OneDay)).GetProperty("id").GetString()!);
            }

            foreach (var id in claimedAhead)
            {
                await FaultSystem.EventuallyAsync(async () => await system.JobValueAsync<string>(id, "lease_owner") == doomedId,
                    "the small reports are claimed ahead, waiting for the slot");
            }

            Assert.Equal(1, await system.JobValueAsync<int>(ran, "attempt"));
            doomed.Kill();
            await doomed.Exited;
        }

        await using var rescuer = await system.StartWorkerAsync("rescuer-" + Guid.NewGuid().ToString("N")[..6]);
        foreach (var id in claimedAhead.Append(ran))
        {
            var report = await ReportsClient.WaitForFinalAsync(client, id, TimeSpan.FromMinutes(3));
            Assert.True(report.GetProperty("status").GetString() == "succeeded", report.ToString());
        }

        // The long report used its first attempt; the small ones were handed over, no attempt used.
        Assert.Equal((2, 0), (await system.JobValueAsync<int>(ran, "attempt"), await system.JobValueAsync<int>(ran, "released")));
        foreach (var id in claimedAhead)
        {
            Assert.Equal((2, 1, 1), (await system.JobValueAsync<int>(id, "attempt"), await system.JobValueAsync<int>(id, "released"),
                await system.JobValueAsync<int>(id, "unstarted_takeovers")));
        }
    }

    private static object FullRangeIn(string format) => new { type = "orders", format, parameters = new { from = "2021-01-01", to = "2025-12-31" } };

    private static JsonElement File(JsonElement report) => report.GetProperty("file");
}
