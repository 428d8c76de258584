using System.Net.Sockets;
using Npgsql;

namespace Reports.Core.Storage;

/// <summary>
/// Errors that say PostgreSQL is gone rather than that it refused a statement: no connection could be made or kept (a
/// socket refused, reset or closed, a connect, pool or read timeout), or the server said it is shutting down, starting
/// up, or dropping the connection. The next statement is likely to meet the same, until the server is back.
/// </summary>
public static class LostConnections
{
    public static bool Is(Exception exception) => exception switch
    {
        PostgresException { SqlState: var state } => state.StartsWith("08", StringComparison.Ordinal)
            || state is PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown or PostgresErrorCodes.CannotConnectNow,
        NpgsqlException { InnerException: IOException or SocketException or TimeoutException } => true,
        NpgsqlException { InnerException: { } inner } => Is(inner),
        CommittedBatchException { InnerException: { } inner } => Is(inner),
        _ => false,
    };
}
