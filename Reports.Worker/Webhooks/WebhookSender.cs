using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Reports.Core.Access;
using Reports.Core.Resources;
using Reports.Core.Storage;
using Reports.Core.Webhooks;

namespace Reports.Worker.Webhooks;

/// <summary>
/// One attempt of a delivery: POST the report's status resource as it is now, signed with its owner's secret, and
/// classify the answer. The download link is left out of the body: it would outlive nothing, and
/// <c>GET /api/reports/{id}/download</c> signs a fresh one.
/// </summary>
internal sealed class WebhookSender(JobStore jobs, OwnerSecrets secrets, IHttpClientFactory http, IOptions<WebhookOptions> options, TimeProvider time)
{
    /// <summary>How much of a failed answer is read for the worker's log; the rest is never read.</summary>
    private const int SnippetBytes = 512;

    public async Task<DeliveryOutcome> SendAsync(WebhookDelivery delivery, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (!Uri.TryCreate(delivery.Url, UriKind.Absolute, out var url))
        {
            return DeliveryOutcome.Refused(WebhookErrors.InvalidUrl, "The webhook URL is not an absolute URL.");
        }

        if (WebhookTargets.Refusal(url, settings) is { } refusal)
        {
            return DeliveryOutcome.Refused(WebhookErrors.SsrfRefused, $"Target refused: {refusal}");
        }

        var job = await jobs.GetAsync(delivery.JobId, owner: null, cancellationToken);
        if (job is null)
        {
            return DeliveryOutcome.Refused(WebhookErrors.ReportGone, "The report no longer exists.");
        }

        var body = JsonSerializer.SerializeToUtf8Bytes(ReportResourceMapping.From(job, signDownload: null), ReportResourceJson.Default.ReportResource);
        var secret = await secrets.GetOrCreateAsync(job.Owner, cancellationToken);
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        // Signed here, at send time: a delivery sent again (a retry, a replay) carries a fresh timestamp and signature.
        request.Headers.Add(WebhookSignature.Header, WebhookSignature.Create(secret, time.GetUtcNow().ToUnixTimeSeconds(), body));
        request.Headers.Add(WebhookSignature.DeliveryHeader, delivery.Id.ToString());
        request.Headers.Add(WebhookSignature.EventHeader, delivery.Event);

        try
        {
            using var client = http.CreateWebhookClient();
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            var code = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
            {
                return DeliveryOutcome.Delivered(code);
            }

            using var snippet = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            snippet.CancelAfter(settings.Timeout);
            return DeliveryOutcome.Retry(code, WebhookErrors.ForStatus(code), $"HTTP {code}{await SnippetAsync(response, snippet.Token)}");
        }
        catch (Polly.Timeout.TimeoutRejectedException)
        {
            return DeliveryOutcome.Retry(null, WebhookErrors.Timeout,
                string.Create(CultureInfo.InvariantCulture, $"No answer within {settings.Timeout.TotalSeconds:0.###} s."));
        }
        catch (HttpRequestException e) when (RefusalIn(e) is { } refused)
        {
            return DeliveryOutcome.Refused(WebhookErrors.SsrfRefused, $"Target refused: {refused.Message}");
        }
        catch (HttpRequestException e)
        {
            return DeliveryOutcome.Retry(null, Classify(e), e.InnerException is { } inner ? $"{e.Message} ({inner.Message})" : e.Message);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return DeliveryOutcome.Retry(null, WebhookErrors.Timeout,
                string.Create(CultureInfo.InvariantCulture, $"No answer within {settings.Timeout.TotalSeconds:0.###} s."));
        }
    }

    /// <summary>The stable code of a request that got no answer.</summary>
    private static string Classify(HttpRequestException e)
    {
        for (Exception? inner = e; inner is not null; inner = inner.InnerException)
        {
            switch (inner)
            {
                case System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.ConnectionRefused }:
                    return WebhookErrors.ConnectionRefused;
                case System.Security.Authentication.AuthenticationException:
                    return WebhookErrors.Tls;
                case TimeoutException:
                    return WebhookErrors.Timeout;
            }
        }

        return e.HttpRequestError switch
        {
            HttpRequestError.NameResolutionError => WebhookErrors.NameResolution,
            HttpRequestError.SecureConnectionError => WebhookErrors.Tls,
            _ => WebhookErrors.Network,
        };
    }

    private static WebhookTargetRefusedException? RefusalIn(Exception e)
    {
        for (Exception? inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is WebhookTargetRefusedException refused)
            {
                return refused;
            }
        }

        return null;
    }

    /// <summary>The start of a failed answer's body, read with a bound, as printable text.</summary>
    private static async Task<string> SnippetAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
            var buffer = new byte[SnippetBytes];
            var read = 0;
            int n;
            while (read < buffer.Length && (n = await stream.ReadAsync(buffer.AsMemory(read), cancellationToken)) > 0)
            {
                read += n;
            }

            var text = new string([.. Encoding.UTF8.GetString(buffer, 0, read).Select(c => char.IsControl(c) ? ' ' : c)]).Trim();
            return text.Length == 0 ? "" : $": {text}";
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            return "";
        }
    }
}
