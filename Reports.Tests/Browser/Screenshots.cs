using Microsoft.Playwright;

namespace Reports.Tests.Browser;

/// <summary>
/// With REPORTS_SCREENSHOTS=&lt;folder&gt; set, saves full-page screenshots of what the tests see (the README's pictures
/// in docs/ are made this way); otherwise does nothing.
/// </summary>
internal static class Screenshots
{
    public static async Task SaveAsync(IPage page, string path, bool phone)
    {
        var folder = Environment.GetEnvironmentVariable("REPORTS_SCREENSHOTS");
        if (string.IsNullOrEmpty(folder))
        {
            return;
        }

        await SaveAsAsync(page, $"{(path == "/" ? "reports" : "ops")}-{(phone ? "phone" : "desktop")}.png");
    }

    /// <summary>Saves a full-page screenshot named <paramref name="name"/> (with REPORTS_SCREENSHOTS set).</summary>
    public static async Task SaveAsAsync(IPage page, string name)
    {
        var folder = Environment.GetEnvironmentVariable("REPORTS_SCREENSHOTS");
        if (string.IsNullOrEmpty(folder))
        {
            return;
        }

        Directory.CreateDirectory(folder);
        await page.ScreenshotAsync(new() { Path = Path.Combine(folder, name), FullPage = true });
    }

    /// <summary>One part of a page, as <c>&lt;name&gt;.png</c>.</summary>
    public static async Task SaveAsync(ILocator part, string name)
    {
        var folder = Environment.GetEnvironmentVariable("REPORTS_SCREENSHOTS");
        if (string.IsNullOrEmpty(folder))
        {
            return;
        }

        Directory.CreateDirectory(folder);
        await part.ScreenshotAsync(new() { Path = Path.Combine(folder, name + ".png") });
    }
}
