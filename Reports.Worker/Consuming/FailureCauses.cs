using System.Net.Sockets;

namespace Reports.Worker.Consuming;

/// <summary>
/// What a user is told about an unexpected failure: which part of the system failed, in words that name no host,
/// port, path or exception type. The exception itself goes to the worker's log (with the job id and attempt) and to
/// the job's trace, where operators read it; it is never stored in the job, so neither the API, the dead letters, the
/// webhooks nor the emails can carry it.
/// </summary>
internal static class FailureCauses
{
    public const string Internal = "an unexpected error in the worker";

    /// <summary>Where operators find what happened: the log lines and trace are keyed by the job's id.</summary>
    public const string Details = "Operators find the details in the worker's logs and the trace of this report.";

    public static string Of(Exception exception)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            if (Known(e) is { } cause)
            {
                return cause;
            }
        }

        return Internal;
    }

    private static string? Known(Exception e) => e switch
    {
        Azure.RequestFailedException => "blob storage refused or did not answer a request",
        Npgsql.NpgsqlException => "the database refused or did not answer a request",
        StackExchange.Redis.RedisException => "the queue (Redis) refused or did not answer a request",
        TimeoutException => "a backing service did not answer in time",
        SocketException or HttpRequestException => "a backing service could not be reached",
        _ => null,
    };
}
