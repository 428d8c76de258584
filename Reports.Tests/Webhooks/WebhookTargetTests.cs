using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using Reports.Core.Access;
using Reports.Core.Storage;
using Reports.Core.Webhooks;
using Reports.Tests.Integration;
using Reports.Worker.Webhooks;

namespace Reports.Tests.Webhooks;

[Collection(IntegrationGroup.Name)]
public sealed class WebhookTargetTests(Infrastructure infrastructure)
{
    [Theory]
    [InlineData("http://169.254.169.254/latest/meta-data/")]
    [InlineData("http://10.0.0.1/")]
    [InlineData("http://[::ffff:10.0.0.1]/hook")]
    [InlineData("http://192.168.1.20:8080/hook")]
    [InlineData("ftp://example.com/hook")]
    [InlineData("http://user:pass@example.com/hook")]
    [InlineData("http://168.63.129.16/machine")]                      // Azure's wire server
    [InlineData("http://[64:ff9b::a9fe:a9fe]/latest/meta-data/")]      // NAT64 of 169.254.169.254
    [InlineData("http://[2002:a00:1::1]/hook")]                        // 6to4 of 10.0.0.1
    [InlineData("http://[::10.0.0.1]/hook")]                           // IPv4-compatible 10.0.0.1
    [InlineData("http://[::ffff:0:a9fe:a9fe]/hook")]                   // IPv4-translated 169.254.169.254
    [InlineData("http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/hook")] // Teredo
    [InlineData("http://[64:ff9b:1::a00:1]/hook")]                     // NAT64 local use
    [InlineData("http://[2001:db8::1]/hook")]                          // documentation
    public async Task Creating_a_report_with_a_webhook_on_a_refused_target_is_a_400_naming_webhookUrl(string webhookUrl)
    {
        var system = await infrastructure.SystemAsync();
        using var client = await system.CreateClientAsync();

        using var response = await client.PostAsJsonAsync(new Uri("/api/reports", UriKind.Relative),
            new { type = "orders", parameters = new { from = "2024-01-01", to = "2024-01-02" }, webhookUrl });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty("webhookUrl", out _), problem.ToString());
    }

    [Theory]
    [InlineData("64:ff9b::808:808")]     // NAT64 of 8.8.8.8
    [InlineData("2002:808:808::1")]      // 6to4 of 8.8.8.8
    [InlineData("2606:4700:4700::1111")] // global unicast
    [InlineData("8.8.8.8")]
    public void An_IPv6_address_that_leads_to_a_public_address_is_allowed(string address) =>
        Assert.Null(WebhookTargets.Refusal(IPAddress.Parse(address), new WebhookOptions()));

    [Theory]
    [InlineData("http://169.254.169.254/latest/meta-data/")]
    [InlineData("http://[fd00:ec2::254]/latest/meta-data/")]
    [InlineData("http://168.63.129.16/machine")]
    [InlineData("http://100.100.100.200/latest/meta-data/")]
    [InlineData("http://[::ffff:169.254.169.254]/")]
    [InlineData("http://[64:ff9b::a9fe:a9fe]/")]
    [InlineData("http://metadata.google.internal/computeMetadata/v1/")]
    [InlineData("http://METADATA.google.internal./computeMetadata/v1/")]
    public void Cloud_metadata_targets_are_refused_even_with_private_networks_allowed(string url)
    {
        var permissive = new WebhookOptions { AllowPrivateNetworks = true, AllowLoopback = true };

        Assert.EndsWith("Cloud metadata endpoints are never allowed.", WebhookTargets.Refusal(new Uri(url), permissive), StringComparison.Ordinal);
        Assert.Null(WebhookTargets.Refusal(new Uri("http://10.0.0.1/hook"), permissive)); // what the setting is for
    }

    [Fact]
    public async Task A_delivery_to_a_name_that_resolves_to_a_metadata_address_is_refused_with_private_networks_allowed()
    {
        var system = await infrastructure.SystemAsync();
        using var client = await system.CreateClientAsync();
        var id = (await ReportsClient.CreateAsync(client, new { type = "orders", parameters = new { from = "2024-01-01", to = "2024-01-02" } }))
            .GetProperty("id").GetString()!;
        await ReportsClient.WaitForFinalAsync(client, id, TimeSpan.FromMinutes(2));
        var delivery = await InsertDeliveryAsync(Guid.Parse(id), "http://hooks.example.test/reports");

        // Private networks allowed; the resolver answers the name with the metadata address (as metadata.google.internal does).
        var options = new WebhookOptions { AllowPrivateNetworks = true, Timeout = TimeSpan.FromSeconds(10) };
        await DeliverAsync(system, delivery, options, (_, _) => Task.FromResult(new[] { IPAddress.Parse("169.254.169.254") }));

        var recorded = Assert.Single(await Deliveries.ListAsync(client, id));
        Assert.Equal("failed", recorded.GetProperty("status").GetString());
        Assert.Equal("ssrf_refused", recorded.GetProperty("lastErrorCode").GetString());
    }

    [Fact]
    public async Task A_delivery_to_a_name_that_resolves_to_a_refused_address_fails_at_once_without_connecting()
    {
        var system = await infrastructure.SystemAsync();
        using var client = await system.CreateClientAsync();
        var id = (await ReportsClient.CreateAsync(client, new { type = "orders", parameters = new { from = "2024-01-01", to = "2024-01-02" } }))
            .GetProperty("id").GetString()!;
        await ReportsClient.WaitForFinalAsync(client, id, TimeSpan.FromMinutes(2));
        using var target = new TcpListener(IPAddress.Loopback, 0);
        target.Start();
        var port = ((IPEndPoint)target.LocalEndpoint).Port;
        var delivery = await InsertDeliveryAsync(Guid.Parse(id), $"http://hooks.example.test:{port}/reports");

        // A worker that does not allow loopback, whose resolver answers the name with the loopback address.
        var options = new WebhookOptions { AllowLoopback = false, Timeout = TimeSpan.FromSeconds(10) };
        await DeliverAsync(system, delivery, options, (_, _) => Task.FromResult(new[] { IPAddress.Loopback }));

        Assert.False(target.Pending(), "The refused address was connected to.");
        var recorded = Assert.Single(await Deliveries.ListAsync(client, id));
        Assert.Equal("failed", recorded.GetProperty("status").GetString());
        Assert.Equal(1, recorded.GetProperty("attempts").GetInt32());
        Assert.Equal(JsonValueKind.Null, recorded.GetProperty("lastStatusCode").ValueKind);
        // The refusal's detail (the name, the address it resolved to) is in the worker's log only.
        Assert.Equal("ssrf_refused", recorded.GetProperty("lastErrorCode").GetString());
        var error = recorded.GetProperty("lastError").GetString()!;
        Assert.Equal("The target address is not allowed for webhooks.", error);
        Assert.DoesNotContain("hooks.example.test", error, StringComparison.Ordinal);
        Assert.DoesNotContain("127.0.0.1", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_refused_connection_is_stored_as_its_code_and_a_fixed_text_without_the_host_or_port()
    {
        var system = await infrastructure.SystemAsync();
        using var client = await system.CreateClientAsync();
        var id = (await ReportsClient.CreateAsync(client, new { type = "orders", parameters = new { from = "2024-01-01", to = "2024-01-02" } }))
            .GetProperty("id").GetString()!;
        await ReportsClient.WaitForFinalAsync(client, id, TimeSpan.FromMinutes(2));
        var port = Reports.LocalServers.FreePort.Next(); // nothing listens there
        var delivery = await InsertDeliveryAsync(Guid.Parse(id), $"http://127.0.0.1:{port}/reports");

        var options = new WebhookOptions { AllowLoopback = true, Timeout = TimeSpan.FromSeconds(10) };
        await DeliverAsync(system, delivery, options, Dns.GetHostAddressesAsync);

        var recorded = Assert.Single(await Deliveries.ListAsync(client, id));
        Assert.Equal("pending", recorded.GetProperty("status").GetString()); // retried later
        Assert.Equal("connection_refused", recorded.GetProperty("lastErrorCode").GetString());
        var error = recorded.GetProperty("lastError").GetString()!;
        Assert.Equal("The receiver refused the connection.", error);
        Assert.DoesNotContain(port.ToString(System.Globalization.CultureInfo.InvariantCulture), error, StringComparison.Ordinal);
    }

    /// <summary>One attempt of <paramref name="delivery"/> by a dispatcher of this test's settings and name resolution.</summary>
    private static async Task DeliverAsync(
        ReportsSystem system, WebhookDelivery delivery, WebhookOptions options, Func<string, CancellationToken, Task<IPAddress[]>> resolve)
    {
        using var http = new WebhookClients(options, resolve);
        var services = system.WorkerServices;
        var sender = new WebhookSender(services.GetRequiredService<JobStore>(), services.GetRequiredService<OwnerSecrets>(), http.Factory,
            Options.Create(options), TimeProvider.System);
        var dispatcher = new WebhookDispatcher(services.GetRequiredService<WebhookDeliveryStore>(), sender, Options.Create(options),
            TimeProvider.System, NullLogger<WebhookDispatcher>.Instance);
        await dispatcher.DeliverAsync(delivery, CancellationToken.None);
    }

    /// <summary>A pending delivery due far in the future, so the system's own dispatcher leaves it to this test.</summary>
    private async Task<WebhookDelivery> InsertDeliveryAsync(Guid jobId, string url)
    {
        await using var dataSource = NpgsqlDataSource.Create(infrastructure.PostgresConnectionString);
        await using var command = dataSource.CreateCommand("""
            INSERT INTO reports.webhook_deliveries (id, job_id, url, event, job_attempt, next_attempt_at)
            VALUES ($1, $2, $3, 'report.succeeded', 1, now() + interval '1 day')
            RETURNING created_at, next_attempt_at
            """);
        var id = Guid.NewGuid();
        command.Parameters.AddWithValue(id);
        command.Parameters.AddWithValue(jobId);
        command.Parameters.AddWithValue(url);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return new WebhookDelivery
        {
            Id = id, JobId = jobId, Url = url, Event = "report.succeeded", Status = WebhookDeliveryStatus.Pending, Attempts = 0,
            CreatedAt = reader.GetFieldValue<DateTimeOffset>(0), NextAttemptAt = reader.GetFieldValue<DateTimeOffset>(1),
        };
    }
}
