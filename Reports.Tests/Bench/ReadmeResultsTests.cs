using Reports.Bench.Results;

namespace Reports.Tests.Bench;

public sealed class ReadmeResultsTests
{
    private const string Results = "# Benchmark results\n\n<!-- Written by ./reports bench -->\n`./reports bench` on a day.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n";

    [Fact]
    public void A_whole_run_replaces_what_is_between_the_markers_and_keeps_the_rest()
    {
        var readme = $"intro\n{ReadmeResults.Start}\nold table\n{ReadmeResults.End}\noutro\n";

        var updated = ReadmeResults.Replace(readme, Results);

        Assert.Equal($"intro\n{ReadmeResults.Start}\n`./reports bench` on a day.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n{ReadmeResults.End}\noutro\n", updated);
        Assert.Equal(updated, ReadmeResults.Replace(updated, Results));
    }

    [Fact]
    public void A_readme_without_markers_is_left_as_it_is()
    {
        Assert.Equal("no markers here\n", ReadmeResults.Replace("no markers here\n", Results));
    }

    [Fact]
    public void The_readme_has_the_markers_in_order()
    {
        var readme = File.ReadAllText(Path.Combine(Reports.Tests.Deploy.DeployFiles.Root, "README.md"));

        var start = readme.IndexOf(ReadmeResults.Start, StringComparison.Ordinal);

        Assert.True(start >= 0, "no start marker");
        Assert.True(readme.IndexOf(ReadmeResults.End, StringComparison.Ordinal) > start, "no end marker after the start");
    }
}
