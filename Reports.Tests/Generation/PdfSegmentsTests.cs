using Reports.Core.Generation.Pdf;

namespace Reports.Tests.Generation;

public sealed class PdfSegmentsTests
{
    private static readonly PdfLayout A4Portrait = new(PdfPageSize.For("A4", "portrait"), hasSubject: true, hasChart: true, totalsRows: 2);

    [Theory]
    [InlineData(0L, 1_000)]
    [InlineData(1_000L, 10)]
    [InlineData(54_321L, 100)]
    [InlineData(1_000_000L, 1_000)]
    [InlineData(1_000_000L, 10)]
    public void Segments_cover_every_page_and_row_once_in_order_with_object_numbers_of_their_own(long rows, int pagesPerSegment)
    {
        var plan = Plan(rows, pagesPerSegment);

        var segments = PdfSegments.Cut(A4Portrait, plan);

        Assert.InRange(segments.Count, 1, 16);
        Assert.InRange(segments.Count, Math.Min(16, plan.Pages / pagesPerSegment), Math.Min(16, (plan.Pages + pagesPerSegment - 1) / pagesPerSegment));
        Assert.Equal((1L, 0L), (segments[0].FirstPage, segments[0].FirstRow));
        Assert.Equal(plan.Pages, segments.Sum(s => s.Pages));
        Assert.Equal(rows, segments.Sum(s => s.Rows));
        Assert.True(segments[0].Objects.IsFirst);
        Assert.All(segments.Skip(1), s => Assert.False(s.Objects.IsFirst));
        foreach (var (before, after) in segments.Zip(segments.Skip(1)))
        {
            Assert.Equal(before.FirstPage + before.Pages, after.FirstPage);
            Assert.Equal(before.FirstRow + before.Rows, after.FirstRow);
            Assert.Equal(before.Objects.Limit, after.Objects.First);
            Assert.InRange(before.Pages, after.Pages, after.Pages + pagesPerSegment);
        }
    }

    [Fact]
    public void Every_page_but_the_last_is_full_so_a_segment_starts_where_one_worker_would_turn_the_page()
    {
        var plan = Plan(100_000, 50);

        foreach (var segment in PdfSegments.Cut(A4Portrait, plan).Skip(1))
        {
            Assert.Equal(A4Portrait.Capacity(1) + ((segment.FirstPage - 2) * A4Portrait.Capacity(2)), segment.FirstRow);
        }
    }

    [Fact]
    public void Where_the_objects_of_a_segment_are_survives_its_text_form()
    {
        var objects = new PdfSegmentObjects(185, [0, 13, 27, 3_000_000_000, 3_000_000_017], 42, "388387:1CEC56", [195, 210]);

        var again = PdfSegmentObjects.Parse(objects.ToText());

        Assert.Equal((objects.First, objects.FontOffset, objects.FontKey), (again.First, again.FontOffset, again.FontKey));
        Assert.Equal(objects.Offsets, again.Offsets);
        Assert.Equal(objects.PartTrees, again.PartTrees);
        Assert.Throws<FormatException>(() => PdfSegmentObjects.Parse("1;2;3"));
    }

    private static PdfPlan Plan(long rows, int pagesPerSegment) =>
        new(rows, A4Portrait.PageCount(rows), DateTimeOffset.UnixEpoch, "subject", [["a"], ["b"]], pagesPerSegment, PagesPerPart: 7);
}
