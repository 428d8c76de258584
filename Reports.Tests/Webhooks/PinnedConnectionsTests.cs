using System.Net;
using System.Net.Sockets;
using Reports.Core.Webhooks;
using Reports.Worker.Webhooks;

namespace Reports.Tests.Webhooks;

public sealed class PinnedConnectionsTests
{
    [Fact]
    public async Task A_name_is_connected_to_at_the_address_that_was_checked_with_the_name_kept_as_host()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var resolved = new List<string>();
        var options = new WebhookOptions { AllowLoopback = true };
        using var http = new WebhookClients(options, (name, _) =>
        {
            resolved.Add(name);
            return Task.FromResult(new[] { IPAddress.Loopback });
        });

        using var response = await http.Client.PostAsync(new Uri($"http://hooks.example.test:{receiver.Url.Port}/hooks/reports"), new StringContent("{}"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(["hooks.example.test"], resolved);
        Assert.Equal($"hooks.example.test:{receiver.Url.Port}", Assert.Single(receiver.Received).Header("Host"));
    }

    [Fact]
    public async Task A_name_with_any_refused_address_is_refused_before_connecting()
    {
        using var target = new TcpListener(IPAddress.Loopback, 0);
        target.Start();
        var port = ((IPEndPoint)target.LocalEndpoint).Port;
        var options = new WebhookOptions { AllowLoopback = true };
        using var http = new WebhookClients(options, (_, _) => Task.FromResult(new[] { IPAddress.Loopback, IPAddress.Parse("169.254.169.254") }));

        var error = await Assert.ThrowsAsync<HttpRequestException>(() =>
            http.Client.PostAsync(new Uri($"http://rebind.example.test:{port}/"), new StringContent("{}")));

        Assert.IsType<WebhookTargetRefusedException>(error.InnerException);
        Assert.Contains("169.254.169.254", error.InnerException!.Message, StringComparison.Ordinal);
        Assert.False(target.Pending(), "A connection was made although one resolved address is refused.");
    }

    [Theory]
    [InlineData("64:ff9b::a9fe:a9fe")]  // NAT64 of the metadata address
    [InlineData("2002:a9fe:a9fe::1")]   // 6to4 of it
    [InlineData("::169.254.169.254")]   // IPv4-compatible
    [InlineData("2001:0:4136:e378:8000:63bf:3fff:fdd2")] // Teredo
    [InlineData("168.63.129.16")]       // Azure's wire server
    public async Task A_name_that_resolves_to_an_address_leading_to_a_refused_one_is_refused_before_connecting(string resolved)
    {
        using var target = new TcpListener(IPAddress.Loopback, 0);
        target.Start();
        var port = ((IPEndPoint)target.LocalEndpoint).Port;
        using var http = new WebhookClients(new WebhookOptions { AllowLoopback = true }, (_, _) => Task.FromResult(new[] { IPAddress.Parse(resolved) }));

        var error = await Assert.ThrowsAsync<HttpRequestException>(() =>
            http.Client.PostAsync(new Uri($"http://embedded.example.test:{port}/"), new StringContent("{}")));

        Assert.IsType<WebhookTargetRefusedException>(error.InnerException);
        Assert.False(target.Pending());
    }

    [Fact]
    public async Task Redirects_are_answers_not_followed()
    {
        await using var receiver = await WebhookReceiver.StartAsync(302);
        using var http = new WebhookClients(new WebhookOptions { AllowLoopback = true }, (_, _) => Task.FromResult(new[] { IPAddress.Loopback }));

        using var response = await http.Client.PostAsync(receiver.Url, new StringContent("{}"));

        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        Assert.Single(receiver.Received);
    }

    [Fact]
    public async Task The_resilience_pipeline_still_refuses_a_name_that_resolves_to_a_private_address()
    {
        using var target = new TcpListener(IPAddress.Loopback, 0);
        target.Start();
        var port = ((IPEndPoint)target.LocalEndpoint).Port;
        using var http = new WebhookClients(new WebhookOptions(), (_, _) => Task.FromResult(new[] { IPAddress.Parse("10.1.2.3") }));

        var error = await Assert.ThrowsAsync<HttpRequestException>(() =>
            http.Client.PostAsync(new Uri($"http://private.example.test:{port}/"), new StringContent("{}")));

        Assert.IsType<WebhookTargetRefusedException>(error.InnerException);
        Assert.Contains("10.1.2.3", error.InnerException!.Message, StringComparison.Ordinal);
        Assert.False(target.Pending());
    }

    [Fact]
    public async Task A_failed_answer_is_returned_after_one_request_the_standard_retries_of_other_clients_are_not_in_the_pipeline()
    {
        await using var receiver = await WebhookReceiver.StartAsync(503, 503, 503, 503);
        using var http = new WebhookClients(new WebhookOptions { AllowLoopback = true }, (_, _) => Task.FromResult(new[] { IPAddress.Loopback }));

        using var response = await http.Client.PostAsync(receiver.Url, new StringContent("{}"));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Single(receiver.Received);
    }

    [Fact]
    public async Task A_receiver_that_never_answers_is_given_up_by_the_pipelines_timeout()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0); // accepts connections (backlog), never answers
        silent.Start();
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;
        using var http = new WebhookClients(new WebhookOptions { AllowLoopback = true, Timeout = TimeSpan.FromMilliseconds(300) },
            (_, _) => Task.FromResult(new[] { IPAddress.Loopback }));

        await Assert.ThrowsAsync<Polly.Timeout.TimeoutRejectedException>(() =>
            http.Client.PostAsync(new Uri($"http://silent.example.test:{port}/"), new StringContent("{}")));
    }
}
