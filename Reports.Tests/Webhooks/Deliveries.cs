using System.Net.Http.Json;
using System.Text.Json;

namespace Reports.Tests.Webhooks;

/// <summary>Reads a report's webhook deliveries through the API, and waits for them with a deadline.</summary>
internal static class Deliveries
{
    public static async Task<JsonElement[]> ListAsync(HttpClient client, string reportId) =>
        [.. (await client.GetFromJsonAsync<JsonElement>($"/api/reports/{reportId}/webhook-deliveries")).GetProperty("items").EnumerateArray()];

    /// <summary>Polls until the report's only delivery is no longer pending, and returns it.</summary>
    public static async Task<JsonElement> WaitForOutcomeAsync(HttpClient client, string reportId, TimeSpan deadline)
    {
        var until = DateTime.UtcNow + deadline;
        JsonElement[] last = [];
        while (DateTime.UtcNow < until)
        {
            last = await ListAsync(client, reportId);
            if (last is [var only] && only.GetProperty("status").GetString() != "pending")
            {
                return only;
            }

            await Task.Delay(50);
        }

        Assert.Fail($"The webhook of report {reportId} was not delivered or failed within {deadline}: {string.Join(", ", last)}");
        return default;
    }

    public static async Task UntilAsync(Func<bool> condition, string what, TimeSpan deadline)
    {
        var until = DateTime.UtcNow + deadline;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < until, $"Timed out waiting until {what}.");
            await Task.Delay(50);
        }
    }
}
