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

    /// <summary>
    /// The SHA-256 of the file as storage serves it, <see cref="Download.Gone"/> when storage answers 404 (it lost the
    /// file), or <see cref="Download.Unreadable"/> when it could not be read through outages for a while.
    /// </summary>
    public async Task<Download> DownloadAsync(string id, CancellationToken cancellationToken)
    {
        var gone = 0;
        for (var attempt = 0; attempt < 40; attempt++)
        {
            try
            {
                // The whole download, body included, is bounded: a stalled connection is abandoned and retried.
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(TimeSpan.FromMinutes(1));
                using var redirect = await http.GetAsync(new Uri($"/api/reports/{id}/download", UriKind.Relative), timeout.Token);
                if (redirect.StatusCode == HttpStatusCode.Redirect && redirect.Headers.Location is { } location)
                {
                    using var file = await Storage.GetAsync(location, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
                    if (file.IsSuccessStatusCode)
                    {
                        await using var body = await file.Content.ReadAsStreamAsync(timeout.Token);
                        return new Download(Convert.ToHexStringLower(await System.Security.Cryptography.SHA256.HashDataAsync(body, timeout.Token)));
                    }

                    // Storage that just came back answers 404 for what it lost; asked a few times, it is gone.
                    if (file.StatusCode == HttpStatusCode.NotFound && ++gone >= 3)
                    {
                        return Download.Gone;
                    }
                }
            }
            catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                // Retry below.
            }

            await Task.Delay(500, cancellationToken);
        }

        return Download.Unreadable;
    }

    public static bool IsFinal(JsonElement report) =>
        report.GetProperty("status").GetString() is "succeeded" or "failed" or "cancelled" or "expired";
}

/// <summary>What a download found: the file's SHA-256, or why there is none.</summary>
internal sealed record Download(string? Sha256, bool IsGone = false)
{
    public static Download Gone { get; } = new(null, IsGone: true);

    public static Download Unreadable { get; } = new(Sha256: null);
}
