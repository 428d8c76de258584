using System.Diagnostics;
using Azure;
using Azure.Storage.Blobs.Models;
using Reports.Bench.Harness;

namespace Reports.Bench.Scenarios;

/// <summary>
/// The storage floor of a tiny report: the one call that writes its file (Put Blob of a tiny report's size, with the
/// headers, metadata and condition a worker sends), made by 8 concurrent clients and nothing else, and what it costs
/// Azurite's CPU. No report can cost storage less; at a given rate of tiny reports it is the CPU Azurite alone needs.
/// </summary>
internal static class StorageFloor
{
    private const int Clients = 8;

    /// <summary>About a tiny report's file (orders CSV, one day of one country: ~20 rows and the header).</summary>
    public const int FileBytes = 1_500;

    /// <param name="PutsPerSecond">Uploads a second from <see cref="Clients"/> concurrent clients.</param>
    /// <param name="AzuriteCpuMsPerPut">Azurite's CPU milliseconds per upload.</param>
    public sealed record Outcome(double PutsPerSecond, double AzuriteCpuMsPerPut);

    public static async Task<Outcome> RunAsync(BenchSession session, int count, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        var container = session.Blobs.GetBlobContainerClient(BenchSession.FloorContainer);
        var content = BinaryData.FromBytes(new byte[FileBytes].Select((_, i) => (byte)('a' + (i % 26))).ToArray());
        var prefix = Guid.NewGuid().ToString("N");
        var cpu = session.ServerCpu();
        cpu.Start();
        var next = -1;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, Clients).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                await container.GetBlobClient($"{prefix}/{i}.csv").UploadAsync(content, new BlobUploadOptions
                {
                    HttpHeaders = new BlobHttpHeaders { ContentType = "text/csv; charset=utf-8", ContentDisposition = "attachment; filename=\"orders.csv\"" },
                    Metadata = new Dictionary<string, string> { ["attempt"] = "1" },
                    Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
                }, cancellationToken);
            }
        }));
        var seconds = clock.Elapsed.TotalSeconds;
        var used = cpu.Stop();
        return new Outcome(count / seconds, used["azurite"] * 1000 / count);
    }
}
