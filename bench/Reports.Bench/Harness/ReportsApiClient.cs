using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Reports.Bench.Harness;

/// <summary>The public HTTP API, as a client uses it: create a report (202), poll its status resource until it ends.</summary>
internal sealed class ReportsApiClient : IDisposable
{
    private readonly HttpClient _http;

    public ReportsApiClient(Uri baseAddress, string apiKey)
    {
        _http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64, PooledConnectionLifetime = TimeSpan.FromMinutes(10) })
        {
            BaseAddress = baseAddress,
            Timeout = TimeSpan.FromSeconds(60),
        };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
    }

    public HttpClient Http => _http;

    /// <summary>Creates a report and returns its id.</summary>
    public async Task<Guid> CreateAsync(string type, string format, object parameters, CancellationToken cancellationToken)
    {
        using var response = await _http.PostAsJsonAsync("/api/reports", new { type, format, parameters }, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (response.StatusCode != HttpStatusCode.Accepted)
        {
            throw new InvalidOperationException($"POST /api/reports answered {(int)response.StatusCode}: {body}");
        }

        using var document = JsonDocument.Parse(body);
        return document.RootElement.GetProperty("id").GetGuid();
    }

    /// <summary>Creates a user key of a new owner (needs an admin key); returns its secret.</summary>
    public async Task<string> CreateUserKeyAsync(string owner, CancellationToken cancellationToken)
    {
        using var response = await _http.PostAsJsonAsync("/api/admin/api-keys", new { owner, role = "user", name = "bench" }, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (response.StatusCode != HttpStatusCode.Created)
        {
            throw new InvalidOperationException($"POST /api/admin/api-keys answered {(int)response.StatusCode}: {body}");
        }

        using var document = JsonDocument.Parse(body);
        return document.RootElement.GetProperty("secret").GetString()!;
    }

    public async Task<JsonElement> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync(new Uri($"/api/reports/{id}", UriKind.Relative), cancellationToken);
        response.EnsureSuccessStatusCode();
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        return document.RootElement.Clone();
    }

    /// <summary>Polls every 50 ms until the report ends; throws unless it succeeded.</summary>
    public async Task<ReportOutcome> WaitAsync(Guid id, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var status = await GetAsync(id, cancellationToken);
            switch (status.GetProperty("status").GetString())
            {
                case "succeeded":
                    return ReportOutcome.From(status);
                case "failed" or "cancelled" or "expired":
                    throw new InvalidOperationException($"Report {id} ended {status.GetProperty("status").GetString()}: {status}");
            }

            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"Report {id} did not finish within {timeout}: {status}");
            }

            await Task.Delay(50, cancellationToken);
        }
    }

    public void Dispose() => _http.Dispose();
}

/// <summary>A finished report as its status resource tells it; server-side times (request accepted to blob committed).</summary>
internal sealed record ReportOutcome(long Rows, long Bytes, DateTimeOffset CreatedAt, DateTimeOffset StartedAt, DateTimeOffset FinishedAt)
{
    /// <summary>From the request's acceptance to the committed blob.</summary>
    public TimeSpan EndToEnd => FinishedAt - CreatedAt;

    public TimeSpan Generation => FinishedAt - StartedAt;

    public static ReportOutcome From(JsonElement status) => new(
        status.GetProperty("progress").GetProperty("rowsWritten").GetInt64(),
        status.GetProperty("file").GetProperty("sizeBytes").GetInt64(),
        status.GetProperty("createdAt").GetDateTimeOffset(),
        status.GetProperty("startedAt").GetDateTimeOffset(),
        status.GetProperty("finishedAt").GetDateTimeOffset());
}
