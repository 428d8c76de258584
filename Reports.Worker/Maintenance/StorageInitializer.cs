using Reports.Core.Storage.Blobs;

namespace Reports.Worker.Maintenance;

/// <summary>Creates the reports container before work starts, waiting for blob storage if it is not up yet.</summary>
internal sealed class StorageInitializer(BlobReportFiles files, ILogger<StorageInitializer> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await files.EnsureContainerAsync(cancellationToken);
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException && attempt < 30)
            {
                logger.LogWarning("Blob storage not ready ({Error}); retrying", e.Message);
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
