using Reports.Worker.Consuming;

namespace Reports.Tests.Worker;

public sealed class JobSlotsTests
{
    [Fact]
    public async Task TakeFree_TakesEveryFreeSlotAtOnce_AndWaitsWhenNoneIsFree()
    {
        var slots = new JobSlots(3);

        Assert.Equal(3, await slots.TakeFreeAsync(CancellationToken.None));
        var waiting = slots.TakeFreeAsync(CancellationToken.None);
        Assert.False(waiting.IsCompleted);

        slots.Return(2);
        Assert.Equal(2, await waiting);
    }

    [Fact]
    public async Task Return_OfNothing_LeavesTheSlotsAsTheyAre()
    {
        var slots = new JobSlots(1);
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
        var slots = new JobSlots(2);
        var job = new TaskCompletionSource();
        slots.Track(job.Task);

        var done = slots.WhenAllDoneAsync();
        Assert.False(done.IsCompleted);
        job.SetResult();
        await done;
    }
}
