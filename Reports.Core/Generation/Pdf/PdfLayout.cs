namespace Reports.Core.Generation.Pdf;

/// <summary>
/// Where everything goes on a report's pages, in points. Pure arithmetic, so the page count is known from the row
/// count before anything is drawn: for <c>Page N of M</c>, and to refuse a report over its page limit up front.
/// Page 1 holds the title block (and the chart); later pages a one-line running header; every page repeats the
/// table header and ends with the footer; the totals follow the last row, on a page of their own if they do not fit.
/// </summary>
public sealed class PdfLayout
{
    public const float Margin = 36f;
    public const float RowHeight = 13f;
    public const float HeaderRowHeight = 18f;
    public const float FooterHeight = 20f;
    public const float RunningHeaderHeight = 18f;
    public const float TitleHeight = 24f;
    public const float InfoLineHeight = 13f;
    public const float ChartHeight = 190f;
    public const float SummaryHeight = 18f;
    public const float Gap = 10f;

    public PdfLayout(PdfPageSize page, bool hasSubject, bool hasChart, int totalsRows)
    {
        Page = page;
        HasSubject = hasSubject;
        HasChart = hasChart;
        TotalsRows = totalsRows;
        TitleBlockHeight = TitleHeight + ((hasSubject ? 3 : 2) * InfoLineHeight) + Gap;
        if (TotalsHeight > ContentBottom - RowsTop(2))
        {
            throw new ArgumentOutOfRangeException(nameof(totalsRows), totalsRows, "The totals do not fit on one page.");
        }
    }

    public PdfPageSize Page { get; }
    public bool HasSubject { get; }
    public bool HasChart { get; }
    public int TotalsRows { get; }
    public float TitleBlockHeight { get; }

    public float ContentLeft { get; } = Margin;
    public float ContentWidth => Page.Width - (2 * Margin);
    public float ContentBottom => Page.Height - Margin - FooterHeight;
    public float TotalsHeight => (TotalsRows * RowHeight) + SummaryHeight;

    public float ChartTop => Margin + TitleBlockHeight;

    public float TableTop(int page) =>
        page == 1 ? Margin + TitleBlockHeight + (HasChart ? ChartHeight + Gap : 0) : Margin + RunningHeaderHeight;

    public float RowsTop(int page) => TableTop(page) + HeaderRowHeight;

    /// <summary>Rows that fit on a page below its table header.</summary>
    public int Capacity(int page) => (int)((ContentBottom - RowsTop(page)) / RowHeight);

    /// <summary>Whether the totals fit below <paramref name="rowsOnPage"/> rows on a page.</summary>
    public bool TotalsFit(int page, int rowsOnPage) => ContentBottom - (RowsTop(page) + (rowsOnPage * RowHeight)) >= TotalsHeight;

    /// <summary>The number of pages a report of <paramref name="rows"/> rows takes.</summary>
    public long PageCount(long rows)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        long pages = 1;
        var page = 1;
        var onLast = rows;
        if (rows > Capacity(1))
        {
            var rest = rows - Capacity(1);
            var later = Capacity(2);
            var more = (rest + later - 1) / later;
            pages += more;
            page = 2;
            onLast = rest - ((more - 1) * later);
        }

        return TotalsFit(page, (int)onLast) ? pages : pages + 1;
    }
}
