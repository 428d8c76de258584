using System.Net.Sockets;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace Reports.Api.Problems;

/// <summary>
/// A backing service that is down or restarting (PostgreSQL, Redis, storage) is the server's problem, not the client's:
/// 503 with Retry-After and a problem document, so clients retry (with the same Idempotency-Key) instead of giving up.
/// </summary>
internal sealed class UnavailableExceptionHandler(IProblemDetailsService problems, ILogger<UnavailableExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (!IsUnavailable(exception))
        {
            return false;
        }

        logger.LogWarning("A backing service is unavailable: {Error}", exception.Message);
        httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        httpContext.Response.Headers.RetryAfter = "5";
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Type = ProblemTypes.Unavailable,
                Title = "Temporarily unavailable.",
                Detail = "A backing service is restarting or unreachable; retry in a few seconds (with the same Idempotency-Key).",
            },
        });
    }

    internal static bool IsUnavailable(Exception exception) => exception switch
    {
        Npgsql.PostgresException postgres => IsOutage(postgres.SqlState),
        // A MySQL or MariaDB source (a parameter's must_exist check reads one): down, unless the server spoke of the statement.
        MySqlConnector.MySqlException mysql => !Reports.Core.Sources.SqlStates.IsAboutTheStatement(mysql.SqlState),
        Npgsql.NpgsqlException or StackExchange.Redis.RedisException or TimeoutException or SocketException => true,
        Azure.RequestFailedException { Status: 0 or >= 500 } => true,
        { InnerException: { } inner } => IsUnavailable(inner),
        _ => false,
    };

    /// <summary>
    /// The errors the server answers while it is going away, overloaded or out of resources: connection exceptions (08),
    /// transaction rollbacks a retry resolves (40: serialization failure, deadlock), insufficient resources (53),
    /// operator intervention (57: shutdown, cannot connect now, statement timeout) and system errors (58). Anything else
    /// the server answered (a data error such as 22021 or 22P05, a constraint, a syntax error) is not an outage: it stays
    /// an error of this application (500), never a "retry later".
    /// </summary>
    private static bool IsOutage(string sqlState) => sqlState[..2] is "08" or "40" or "53" or "57" or "58";
}
