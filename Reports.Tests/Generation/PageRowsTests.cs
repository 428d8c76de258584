using Reports.Core.Generation;

namespace Reports.Tests.Generation;

/// <summary>A page is bounded by bytes as well as rows: its blocks wait in memory until it closes.</summary>
public sealed class PageRowsTests
{
    private static readonly GenerationOptions Defaults = new();

    [Fact]
    public void The_first_page_asks_for_at_most_ten_thousand_rows_of_a_width_not_known_yet()
    {
        Assert.Equal(10_000, PageRows.First(Defaults));
        Assert.Equal(500, PageRows.First(new GenerationOptions { PageSize = 500 }));
    }

    [Fact]
    public void Narrow_rows_fill_whole_pages_and_wide_ones_about_two_blocks()
    {
        // Orders are ~70 bytes a row: two 4 MiB blocks hold ~120,000, so the page size (100,000) is the bound.
        Assert.Equal(100_000, PageRows.Next(Defaults, bytes: 700_000, rows: 10_000));
        // Rows of 1 KiB: two 4 MiB blocks hold 8,192.
        Assert.Equal(8_192, PageRows.Next(Defaults, bytes: 10_000 * 1024L, rows: 10_000));
        // However wide, a page still moves the file on by 100 rows.
        Assert.Equal(100, PageRows.Next(Defaults, bytes: 10_000 * 10_000_000L, rows: 10_000));
        Assert.Equal(50, PageRows.Next(new GenerationOptions { PageSize = 50 }, bytes: 10_000_000, rows: 50));
    }
}
