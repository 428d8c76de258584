using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Reports.Tests.Browser;

internal static class SignIn
{
    /// <summary>Opens a page and signs in with <paramref name="key"/> as a person would: type it, press the button.</summary>
    public static async Task AsAsync(IPage page, string path, string key)
    {
        await page.GotoAsync(path);
        await page.GetByLabel("API key").FillAsync(key);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.Locator("#app")).ToBeVisibleAsync();
    }
}
