using Npgsql;

namespace Reports.Core.Storage;

/// <summary>
/// Errors after which PostgreSQL surely did not commit a statement: it refused it (bad data, a constraint, a deadlock, a
/// statement timeout or cancel). Not a lost connection or a server shutting down, which can come after the commit.
/// </summary>
public static class RefusedStatements
{
    public static bool Is(Exception exception) => exception is PostgresException { SqlState: var state }
        && (state.StartsWith("22", StringComparison.Ordinal) || state.StartsWith("23", StringComparison.Ordinal)
            || state is PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.QueryCanceled);
}

/// <summary>A batch of writes that committed, then failed while its results were read: none of it may be written again.</summary>
public sealed class CommittedBatchException(Exception inner)
    : Exception($"The batch was written, then reading its results failed: {inner.Message}", inner);
