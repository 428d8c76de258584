using Reports.Tests.Integration;

namespace Reports.Tests.Engine;

[Collection(FaultGroup.Name)]
public sealed class TimeLimitTests(FaultSystem system)
{
    [Fact]
    public async Task A_report_over_its_time_limit_fails_with_the_timeout_code_and_is_not_retried()
    {
        using var client = await system.CreateClientAsync();
        var settings = new Dictionary<string, string>(FaultSystem.SlowWorker) { ["Reports:Catalog:orders:TimeLimit"] = "00:00:01" };
        await using var worker = await system.StartWorkerAsync("time-limit-" + Guid.NewGuid().ToString("N")[..6], settings);

        var id = (await ReportsClient.CreateAsync(client, new { type = "orders", parameters = new { from = "2021-01-01", to = "2025-12-31" } }))
            .GetProperty("id").GetString()!;
        var failed = await ReportsClient.WaitForFinalAsync(client, id, TimeSpan.FromMinutes(2));

        Assert.Equal("failed", failed.GetProperty("status").GetString());
        Assert.Equal("timeout", failed.GetProperty("error").GetProperty("code").GetString());
        Assert.Contains("00:00:01", failed.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, failed.GetProperty("attempts").GetInt32());
    }
}
