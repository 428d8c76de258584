using Reports.Core.Scheduling;

namespace Reports.Tests.Scheduling;

public sealed class RelativeDatesTests
{
    private static readonly DateOnly Today = new(2024, 3, 14); // a Thursday

    [Theory]
    [InlineData("today", "2024-03-14")]
    [InlineData("yesterday", "2024-03-13")]
    [InlineData("tomorrow", "2024-03-15")]
    [InlineData("-7 days", "2024-03-07")]
    [InlineData("+1 day", "2024-03-15")]
    [InlineData("-1 month start", "2024-02-01")]
    [InlineData("-1 month end", "2024-02-29")]
    [InlineData("0 month start", "2024-03-01")]
    [InlineData("-1 week start", "2024-03-04")]
    [InlineData("-1 week end", "2024-03-10")]
    [InlineData("0 week start", "2024-03-11")]
    [InlineData("-1 year start", "2023-01-01")]
    [InlineData("-1 year end", "2023-12-31")]
    [InlineData("  -2 Months  ", "2024-01-14")]
    public void An_expression_resolves_to_the_documented_date(string expression, string expected)
    {
        Assert.Equal(DateOnly.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), RelativeDates.Resolve(expression, Today));
    }

    [Theory]
    [InlineData("last month")]
    [InlineData("-1 fortnight")]
    [InlineData("-99999 days")]
    [InlineData("")]
    public void Anything_else_is_not_a_relative_date(string expression)
    {
        Assert.Null(RelativeDates.Resolve(expression, Today));
    }
}
