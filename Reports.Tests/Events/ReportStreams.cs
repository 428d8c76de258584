using System.Globalization;

namespace Reports.Tests.Events;

/// <summary>Opens a report's event stream and reads it to its end, with a deadline.</summary>
internal static class ReportStreams
{
    public static async Task<HttpResponseMessage> OpenAsync(HttpClient client, string reportId, long? lastEventId = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/reports/{reportId}/events");
        request.Headers.Accept.ParseAdd("text/event-stream");
        if (lastEventId is { } last)
        {
            request.Headers.Add("Last-Event-ID", last.ToString(CultureInfo.InvariantCulture));
        }

        return await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    }

    /// <summary>Every event until the server ends the stream (comments left out).</summary>
    public static async Task<List<SseItem>> ReadToEndAsync(SseReader reader, TimeSpan deadline)
    {
        using var timeout = new CancellationTokenSource(deadline);
        var events = new List<SseItem>();
        try
        {
            while (await reader.ReadAsync(timeout.Token) is { } item)
            {
                if (item.Comment is null)
                {
                    events.Add(item);
                }
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            Assert.Fail($"The stream did not end within {deadline}; events so far: {string.Join(" | ", events.Select(e => $"{e.Event} {e.Status}"))}");
        }

        return events;
    }
}
