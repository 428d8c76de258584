using Reports.Bench.Measurement;

namespace Reports.Tests.Bench;

public sealed class SummaryTests
{
    [Fact]
    public void Of_GivesMinMedianMax_OfAnOddNumberOfRuns()
    {
        var summary = Summary.Of([3.0, 1.0, 2.0]);

        Assert.Equal(new Summary(1, 2, 3, 3), summary);
    }

    [Fact]
    public void Of_AveragesTheMiddleTwo_OfAnEvenNumberOfRuns()
    {
        Assert.Equal(2.5, Summary.Of([4.0, 1.0, 3.0, 2.0]).Median);
    }

    [Fact]
    public void Of_IgnoresValuesThatCouldNotBeMeasured()
    {
        var summary = Summary.Of([double.NaN, 5.0, double.PositiveInfinity]);

        Assert.Equal(new Summary(5, 5, 5, 1), summary);
        Assert.Equal(0, Summary.Of([]).Count);
        Assert.Equal("n/a", Summary.Of([]).Format(1));
    }

    [Fact]
    public void Format_ShowsTheMedianInBold_BetweenMinAndMax()
    {
        Assert.Equal("1.0 / **2.5** / 4,000.0", Summary.Of([1.0, 2.5, 4000.0]).Format(1));
        Assert.Equal("7", Summary.Of([7.0, 7.0]).Format(0));
    }

    [Theory]
    [InlineData(50, 50)]
    [InlineData(99, 99)]
    [InlineData(100, 100)]
    [InlineData(0, 1)]
    [InlineData(0.5, 1)]
    public void Percentile_IsTheNearestRank(double percent, double expected)
    {
        var sorted = Enumerable.Range(1, 100).Select(i => (double)i).ToArray();

        Assert.Equal(expected, Summary.Percentile(sorted, percent));
    }

    [Fact]
    public void Percentile_OfFewSamples_IsTheLargestForHighPercentiles()
    {
        Assert.Equal(9, Summary.Percentile([1.0, 2.0, 9.0], 99));
        Assert.True(double.IsNaN(Summary.Percentile([], 50)));
    }

    [Fact]
    public void Json_WritesNullForFiguresThatCouldNotBeMeasured()
    {
        var json = Summary.Of([]).ToJson();

        Assert.Null(json["median"]);
        Assert.Equal(0, json["runs"]!.GetValue<int>());
    }
}
