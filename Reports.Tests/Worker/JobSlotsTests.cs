using Reports.Worker.Consuming;

namespace Reports.Tests.Worker;

public sealed class JobSlotsTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task TakeFree_TakesEveryFreePlaceAtOnce_AndWaitsWhenNoneIsFree()
    {
        using var slots = new JobSlots(3);

        Assert.Equal(3, await slots.TakeFreeAsync(CancellationToken.None));
        var waiting = slots.TakeFreeAsync(CancellationToken.None);
        Assert.False(waiting.IsCompleted);

        slots.Return(2);
        Assert.Equal(2, await waiting.WaitAsync(Bound));
    }

    [Fact]
    public async Task Return_OfNothing_LeavesTheSlotsAsTheyAre()
    {
        using var slots = new JobSlots(1);
        Assert.Equal(1, await slots.TakeFreeAsync(CancellationToken.None));

        slots.Return(0);
        using var cancelled = new CancellationTokenSource();
        var waiting = slots.TakeFreeAsync(cancelled.Token);
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
    }

    [Fact]
    public async Task WhenAllDone_WaitsForEveryTrackedJob()
    {
        using var slots = new JobSlots(2);
        var job = new TaskCompletionSource();
        slots.Track(job.Task);

        var done = slots.WhenAllDoneAsync();
        Assert.False(done.IsCompleted);
        job.SetResult();
        await done.WaitAsync(Bound);
    }

    [Fact]
    public async Task A_new_loop_reads_no_further_than_its_slots_until_it_knows_the_pace_of_its_jobs()
    {
        using var slots = new JobSlots(2, readAhead: 16, readAheadWait: TimeSpan.FromSeconds(2));

        Assert.Equal(0, slots.ReadAheadNow);
        Assert.Equal(2, await slots.TakeFreeAsync(CancellationToken.None));

        // Jobs that take no time: the loop may hold its full read-ahead beyond its slots.
        for (var i = 0; i < 3; i++)
        {
            using var slot = await slots.EnterAsync(Timeout.InfiniteTimeSpan, CancellationToken.None);
            Assert.NotNull(slot);
        }

        Assert.Equal(16, slots.ReadAheadNow);
        Assert.Equal(16, await slots.TakeFreeAsync(CancellationToken.None).WaitAsync(Bound));
        Assert.Equal(18, slots.Held);
    }

    [Fact]
    public async Task Slow_jobs_stop_the_read_ahead()
    {
        using var slots = new JobSlots(1, readAhead: 16, readAheadWait: TimeSpan.FromMilliseconds(100));
        using (var fast = await slots.EnterAsync(Timeout.InfiniteTimeSpan, CancellationToken.None))
        {
            Assert.NotNull(fast);
        }

        Assert.Equal(16, slots.ReadAheadNow);

        // Jobs that run far longer than the wait: at their pace, not one job read ahead would start in time.
        for (var i = 0; i < 12; i++)
        {
            using var slow = await slots.EnterAsync(Timeout.InfiniteTimeSpan, CancellationToken.None);
            await Task.Delay(TimeSpan.FromMilliseconds(250));
        }

        Assert.Equal(0, slots.ReadAheadNow);
    }

    [Fact]
    public async Task A_job_waits_for_a_slot_at_most_as_long_as_it_is_told_and_gets_the_one_freed()
    {
        using var slots = new JobSlots(1);
        var running = await slots.EnterAsync(Timeout.InfiniteTimeSpan, CancellationToken.None);
        Assert.NotNull(running);

        Assert.Null(await slots.EnterAsync(TimeSpan.FromMilliseconds(50), CancellationToken.None).WaitAsync(Bound));

        var waiting = slots.EnterAsync(Timeout.InfiniteTimeSpan, CancellationToken.None);
        Assert.False(waiting.IsCompleted);
        running.Dispose();
        running.Dispose(); // once only: a second dispose frees nothing more
        using var next = await waiting.WaitAsync(Bound);
        Assert.NotNull(next);
        Assert.Null(await slots.EnterAsync(TimeSpan.Zero, CancellationToken.None));
    }

    [Fact]
    public async Task Slots_held_longer_than_the_wait_start_nothing_and_a_wait_run_out_slows_the_pace()
    {
        using var slots = new JobSlots(2, readAhead: 16, readAheadWait: TimeSpan.FromMilliseconds(100));
        using (await slots.EnterAsync(Timeout.InfiniteTimeSpan, CancellationToken.None))
        {
        }

        Assert.Equal(16, slots.ReadAheadNow);
        var first = await slots.EnterAsync(Timeout.InfiniteTimeSpan, CancellationToken.None);
        var second = await slots.EnterAsync(Timeout.InfiniteTimeSpan, CancellationToken.None);
        await Task.Delay(TimeSpan.FromMilliseconds(250));

        // Both slots on jobs running longer than the wait: none is likely to free up within it.
        Assert.Equal(0, slots.ReadAheadNow);
        Assert.Null(await slots.EnterAsync(TimeSpan.FromMilliseconds(50), CancellationToken.None));

        first!.Dispose();
        second!.Dispose();
        // The wait that ran out and the long runs set the pace: at most one job per free slot within the wait.
        Assert.InRange(slots.ReadAheadNow, 0, 2);
    }

    [Fact]
    public async Task A_wait_to_help_that_runs_out_leaves_the_pace_and_the_read_ahead_as_they_are()
    {
        // A wait long enough that the busy slot counts as freeing within it throughout, however slow the machine.
        using var slots = new JobSlots(1, readAhead: 16, readAheadWait: TimeSpan.FromSeconds(30));
        using (await slots.EnterAsync(Timeout.InfiniteTimeSpan, CancellationToken.None))
        {
        }

        using var busy = await slots.EnterAsync(Timeout.InfiniteTimeSpan, CancellationToken.None);
        Assert.Equal(16, slots.ReadAheadNow);

        Assert.Null(await slots.EnterToHelpAsync(TimeSpan.FromMilliseconds(50), CancellationToken.None).WaitAsync(Bound));
        Assert.Equal(16, slots.ReadAheadNow); // help for another worker's job says nothing of this queue's pace
        Assert.Null(await slots.EnterAsync(TimeSpan.FromMilliseconds(50), CancellationToken.None).WaitAsync(Bound));
        Assert.InRange(slots.ReadAheadNow, 0, 2); // a job's own wait does
    }
}
