using System.Data.Common;

namespace Reports.Core.Generation;

/// <summary>
/// One page of a keyset query being read. Each row read becomes the cursor's position: captured here, or, for a
/// sequential page (whose columns can be read once, in order), by the caller as it reads the row's columns. The page
/// holds its source's query slot until it is disposed.
/// </summary>
public sealed class KeysetPage(DbCommand command, DbDataReader reader, KeysetCursor cursor, bool sequential, IAsyncDisposable querySlot)
    : IAsyncDisposable
{
    public DbDataReader Row => reader;

    public async Task<bool> ReadAsync(CancellationToken cancellationToken)
    {
        if (!await reader.ReadAsync(cancellationToken))
        {
            return false;
        }

        if (!sequential)
        {
            cursor.Capture(reader);
        }

        return true;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            try
            {
                await reader.DisposeAsync();
            }
            finally
            {
                await command.DisposeAsync();
            }
        }
        finally
        {
            await querySlot.DisposeAsync(); // even when the rest of the page failed to drain (a broken connection, a timeout)
        }
    }
}
