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
        using var http = new WebhookHttp(options, (name, _) =>
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
        using var http = new WebhookHttp(options, (_, _) => Task.FromResult(new[] { IPAddress.Loopback, IPAddress.Parse("169.254.169.254") }));

        var error = await Assert.ThrowsAsync<HttpRequestException>(() =>
            http.Client.PostAsync(new Uri($"http://rebind.example.test:{port}/"), new StringContent("{}")));

        Assert.IsType<WebhookTargetRefusedException>(error.InnerException);
        Assert.Contains("169.254.169.254", error.InnerException!.Message, StringComparison.Ordinal);
        Assert.False(target.Pending(), "A connection was made although one resolved address is refused.");
    }

    [Fact]
    public async Task Redirects_are_answers_not_followed()
    {
        await using var receiver = await WebhookReceiver.StartAsync(302);
        using var http = new WebhookHttp(new WebhookOptions { AllowLoopback = true }, (_, _) => Task.FromResult(new[] { IPAddress.Loopback }));

        using var response = await http.Client.PostAsync(receiver.Url, new StringContent("{}"));

        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        Assert.Single(receiver.Received);
    }
}
