using Reports.Tests.Catalog;
using Microsoft.Extensions.Options;
using Reports.Core.Catalog;
using Reports.Core.Windows;

namespace Reports.Tests.Windows;

public sealed class ProcessingWindowTests
{
    private static ProcessingWindow Window(string text)
    {
        var (window, error) = ProcessingWindow.Parse("reports-bulk", text);
        Assert.True(window is not null, error);
        return window;
    }

    private static DateTimeOffset Utc(int month, int day, int hour, int minute = 0) => new(2026, month, day, hour, minute, 0, TimeSpan.Zero);

    [Fact]
    public void A_window_across_midnight_is_open_at_night_and_opens_at_its_start()
    {
        var night = Window("22:00-06:00");
        Assert.True(night.IsOpen(Utc(1, 10, 23)));
        Assert.True(night.IsOpen(Utc(1, 10, 5, 59)));
        Assert.False(night.IsOpen(Utc(1, 10, 6)));
        Assert.Equal(Utc(1, 10, 22), night.OpensAt(Utc(1, 10, 12)));
        Assert.Equal(Utc(1, 10, 23), night.OpensAt(Utc(1, 10, 23))); // open: now
    }

    [Fact]
    public void Several_ranges_open_at_the_next_of_their_starts_in_the_windows_zone()
    {
        var window = Window("12:00-13:00, 22:00-23:00 Europe/Berlin"); // CET in January: UTC+1
        Assert.True(window.IsOpen(Utc(1, 10, 11, 30)));
        Assert.False(window.IsOpen(Utc(1, 10, 12, 30)));
        Assert.Equal(Utc(1, 10, 21), window.OpensAt(Utc(1, 10, 12, 30)));
        Assert.Equal(Utc(1, 11, 11), window.OpensAt(Utc(1, 10, 22)));
    }

    [Fact]
    public void On_daylight_saving_days_the_window_follows_the_local_clock()
    {
        var window = Window("02:30-04:00 Europe/Berlin");
        // 29 March 2026: 02:00 CET becomes 03:00 CEST (01:00Z); 02:30 never happens, the window opens when the clock jumps.
        Assert.Equal(Utc(3, 29, 1), window.OpensAt(Utc(3, 28, 12)));
        // 25 October 2026: 03:00 CEST becomes 02:00 CET (01:00Z). The window opens at the first 02:30, and the wall clock
        // passes 02:00-03:00 twice: closed again from 02:00 to 02:30 CET, open from 02:30 CET to 04:00 CET.
        Assert.Equal(Utc(10, 25, 0, 30), window.OpensAt(Utc(10, 24, 12)));
        Assert.True(window.IsOpen(Utc(10, 25, 0, 45)));
        Assert.False(window.IsOpen(Utc(10, 25, 1, 15)));
        Assert.Equal(Utc(10, 25, 1, 30), window.OpensAt(Utc(10, 25, 1, 15)));
        Assert.True(window.IsOpen(Utc(10, 25, 2, 45)));
        Assert.False(window.IsOpen(Utc(10, 25, 3)));
    }

    [Theory]
    [InlineData("", "Give 1 to 24 ranges")]
    [InlineData("22:00-22:00", "is empty")]
    [InlineData("25:00-06:00", "neither a range")]
    [InlineData("22:00-06:00 Mars/Olympus", "Unknown time zone")]
    public void A_window_that_does_not_parse_names_its_error_and_stops_the_start(string text, string error)
    {
        var options = new ProcessingWindowOptions();
        options.Windows["reports-bulk"] = text;
        var result = new ProcessingWindowValidation(BuiltInReports.Catalog).Validate(null, options);
        Assert.True(result.Failed);
        Assert.Contains("Reports:Windows:reports-bulk", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains(error, result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void A_window_whose_key_is_neither_a_queue_nor_a_report_type_stops_the_start_and_known_keys_pass()
    {
        var options = new ProcessingWindowOptions();
        options.Windows["reports-bulk"] = "22:00-06:00";
        options.Windows["orders"] = "22:00-06:00";
        Assert.True(new ProcessingWindowValidation(BuiltInReports.Catalog).Validate(null, options).Succeeded);

        options.Windows["reprots-bulk"] = "22:00-06:00";
        var result = new ProcessingWindowValidation(BuiltInReports.Catalog).Validate(null, options);
        Assert.True(result.Failed);
        Assert.Contains("Reports:Windows:reprots-bulk: no queue or report type is named 'reprots-bulk'", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("queues: reports, reports-bulk", result.FailureMessage, StringComparison.Ordinal);
        Assert.DoesNotContain("Reports:Windows:orders", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Closed_windows_name_when_they_open_in_their_own_zone()
    {
        var options = new ProcessingWindowOptions();
        options.Windows["reports-bulk"] = "22:00-06:00 Europe/Berlin";
        options.Windows["orders"] = "00:00-24:00";
        var closed = new ProcessingWindows(Options.Create(options)).ClosedAt(Utc(1, 10, 12));
        var only = Assert.Single(closed);
        Assert.Equal("reports-bulk", only.Name);
        Assert.Equal(Utc(1, 10, 21), only.OpensAt);
        Assert.StartsWith("processing window opens at 2026-01-10T22:00:00+01:00", only.Reason, StringComparison.Ordinal);
    }
}
