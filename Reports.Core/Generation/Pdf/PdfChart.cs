using System.Globalization;
using SkiaSharp;

namespace Reports.Core.Generation.Pdf;

/// <summary>A line chart of a value per day: a filled line over labelled gridlines, with dates along the bottom.</summary>
internal static class PdfChart
{
    private const float AxisWidth = 58f;
    private const float TitleHeight = 16f;
    private const float LabelHeight = 14f;

    public static void Draw(SKCanvas canvas, SKRect area, PdfChartSeries series, PdfFont font, PdfPaints paints)
    {
        using var titleFont = font.Create(9f);
        using var labelFont = font.Create(7f);
        canvas.DrawText(font.Printable(titleFont, series.Title), area.Left, area.Top + 10f, titleFont, paints.Text);
        var plot = new SKRect(area.Left + AxisWidth, area.Top + TitleHeight + 4f, area.Right - 6f, area.Bottom - LabelHeight);
        var top = NiceCeiling(series.Values.Count == 0 ? 0 : series.Values.Max());
        const int lines = 4;
        for (var i = 0; i <= lines; i++)
        {
            var y = plot.Bottom - (plot.Height * i / lines);
            canvas.DrawLine(plot.Left, y, plot.Right, y, i == 0 ? paints.Rule : paints.Grid);
            var label = (top * i / lines).ToString("#,##0", CultureInfo.InvariantCulture);
            canvas.DrawText(label, plot.Left - 4f, y + 2.5f, SKTextAlign.Right, labelFont, paints.Muted);
        }

        if (series.Days.Count == 0)
        {
            canvas.DrawText("No data", plot.MidX, plot.MidY, SKTextAlign.Center, labelFont, paints.Muted);
            return;
        }

        var first = series.Days[0].DayNumber;
        var span = Math.Max(1, series.Days[^1].DayNumber - first);
        float X(int index) => plot.Left + (plot.Width * (series.Days[index].DayNumber - first) / span);
        float Y(int index) => plot.Bottom - (float)(plot.Height * series.Values[index] / top);

        using var line = new SKPath();
        using var fill = new SKPath();
        fill.MoveTo(X(0), plot.Bottom);
        for (var i = 0; i < series.Days.Count; i++)
        {
            if (i == 0)
            {
                line.MoveTo(X(i), Y(i));
            }
            else
            {
                line.LineTo(X(i), Y(i));
            }

            fill.LineTo(X(i), Y(i));
        }

        fill.LineTo(X(series.Days.Count - 1), plot.Bottom);
        fill.Close();
        canvas.DrawPath(fill, paints.ChartArea);
        canvas.DrawPath(line, paints.ChartLine);

        const int ticks = 5;
        for (var t = 0; t <= ticks; t++)
        {
            var day = DateOnly.FromDayNumber(first + (span * t / ticks));
            var x = plot.Left + (plot.Width * t / ticks);
            var align = t == 0 ? SKTextAlign.Left : t == ticks ? SKTextAlign.Right : SKTextAlign.Center;
            canvas.DrawLine(x, plot.Bottom, x, plot.Bottom + 3f, paints.Rule);
            canvas.DrawText(day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), x, plot.Bottom + 11f, align, labelFont, paints.Muted);
        }
    }

    /// <summary>1, 2, 2.5 or 5 times a power of ten, at or above the largest value: round gridline labels.</summary>
    private static double NiceCeiling(double max)
    {
        if (max <= 0)
        {
            return 1;
        }

        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(max)));
        foreach (var step in new[] { 1, 2, 2.5, 5, 10 })
        {
            if (step * magnitude >= max)
            {
                return step * magnitude;
            }
        }

        return 10 * magnitude;
    }
}
