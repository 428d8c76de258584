using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Reports.Chaos;

/// <summary>Requests and reads reports as a careful client does: retrying through outages with the same Idempotency-Key.</summary>
internal sealed class JobClient(HttpClient http)
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);

    /// <summary>One client for storage downloads; connections that sat through a paused Azurite are not reused.</summary>
    private static readonly HttpClient Storage = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromSeconds(10) })
    {
        Timeout = TimeSpan.FromMinutes(1),
    };

    public async Task<string> CreateAsync(JobSpec spec, string idempotencyKey, CancellationToken cancellationToken)
    {
        var until = DateTime.UtcNow + Patience;
        while (true)
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, "/api/reports") { Content = JsonContent.Create(spec.Request) };
                request.Headers.Add("Idempotency-Key", idempotencyKey);
                using var response = await http.SendAsync(request, cancellationToken);
                if (response.StatusCode == HttpStatusCode.Accepted)
                {
                    return (await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("id").GetString()!;
                }

                if ((int)response.StatusCode < 500)
                {
                    throw new InvalidOperationException($"{spec.Name} refused: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}");
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                // The API or what it needs is restarting: try again with the same key.
            }

            if (DateTime.UtcNow > until)
            {
                throw new TimeoutException($"{spec.Name} could not be requested within {Patience}.");
            }

            await Task.Delay(500, cancellationToken);
        }
    }

    /// <summary>The status resource, or null while the API cannot answer.</summary>
    public async Task<JsonElement?> GetAsync(string id, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await http.GetAsync(new Uri($"/api/reports/{id}", UriKind.Relative), cancellationToken);
            return response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken) : null;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    public async Task<string?> DownloadSha256Async(string id, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 20; attempt++)
        {
            try
            {
                // The whole download, body included, is bounded: a stalled connection is abandoned and retried.
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(TimeSpan.FromMinutes(1));
                using var redirect = await http.GetAsync(new Uri($"/api/reports/{id}/download", UriKind.Relative), timeout.Token);
                if (redirect.StatusCode == HttpStatusCode.Redirect && redirect.Headers.Location is { } location)
                {
                    var bytes = await Storage.GetByteArrayAsync(location, timeout.Token);
                    return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));
                }
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                // Retry below.
            }

            await Task.Delay(500, cancellationToken);
        }

        return null;
    }

    public static bool IsFinal(JsonElement report) =>
        report.GetProperty("status").GetString() is "succeeded" or "failed" or "cancelled" or "expired";
}
