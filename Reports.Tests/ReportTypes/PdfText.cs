using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Reports.Tests.ReportTypes;

/// <summary>
/// A PDF as poppler reads it (<c>pdfinfo</c>, <c>pdftotext -layout</c>), once <c>qpdf --check</c> has found its structure
/// valid without a warning: independent of the code that wrote it.
/// </summary>
public sealed class PdfText
{
    private PdfText(IReadOnlyDictionary<string, string> info, IReadOnlyList<string> pages) => (Info, Pages) = (info, pages);

    public IReadOnlyDictionary<string, string> Info { get; }

    /// <summary>The text of each page, laid out as on the page.</summary>
    public IReadOnlyList<string> Pages { get; }

    public int PageCount => int.Parse(Info["Pages"], System.Globalization.CultureInfo.InvariantCulture);

    public IEnumerable<string> Lines => Pages.SelectMany(p => p.Split('\n'));

    public static async Task<PdfText> ReadAsync(byte[] pdf)
    {
        var path = Path.Combine(Path.GetTempPath(), $"report-test-{Guid.NewGuid():N}.pdf");
        await File.WriteAllBytesAsync(path, pdf);
        try
        {
            await RunAsync("qpdf", "--check", path);
            var info = (await RunAsync("pdfinfo", path))
                .Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(l => l.Split(':', 2))
                .Where(p => p.Length == 2)
                .ToDictionary(p => p[0].Trim(), p => p[1].Trim(), StringComparer.Ordinal);
            var text = await RunAsync("pdftotext", "-layout", "-enc", "UTF-8", path, "-");
            var pages = text.Split('\f');
            return new PdfText(info, pages[^1].Trim().Length == 0 ? pages[..^1] : pages);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>Checks what every page must show: the table header (titles in order on one line) and Page N of M.</summary>
    public void AssertEveryPageHasHeaderAndNumber(IEnumerable<string> columnTitles)
    {
        var header = new Regex(string.Join(@"\s+", columnTitles.Select(Regex.Escape)));
        Assert.Equal(PageCount, Pages.Count);
        for (var i = 0; i < Pages.Count; i++)
        {
            Assert.True(header.IsMatch(Pages[i]), $"page {i + 1} has no table header");
            Assert.Contains($"Page {i + 1} of {PageCount}", Pages[i], StringComparison.Ordinal);
        }
    }

    public List<Match> Matches(string pattern)
    {
        var regex = new Regex(pattern);
        return [.. Lines.Select(l => regex.Match(l)).Where(m => m.Success)];
    }

    private static async Task<string> RunAsync(string tool, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(tool, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{tool} failed ({process.ExitCode}): {await error} {await output}");
        return await output;
    }
}
