using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Reports.Tests.Integration;

namespace Reports.Tests.ReportTypes;

/// <summary>A report requested through the API, waited for with a deadline, and downloaded through its signed URL.</summary>
public sealed record ReportRun(JsonElement Status, byte[] Bytes, string FileName, string? ContentType)
{
    public static async Task<ReportRun> RunAsync(HttpClient client, object request)
    {
        var created = await ReportsClient.CreateAsync(client, request);
        var id = created.GetProperty("id").GetString()!;
        var done = await ReportsClient.WaitForFinalAsync(client, id, TimeSpan.FromMinutes(3));
        Assert.True(done.GetProperty("status").GetString() == "succeeded", done.ToString());

        using var redirect = await client.GetAsync(new Uri($"/api/reports/{id}/download", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Redirect, redirect.StatusCode);
        using var storage = new HttpClient();
        using var download = await storage.GetAsync(redirect.Headers.Location);
        download.EnsureSuccessStatusCode();
        var bytes = await download.Content.ReadAsByteArrayAsync();

        var file = done.GetProperty("file");
        Assert.Equal(bytes.LongLength, file.GetProperty("sizeBytes").GetInt64());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), file.GetProperty("sha256").GetString());
        var fileName = download.Content.Headers.ContentDisposition?.FileName?.Trim('"') ?? "";
        return new ReportRun(done, bytes, fileName, download.Content.Headers.ContentType?.MediaType);
    }

    public long RowsWritten => Status.GetProperty("progress").GetProperty("rowsWritten").GetInt64();
}
