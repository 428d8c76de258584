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
    private bool _read;

    public DbDataReader Row => reader;

    public async Task<bool> ReadAsync(CancellationToken cancellationToken)
    {
        if (!await reader.ReadAsync(cancellationToken))
        {
            _read = true;
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
                if (!_read)
                {
                    // Left before its last row (a cancel, a failure, a lost lease): the server is told to stop, rather
                    // than the rest of a page of up to a million rows read and thrown away while the slot is held.
                    CancelQuietly();
                }

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

    private void CancelQuietly()
    {
        try
        {
            command.Cancel();
        }
        catch (Exception e) when (e is DbException or InvalidOperationException or ObjectDisposedException)
        {
            // The statement ended meanwhile, or the connection is gone: disposing the reader finds out.
        }
    }
}
