namespace Reports.Api.Problems;

/// <summary>
/// The stable <c>type</c> of each kind of problem this API answers with (RFC 9457). Clients branch on these,
/// never on titles or details. Documented in the README.
/// </summary>
internal static class ProblemTypes
{
    private const string Base = "https://reports.example/problems/";

    public const string Validation = Base + "validation";
    public const string BadRequest = Base + "bad-request";
    public const string Unauthorized = Base + "unauthorized";
    public const string Forbidden = Base + "forbidden";
    public const string NotFound = Base + "not-found";
    public const string Conflict = Base + "conflict";
    public const string Gone = Base + "gone";
    public const string PayloadTooLarge = Base + "payload-too-large";
    public const string UnsupportedMediaType = Base + "unsupported-media-type";
    public const string IdempotencyMismatch = Base + "idempotency-key-reused";
    public const string RateLimited = Base + "rate-limited";
    public const string QuotaExceeded = Base + "concurrent-job-quota";
    public const string ScheduleQuota = Base + "schedule-quota";
    public const string Unavailable = Base + "unavailable";
    public const string Internal = Base + "internal";

    /// <summary>The type for a status code when the endpoint did not name a more specific one.</summary>
    public static string ForStatus(int status) => status switch
    {
        400 => BadRequest,
        401 => Unauthorized,
        403 => Forbidden,
        404 => NotFound,
        405 => BadRequest,
        409 => Conflict,
        410 => Gone,
        413 => PayloadTooLarge,
        415 => UnsupportedMediaType,
        422 => IdempotencyMismatch,
        429 => RateLimited,
        503 => Unavailable,
        _ => status >= 500 ? Internal : BadRequest,
    };
}
