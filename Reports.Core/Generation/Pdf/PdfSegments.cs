using Reports.Core.Generation.Partitions;

namespace Reports.Core.Generation.Pdf;

/// <summary>
/// One run of a PDF's pages drawn on its own (by any worker of the queue): pages <see cref="FirstPage"/> onwards, holding
/// the rows from <see cref="FirstRow"/> (from 0, in key order), its objects numbered in <see cref="Objects"/>.
/// </summary>
internal sealed record PdfSegment(int Index, long FirstPage, long Pages, long FirstRow, long Rows, PdfObjectRange Objects)
{
    public bool IsLast(IReadOnlyList<PdfSegment> segments)
    {
        ArgumentNullException.ThrowIfNull(segments);
        return Index == segments.Count - 1;
    }
}

/// <summary>
/// Cuts a PDF's pages into segments of about equal pages, from its plan alone: arithmetic on the layout, so the job's
/// worker and every helper cut the same file the same way, and the file is the same whether its segments are drawn by
/// one worker one after another or by several at once.
/// </summary>
internal static class PdfSegments
{
    /// <summary>Objects Skia writes per page (the page and its content stream), with room to spare.</summary>
    private const int ObjectsPerPage = 4;

    /// <summary>Objects Skia writes per part besides its pages (the part's page tree, font dictionaries, graphics states), with room to spare.</summary>
    private const int ObjectsPerPart = 48;

    public static IReadOnlyList<PdfSegment> Cut(PdfLayout layout, PdfPlan plan)
    {
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(plan);
        var count = (int)Math.Clamp((plan.Pages + plan.PagesPerSegment - 1) / plan.PagesPerSegment, 1, PartitionCheckpoint.MaxPartitions);
        var size = (plan.Pages + count - 1) / count;
        var segments = new List<PdfSegment>(count);
        var firstObject = PdfObjects.FirstOfSegments;
        for (long firstPage = 1; firstPage <= plan.Pages; firstPage += size)
        {
            var pages = Math.Min(size, plan.Pages - firstPage + 1);
            var firstRow = FirstRow(layout, firstPage, plan.Rows);
            var rows = FirstRow(layout, firstPage + pages, plan.Rows) - firstRow;
            var parts = (pages + plan.PagesPerPart - 1) / plan.PagesPerPart;
            var limit = checked(firstObject + (int)((pages * ObjectsPerPage) + (parts * ObjectsPerPart)));
            segments.Add(new PdfSegment(segments.Count, firstPage, pages, firstRow, rows, new PdfObjectRange(firstObject, limit, IsFirst: segments.Count == 0)));
            firstObject = limit;
        }

        return segments;
    }

    /// <summary>The number (from 0) of the first row on <paramref name="page"/>; the row count past the last page of rows.</summary>
    public static long FirstRow(PdfLayout layout, long page, long rows)
    {
        ArgumentNullException.ThrowIfNull(layout);
        return page <= 1 ? 0 : Math.Min(rows, layout.Capacity(1) + ((page - 2) * (long)layout.Capacity(2)));
    }
}

/// <summary>
/// What every segment of a PDF must agree on, fixed when the job's worker lays the file out and kept in the job's
/// checkpoint: the rows and pages counted, when it was generated, its subject and totals, and how it is cut.
/// </summary>
public sealed record PdfPlan(
    long Rows, long Pages, DateTimeOffset GeneratedAt, string? Subject, IReadOnlyList<string[]> Totals, int PagesPerSegment, int PagesPerPart);
