using System.Net.Http.Json;
using System.Text.Json;

namespace Reports.Tests.Integration;

/// <summary>Test helpers over the public HTTP API: create a report and wait for it with a deadline.</summary>
public static class ReportsClient
{
    public static async Task<JsonElement> CreateAsync(HttpClient client, object request, string? idempotencyKey = null)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, "/api/reports") { Content = JsonContent.Create(request) };
        if (idempotencyKey is not null)
        {
            message.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        using var response = await client.SendAsync(message);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Accepted, $"Expected 202, got {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement;
    }

    /// <summary>Polls the status resource until it reaches a final state or the deadline passes.</summary>
    public static async Task<JsonElement> WaitForFinalAsync(HttpClient client, string id, TimeSpan deadline)
    {
        var until = DateTime.UtcNow + deadline;
        JsonElement last = default;
        while (DateTime.UtcNow < until)
        {
            last = await client.GetFromJsonAsync<JsonElement>($"/api/reports/{id}");
            if (last.GetProperty("status").GetString() is "succeeded" or "failed" or "cancelled" or "expired")
            {
                return last;
            }

            await Task.Delay(100);
        }

        Assert.Fail($"Report {id} did not finish within {deadline}: {last}");
        return last;
    }
}
