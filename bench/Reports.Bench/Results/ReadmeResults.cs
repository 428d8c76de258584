namespace Reports.Bench.Results;

/// <summary>
/// Puts a whole run's table into the README, between its two markers, so the README shows the figures of the latest
/// committed run rather than a link only. Partial runs (<c>--only</c>) leave it alone.
/// </summary>
internal static class ReadmeResults
{
    public const string Start = "<!-- bench:results:start -->";
    public const string End = "<!-- bench:results:end -->";

    /// <summary>The README with <paramref name="results"/> between the markers; unchanged when it has none.</summary>
    public static string Replace(string readme, string results)
    {
        ArgumentNullException.ThrowIfNull(readme);
        ArgumentNullException.ThrowIfNull(results);
        var start = readme.IndexOf(Start, StringComparison.Ordinal);
        var end = readme.IndexOf(End, StringComparison.Ordinal);
        if (start < 0 || end < start)
        {
            return readme;
        }

        // The results file's own heading and comment stay in it; the README gets the rest.
        var body = string.Join('\n', results.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n')
            .SkipWhile(line => line.StartsWith('#') || line.StartsWith("<!--", StringComparison.Ordinal) || line.Length == 0));
        return readme[..(start + Start.Length)] + "\n" + body.TrimEnd() + "\n" + readme[end..];
    }

    public static async Task UpdateAsync(string repositoryRoot, string results, CancellationToken cancellationToken)
    {
        var path = Path.Combine(repositoryRoot, "README.md");
        var readme = await File.ReadAllTextAsync(path, cancellationToken);
        await File.WriteAllTextAsync(path, Replace(readme, results), cancellationToken);
    }
}
