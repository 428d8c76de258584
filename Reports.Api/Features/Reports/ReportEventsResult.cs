using System.Globalization;
using System.Reflection;
using System.Security.Claims;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.Options;
using Reports.Api.Auth;
using Reports.Api.Problems;
using Reports.Core.Access;
using Reports.Core.Jobs;
using Reports.Core.Resources;
using Reports.Core.Storage;

namespace Reports.Api.Features.Reports;

/// <summary>
/// A report's live progress as Server-Sent Events: each state the client does not have yet (by event id, the ticks of
/// the job's <c>updated_at</c>) as <c>event: status</c> when the status changed or <c>event: progress</c> otherwise,
/// with the status resource as data; a keep-alive comment when nothing changed for a heartbeat; the end of the stream
/// after a final state, when the client leaves, when its key is revoked or its token expires, or after the configured longest duration.
/// An owner holds at most <see cref="ApiOptions.MaxEventStreamsPerOwner"/> streams per API process (429 beyond).
/// </summary>
public sealed class ReportEventsResult(ReportJob job, string? owner, long lastEventId) : IResult, IEndpointMetadataProvider
{
    public const string ContentType = "text/event-stream";

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var services = httpContext.RequestServices;
        var store = services.GetRequiredService<JobStore>();
        var resources = services.GetRequiredService<ReportResources>();
        var options = services.GetRequiredService<IOptions<ApiOptions>>().Value;
        var response = httpContext.Response;
        var keys = services.GetRequiredService<ApiKeyStore>();
        var time = services.GetRequiredService<TimeProvider>();
        var keyId = httpContext.User.KeyId(); // null for a token: it ends at its expiry instead
        using var place = services.GetRequiredService<EventStreams>().TryOpen(httpContext.User.Owner(), keyId);
        if (place is null)
        {
            response.Headers.RetryAfter = "30";
            await TypedResults.Problem(statusCode: StatusCodes.Status429TooManyRequests, type: ProblemTypes.RateLimited,
                title: "Too many live progress streams.",
                detail: $"This owner already holds {options.MaxEventStreamsPerOwner} live progress streams; close one, or poll GET /api/reports/{{id}}.")
                .ExecuteAsync(httpContext);
            return;
        }

        response.ContentType = ContentType;
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        httpContext.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();

        using var lifetime = CancellationTokenSource.CreateLinkedTokenSource(httpContext.RequestAborted, place.Ended);
        lifetime.CancelAfter(Lifetime(options.SseMaxDuration, httpContext.User.CredentialExpires(), time));
        var cancellationToken = lifetime.Token;
        try
        {
            using var listener = await services.GetRequiredService<ReportEventHub>().ListenAsync(job.Id, cancellationToken);
            await response.StartAsync(cancellationToken);

            // Read again now that changes are heard, so one made since the first read is not missed.
            var current = await store.GetAsync(job.Id, owner, cancellationToken) ?? job;
            var sent = lastEventId;
            var keyCheckedAt = time.GetTimestamp();
            string? sentStatus = null;
            while (true)
            {
                var id = current.UpdatedAt.UtcTicks;
                if (id > sent)
                {
                    var kind = current.Status == sentStatus ? "progress" : "status";
                    await WriteEventAsync(response, id, kind, resources.From(current), cancellationToken);
                    (sent, sentStatus) = (id, current.Status);
                }

                if (JobStatus.IsFinal(current.Status))
                {
                    return;
                }

                if (!await listener.WaitForChangeAsync(options.SseHeartbeat, cancellationToken))
                {
                    await WriteAsync(response, ": keep-alive\n\n", cancellationToken);
                }

                // A key revoked through another API process: found within a heartbeat or so, and the stream ends.
                if (keyId is { } key && time.GetElapsedTime(keyCheckedAt) >= options.SseHeartbeat)
                {
                    if (!await keys.IsActiveAsync(key, cancellationToken))
                    {
                        return;
                    }

                    keyCheckedAt = time.GetTimestamp();
                }

                // Also after a quiet heartbeat: an announcement can be lost, the database cannot.
                if (await store.GetAsync(job.Id, owner, cancellationToken) is not { } next)
                {
                    return;
                }

                current = next;
            }
        }
        catch (OperationCanceledException) when (lifetime.IsCancellationRequested)
        {
            // The client left, the stream reached its longest duration (the client reconnects with Last-Event-ID), its
            // key was revoked or its token expired (a reconnection gets 401).
        }
    }

    /// <summary>The longest duration, or less: a token's stream ends when the token expires, as a key's ends when it is revoked.</summary>
    private static TimeSpan Lifetime(TimeSpan longest, DateTimeOffset? credentialExpires, TimeProvider time)
    {
        if (credentialExpires is not { } expires)
        {
            return longest;
        }

        var left = expires - time.GetUtcNow();
        return left <= TimeSpan.Zero ? TimeSpan.Zero : left < longest ? left : longest;
    }

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(ReportResource), [ContentType]));
    }

    private static Task WriteEventAsync(HttpResponse response, long id, string kind, ReportResource resource, CancellationToken cancellationToken) =>
        WriteAsync(response, string.Create(CultureInfo.InvariantCulture,
            $"id: {id}\nevent: {kind}\ndata: {JsonSerializer.Serialize(resource, ReportResourceJson.Default.ReportResource)}\n\n"), cancellationToken);

    private static async Task WriteAsync(HttpResponse response, string text, CancellationToken cancellationToken)
    {
        await response.Body.WriteAsync(Encoding.UTF8.GetBytes(text), cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }
}
