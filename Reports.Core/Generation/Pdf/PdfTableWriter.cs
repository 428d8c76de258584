using System.Data.Common;
using System.Globalization;
using Reports.Core.Catalog;
using SkiaSharp;

namespace Reports.Core.Generation.Pdf;

/// <summary>
/// Draws a report into a PDF document row by row, starting pages as the layout says: the title block (and chart) on
/// page 1, the table header on every page, alternating row shading, numbers right-aligned, long text ellipsised to
/// its cell, the totals after the last row, and <c>Page N of M</c> in every footer. Only the current page is in memory.
/// </summary>
internal sealed class PdfTableWriter : IDisposable
{
    private const float CellPadding = 3f;
    private readonly PdfPartsDocument _document;
    private readonly PdfLayout _layout;
    private readonly PdfFont _font;
    private readonly ReportDefinition _report;
    private readonly PdfPaints _paints = new();
    private readonly SKFont _cellFont;
    private readonly SKFont _headerFont;
    private readonly SKFont _infoFont;
    private readonly CellStyle _cell;
    private readonly CellStyle _header;
    private readonly PdfPageFrame _frame;
    private readonly PdfTextRow _text;
    private readonly float[] _edges;
    private SKCanvas? _canvas;
    private int _rowsOnPage;
    private long _rows;

    /// <param name="segment">The pages this writer draws, and the row its first page starts with: one segment of the file.</param>
    public PdfTableWriter(
        PdfPartsDocument document, PdfLayout layout, PdfFont font, ReportDefinition report, PdfHeading heading, long pageCount, PdfChartSeries? chart,
        PdfSegment segment)
    {
        ArgumentNullException.ThrowIfNull(segment);
        (_document, _layout, _font, _report) = (document, layout, font, report);
        Pages = (int)segment.FirstPage - 1;
        _rows = segment.FirstRow;
        _text = new PdfTextRow(font);
        _cellFont = font.Create(7.5f);
        _cell = new CellStyle(_cellFont, PdfLayout.RowHeight);
        _headerFont = font.Create(8f);
        _header = new CellStyle(_headerFont, PdfLayout.HeaderRowHeight);
        _infoFont = font.Create(8.5f);
        _frame = new PdfPageFrame(layout, font, _paints, heading, pageCount, chart);
        var total = report.Columns.Sum(c => c.Width);
        _edges = new float[report.Columns.Count + 1];
        _edges[0] = layout.ContentLeft;
        for (var c = 0; c < report.Columns.Count; c++)
        {
            _edges[c + 1] = _edges[c] + (layout.ContentWidth * report.Columns[c].Width / total);
        }
    }

    /// <summary>The number of the last page begun.</summary>
    public int Pages { get; private set; }

    public void WriteRow(DbDataReader row)
    {
        if (_canvas is null)
        {
            BeginPage();
        }
        else if (_rowsOnPage == _layout.Capacity(Pages))
        {
            EndPage();
            BeginPage();
        }

        var canvas = _canvas!;
        var top = _layout.RowsTop(Pages) + (_rowsOnPage * PdfLayout.RowHeight);
        if (_rows % 2 == 1)
        {
            canvas.DrawRect(_layout.ContentLeft, top, _layout.ContentWidth, PdfLayout.RowHeight, _paints.Shade);
        }

        for (var c = 0; c < _report.Columns.Count; c++)
        {
            AddCell(CellText.Format(_report.Columns[c], row, c), c, top, _cell);
        }

        _text.Draw(canvas, _paints.Text);
        _rowsOnPage++;
        _rows++;
    }

    /// <summary>The totals rows and the row count, after the last row; on a new page when they do not fit.</summary>
    public void WriteTotals(PdfTotals totals)
    {
        if (_canvas is null)
        {
            BeginPage();
        }
        else if (!_layout.TotalsFit(Pages, _rowsOnPage))
        {
            EndPage();
            BeginPage();
        }

        var canvas = _canvas!;
        var top = _layout.RowsTop(Pages) + (_rowsOnPage * PdfLayout.RowHeight);
        foreach (var cells in totals.Cells)
        {
            canvas.DrawRect(_layout.ContentLeft, top, _layout.ContentWidth, PdfLayout.RowHeight, _paints.TotalsFill);
            for (var c = 0; c < cells.Length; c++)
            {
                AddCell(cells[c], c, top, _cell);
            }

            _text.Draw(canvas, _paints.Text);

            top += PdfLayout.RowHeight;
        }

        var summary = totals.Rows == 0
            ? "No rows match these parameters."
            : string.Create(CultureInfo.InvariantCulture, $"{totals.Rows:#,##0} rows");
        canvas.DrawText(summary, _layout.ContentLeft, top + 12f, _infoFont, _paints.Muted);
        _rowsOnPage = int.MaxValue / 2; // nothing follows the totals
    }

    public void Finish()
    {
        if (_canvas is not null)
        {
            EndPage();
        }
    }

    public void Dispose()
    {
        _paints.Dispose();
        _text.Dispose();
        _cellFont.Dispose();
        _headerFont.Dispose();
        _frame.Dispose();
        _infoFont.Dispose();
    }

    private void BeginPage()
    {
        Pages++;
        _rowsOnPage = 0;
        var canvas = _canvas = _document.BeginPage(_layout.Page.Width, _layout.Page.Height);
        _frame.Draw(canvas, Pages);
        var left = _layout.ContentLeft;
        var headerTop = _layout.TableTop(Pages);
        canvas.DrawRect(left, headerTop, _layout.ContentWidth, PdfLayout.HeaderRowHeight, _paints.HeaderFill);
        for (var c = 0; c < _report.Columns.Count; c++)
        {
            AddCell(_report.Columns[c].Title, c, headerTop, _header);
        }

        _text.Draw(canvas, _paints.HeaderText);
    }

    private void EndPage()
    {
        _document.EndPage();
        _canvas = null;
    }

    private void AddCell(string value, int column, float top, CellStyle style)
    {
        if (value.Length == 0)
        {
            return;
        }

        var left = _edges[column] + CellPadding;
        var right = _edges[column + 1] - CellPadding;
        var (font, metrics, height) = (style.Font, style.Metrics, style.Height);
        var text = _font.Fit(font, value, right - left);
        var baseline = top + ((height - (metrics.Descent - metrics.Ascent)) / 2f) - metrics.Ascent;
        var x = _report.Columns[column].Alignment == ColumnAlignment.Right ? right - _font.Measure(font, text) : left;
        _text.Add(font, text, x, baseline);
    }

    /// <summary>A font, its metrics read once (every read is a lookup in Skia's glyph cache), and the height of its rows.</summary>
    private sealed class CellStyle(SKFont font, float height)
    {
        public SKFont Font { get; } = font;

        public SKFontMetrics Metrics { get; } = font.Metrics;

        public float Height { get; } = height;
    }
}
