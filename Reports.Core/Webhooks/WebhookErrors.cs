namespace Reports.Core.Webhooks;

/// <summary>
/// The stable codes of a failed webhook delivery and the fixed text stored with each. Only these reach the database and
/// the API: an exception's text (hosts, ports, addresses, internal messages) goes to the worker's log, never further.
/// </summary>
public static class WebhookErrors
{
    public const string Timeout = "timeout";
    public const string ConnectionRefused = "connection_refused";
    public const string NameResolution = "name_resolution";
    public const string Tls = "tls";
    public const string Network = "network";
    public const string HttpStatus4xx = "http_status_4xx";
    public const string HttpStatus5xx = "http_status_5xx";
    public const string HttpStatusOther = "http_status_other";
    public const string SsrfRefused = "ssrf_refused";
    public const string InvalidUrl = "invalid_url";
    public const string ReportGone = "report_gone";

    /// <summary>The code of an answer that was not 2xx.</summary>
    public static string ForStatus(int statusCode) => statusCode switch
    {
        >= 400 and < 500 => HttpStatus4xx,
        >= 500 and < 600 => HttpStatus5xx,
        _ => HttpStatusOther,
    };

    /// <summary>The text stored with a code: the same for every delivery, so it can reveal nothing of one.</summary>
    public static string Describe(string code) => code switch
    {
        Timeout => "The receiver did not answer within the delivery timeout.",
        ConnectionRefused => "The receiver refused the connection.",
        NameResolution => "The receiver's host name did not resolve.",
        Tls => "The TLS handshake with the receiver failed.",
        Network => "The connection to the receiver failed.",
        HttpStatus4xx => "The receiver answered with a client error status (see lastStatusCode).",
        HttpStatus5xx => "The receiver answered with a server error status (see lastStatusCode).",
        HttpStatusOther => "The receiver answered with a status that is not a success (see lastStatusCode).",
        SsrfRefused => "The target address is not allowed for webhooks.",
        InvalidUrl => "The webhook URL is not an absolute http or https URL.",
        ReportGone => "The report no longer exists.",
        _ => "The delivery failed.",
    };
}
