using System.Text;

namespace Reports.Tests.Events;

/// <summary>Reads a text/event-stream one item at a time: an event (id, event, data) or a comment.</summary>
internal sealed class SseReader(Stream stream) : IDisposable
{
    private readonly StreamReader _reader = new(stream, Encoding.UTF8);

    /// <summary>The next event or comment, or null once the server has ended the stream.</summary>
    public async Task<SseItem?> ReadAsync(CancellationToken cancellationToken)
    {
        string? id = null, kind = null, comment = null;
        StringBuilder? data = null;
        while (await _reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length == 0)
            {
                if (id is not null || kind is not null || data is not null || comment is not null)
                {
                    return new SseItem(id, kind, data?.ToString(), comment);
                }

                continue;
            }

            if (line.StartsWith(':'))
            {
                comment = line[1..].Trim();
                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var (field, value) = colon < 0 ? (line, "") : (line[..colon], line[(colon + 1)..].TrimStart(' '));
            switch (field)
            {
                case "id": id = value; break;
                case "event": kind = value; break;
                case "data": data = data is null ? new StringBuilder(value) : data.Append('\n').Append(value); break;
            }
        }

        return null;
    }

    public void Dispose() => _reader.Dispose();
}

internal sealed record SseItem(string? Id, string? Event, string? Data, string? Comment)
{
    public long EventId => long.Parse(Id!, System.Globalization.CultureInfo.InvariantCulture);

    public string Status => System.Text.Json.JsonDocument.Parse(Data!).RootElement.GetProperty("status").GetString()!;

    public long RowsWritten => System.Text.Json.JsonDocument.Parse(Data!).RootElement.GetProperty("progress").GetProperty("rowsWritten").GetInt64();
}
