using System.Globalization;
using Npgsql;
using SkiaSharp;

namespace Reports.Bench.Scenarios;

/// <summary>
/// The PDF engine's floor: a bare SkiaSharp loop drawing the report's pages (A4 landscape, the same font and sizes, a
/// header row, 35 shaded rows of the same eight cells, a footer) from rows already in memory, into a file. No database,
/// no layout or text fitting, no upload: what Skia alone costs for these pages.
/// </summary>
internal static class SkiaFloor
{
    private const float Width = 842f, Height = 595f, Margin = 36f, RowHeight = 13f, HeaderHeight = 18f;
    private static readonly float[] ColumnWidths = [0.8f, 1.3f, 2.2f, 0.7f, 0.9f, 0.6f, 0.7f, 1.1f];
    private static readonly bool[] RightAligned = [true, false, false, false, false, true, false, true];
    private static readonly string[] Titles = ["Order", "Date (UTC)", "Customer", "Country", "Status", "Items", "Currency", "Amount"];

    /// <summary>The report's rows as the PDF shows them, read once before the timed loop.</summary>
    public static async Task<List<string[]>> ReadRowsAsync(NpgsqlDataSource database, DateTime from, DateTime to, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(database);
        await using var command = database.CreateCommand("""
            SELECT o.id, o.ordered_at, c.name, o.country, o.status, o.items, o.currency, o.amount
            FROM sales.orders AS o JOIN sales.customers AS c ON c.id = o.customer_id
            WHERE o.ordered_at >= @from AND o.ordered_at < @to ORDER BY o.ordered_at, o.id
            """);
        command.Parameters.AddWithValue("from", from);
        command.Parameters.AddWithValue("to", to);
        var rows = new List<string[]>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var invariant = CultureInfo.InvariantCulture;
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(
            [
                reader.GetInt64(0).ToString(invariant), reader.GetDateTime(1).ToString("yyyy-MM-dd HH:mm:ss", invariant),
                reader.GetString(2).Replace('\n', ' '), reader.GetString(3), reader.GetString(4),
                reader.GetInt32(5).ToString("#,##0", invariant), reader.GetString(6), reader.GetDecimal(7).ToString("#,##0.00", invariant),
            ]);
        }

        return rows;
    }

    /// <summary>Draws <paramref name="rows"/> into a PDF at <paramref name="path"/>; returns the page count.</summary>
    public static int Draw(IReadOnlyList<string[]> rows, string fontPath, string path)
    {
        ArgumentNullException.ThrowIfNull(rows);
        using var typeface = SKTypeface.FromFile(fontPath) ?? throw new FileNotFoundException("No font.", fontPath);
        using var cell = new SKFont(typeface, 7.5f) { Subpixel = true, LinearMetrics = true, Hinting = SKFontHinting.None, Edging = SKFontEdging.Antialias };
        using var header = new SKFont(typeface, 8f) { Subpixel = true, LinearMetrics = true, Hinting = SKFontHinting.None, Edging = SKFontEdging.Antialias };
        using var ink = new SKPaint { Color = SKColors.Black, IsAntialias = true };
        using var shade = new SKPaint { Color = new SKColor(0xF2, 0xF4, 0xF7) };
        using var headerFill = new SKPaint { Color = new SKColor(0x2B, 0x3A, 0x55) };
        using var headerInk = new SKPaint { Color = SKColors.White, IsAntialias = true };
        var edges = new float[ColumnWidths.Length + 1];
        edges[0] = Margin;
        for (var c = 0; c < ColumnWidths.Length; c++)
        {
            edges[c + 1] = edges[c] + ((Width - (2 * Margin)) * ColumnWidths[c] / ColumnWidths.Sum());
        }

        var perPage = (int)((Height - Margin - 20f - (Margin + 18f + HeaderHeight)) / RowHeight);
        var pageCount = Math.Max(1, (rows.Count + perPage - 1) / perPage);
        using var file = File.Create(path);
        using var stream = new SKManagedWStream(file);
        using var document = SKDocument.CreatePdf(stream, new SKDocumentPdfMetadata { Title = "Orders", Creation = DateTime.UtcNow });
        for (var page = 0; page < pageCount; page++)
        {
            var canvas = document.BeginPage(Width, Height);
            canvas.DrawText($"Orders · {rows.Count:N0} rows", Margin, Margin + 12f, header, ink);
            var top = Margin + 18f;
            canvas.DrawRect(Margin, top, Width - (2 * Margin), HeaderHeight, headerFill);
            DrawRow(canvas, Titles, edges, top, HeaderHeight, header, headerInk);
            top += HeaderHeight;
            for (var r = page * perPage; r < Math.Min(rows.Count, (page + 1) * perPage); r++, top += RowHeight)
            {
                if (r % 2 == 1)
                {
                    canvas.DrawRect(Margin, top, Width - (2 * Margin), RowHeight, shade);
                }

                DrawRow(canvas, rows[r], edges, top, RowHeight, cell, ink);
            }

            canvas.DrawText($"Page {page + 1} of {pageCount}", Width - Margin, Height - Margin, SKTextAlign.Right, cell, ink);
            document.EndPage();
        }

        document.Close();
        return pageCount;
    }

    private static void DrawRow(SKCanvas canvas, string[] cells, float[] edges, float top, float height, SKFont font, SKPaint paint)
    {
        var metrics = font.Metrics;
        var baseline = top + ((height - (metrics.Descent - metrics.Ascent)) / 2f) - metrics.Ascent;
        for (var c = 0; c < cells.Length; c++)
        {
            if (RightAligned[c])
            {
                canvas.DrawText(cells[c], edges[c + 1] - 3f, baseline, SKTextAlign.Right, font, paint);
            }
            else
            {
                canvas.DrawText(cells[c], edges[c] + 3f, baseline, font, paint);
            }
        }
    }
}
