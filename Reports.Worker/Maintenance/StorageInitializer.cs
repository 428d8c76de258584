using Reports.Core.Storage.Blobs;

namespace Reports.Worker.Maintenance;

/// <summary>
/// Creates the reports container, retrying until blob storage answers. It does not hold up start-up: a worker with
/// storage down still serves its probes, and staging recreates a missing container itself.
/// </summary>
internal sealed class StorageInitializer(BlobReportFiles files, ILogger<StorageInitializer> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (true)
        {
            try
            {
                await files.EnsureContainerAsync(stoppingToken);
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning("Blob storage not ready ({Error}); retrying", e.Message);
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
            }
        }
    }
}
