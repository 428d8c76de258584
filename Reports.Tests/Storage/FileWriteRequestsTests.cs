using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Storage.Blobs;
using Reports.Core.Generation;
using Reports.Core.Storage.Blobs;
using Reports.Tests.Integration;

namespace Reports.Tests.Storage;

/// <summary>
/// What a report's file costs storage, against real Azurite: a new small file is one request (no look first); only a
/// file already there is looked at, so the fencing of attempts still holds.
/// </summary>
[Collection(IntegrationGroup.Name)]
public sealed class FileWriteRequestsTests(Infrastructure infrastructure)
{
    [Fact]
    public async Task A_new_small_file_is_written_in_one_request()
    {
        var (files, requests) = await CountedFilesAsync();
        var name = $"{Guid.NewGuid():N}.csv";

        requests.Clear();
        await files.UploadAsync(name, "a,b\r\n1,2\r\n"u8.ToArray(), new FileWrite(1, "text/csv", "report.csv"), CancellationToken.None);

        Assert.Equal(["PUT"], requests.Methods);
    }

    [Fact]
    public async Task A_new_file_of_blocks_is_committed_in_one_request()
    {
        var (files, requests) = await CountedFilesAsync();
        var name = $"{Guid.NewGuid():N}.csv";
        await files.StageBlockAsync(name, new FileBlock(1, 0), "a,b\r\n"u8.ToArray(), CancellationToken.None);
        await files.StageBlockAsync(name, new FileBlock(1, 1), "1,2\r\n"u8.ToArray(), CancellationToken.None);

        requests.Clear();
        await files.CommitAsync(name, [new FileBlock(1, 0), new FileBlock(1, 1)], new FileWrite(1, "text/csv", "report.csv"), CancellationToken.None);

        Assert.Equal(["PUT"], requests.Methods);
        await using var read = await files.OpenReadAsync(name, CancellationToken.None);
        Assert.Equal("a,b\r\n1,2\r\n", await new StreamReader(read).ReadToEndAsync());
    }

    [Fact]
    public async Task A_file_already_there_is_looked_at_then_written_over_by_a_newer_attempt_and_never_by_an_older_one()
    {
        var (files, requests) = await CountedFilesAsync();
        var name = $"{Guid.NewGuid():N}.csv";
        await files.UploadAsync(name, "first"u8.ToArray(), new FileWrite(1, "text/csv", "report.csv"), CancellationToken.None);

        requests.Clear();
        await files.UploadAsync(name, "second"u8.ToArray(), new FileWrite(2, "text/csv", "report.csv"), CancellationToken.None);
        Assert.Equal(["PUT", "HEAD", "PUT"], requests.Methods); // refused (a file is there), looked at, written over
        await Assert.ThrowsAsync<StaleAttemptException>(
            () => files.UploadAsync(name, "late"u8.ToArray(), new FileWrite(1, "text/csv", "report.csv"), CancellationToken.None));

        await using var read = await files.OpenReadAsync(name, CancellationToken.None);
        Assert.Equal("second", await new StreamReader(read).ReadToEndAsync());
    }

    private async Task<(BlobReportFiles Files, RequestLog Requests)> CountedFilesAsync()
    {
        await infrastructure.SystemAsync();
        var requests = new RequestLog();
        var options = new BlobClientOptions();
        options.AddPolicy(requests, HttpPipelinePosition.PerRetry);
        var container = new BlobServiceClient(infrastructure.BlobConnectionString, options).GetBlobContainerClient(BlobReportFiles.ContainerName);
        var files = new BlobReportFiles(container);
        await files.EnsureContainerAsync(CancellationToken.None);
        return (files, requests);
    }

    /// <summary>The HTTP methods of the requests sent to storage, in order.</summary>
    private sealed class RequestLog : HttpPipelineSynchronousPolicy
    {
        private readonly List<string> _methods = [];

        public IReadOnlyList<string> Methods
        {
            get
            {
                lock (_methods)
                {
                    return [.. _methods];
                }
            }
        }

        public void Clear()
        {
            lock (_methods)
            {
                _methods.Clear();
            }
        }

        public override void OnSendingRequest(HttpMessage message)
        {
            lock (_methods)
            {
                _methods.Add(message.Request.Method.ToString());
            }
        }
    }
}
