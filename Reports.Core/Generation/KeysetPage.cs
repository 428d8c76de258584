using Npgsql;

namespace Reports.Core.Generation;

/// <summary>One page of a keyset query being read; each row read becomes the cursor's position.</summary>
public sealed class KeysetPage(NpgsqlCommand command, NpgsqlDataReader reader, KeysetCursor cursor) : IAsyncDisposable
{
    public NpgsqlDataReader Row => reader;

    public async Task<bool> ReadAsync(CancellationToken cancellationToken)
    {
        if (!await reader.ReadAsync(cancellationToken))
        {
            return false;
        }

        cursor.Capture(reader);
        return true;
    }

    public async ValueTask DisposeAsync()
    {
        await reader.DisposeAsync();
        await command.DisposeAsync();
    }
}
