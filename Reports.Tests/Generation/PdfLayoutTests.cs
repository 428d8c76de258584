using Reports.Core.Generation.Pdf;

namespace Reports.Tests.Generation;

public sealed class PdfLayoutTests
{
    private static readonly PdfLayout A4Portrait = new(PdfPageSize.For("A4", "portrait"), hasSubject: false, hasChart: false, totalsRows: 1);

    [Fact]
    public void Landscape_swaps_the_sides_of_the_paper()
    {
        Assert.Equal((842f, 595f), (PdfPageSize.For("A4", "landscape").Width, PdfPageSize.For("A4", "landscape").Height));
        Assert.Equal((612f, 792f), (PdfPageSize.For("Letter", "portrait").Width, PdfPageSize.For("Letter", "portrait").Height));
    }

    [Fact]
    public void An_empty_report_is_one_page()
    {
        Assert.Equal(1, A4Portrait.PageCount(0));
    }

    [Fact]
    public void Rows_fill_the_first_page_then_the_later_pages_which_hold_more()
    {
        var first = A4Portrait.Capacity(1);
        var later = A4Portrait.Capacity(2);

        Assert.True(later > first, "page 1 carries the title block");
        Assert.Equal(2, A4Portrait.PageCount(first + 1));
        Assert.Equal(3, A4Portrait.PageCount(first + later + 1));
        Assert.Equal(1 + 1000, A4Portrait.PageCount(first + (1000L * later) - 5));
    }

    [Fact]
    public void Totals_that_do_not_fit_below_the_last_row_take_a_page_of_their_own()
    {
        var full = A4Portrait.Capacity(1);

        Assert.False(A4Portrait.TotalsFit(1, full));
        Assert.Equal(2, A4Portrait.PageCount(full));
        Assert.Equal(1, A4Portrait.PageCount(full - 3));
    }

    [Fact]
    public void A_chart_and_a_subject_leave_less_room_on_the_first_page_only()
    {
        var charted = new PdfLayout(PdfPageSize.For("A4", "portrait"), hasSubject: true, hasChart: true, totalsRows: 1);

        Assert.True(charted.Capacity(1) < A4Portrait.Capacity(1));
        Assert.Equal(A4Portrait.Capacity(2), charted.Capacity(2));
    }
}
