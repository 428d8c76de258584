using Microsoft.Extensions.Options;
using Reports.Core.Generation;

namespace Reports.Worker.Consuming;

/// <summary>
/// Reserves the block buffers of every job slot before the worker takes a job: each slot may hold the block being
/// formatted, the blocks in flight, the one being staged and a compressed copy. So a worker's memory is fixed by its
/// settings, whatever the size of the reports it runs: slots × lanes × (blocks in flight + 3), since a slot may draw
/// <see cref="GenerationOptions.LanesPerJob"/> partitions of one file at once, each lane holding its block being
/// formatted, the one cut before it on its way to the blocks in flight (or a compressed copy), those in flight, and the
/// one being staged.
/// </summary>
internal sealed class BlockBufferReservation(
    BlockBuffers buffers,
    IOptions<WorkerOptions> worker,
    IOptions<GenerationOptions> generation,
    ILogger<BlockBufferReservation> logger) : IHostedService
{
    public static int BuffersFor(WorkerOptions worker, GenerationOptions generation)
    {
        ArgumentNullException.ThrowIfNull(worker);
        ArgumentNullException.ThrowIfNull(generation);
        return worker.Queues.Values.Where(slots => slots > 0).Sum() * generation.LanesPerJob * (generation.BlocksInFlight + 3);
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var count = BuffersFor(worker.Value, generation.Value);
        buffers.Reserve(count);
        logger.LogInformation("Reserved {Count} block buffers of {Size:N0} bytes ({Total:N0} MiB)",
            count, buffers.BufferSize, (long)count * buffers.BufferSize / (1024 * 1024));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
