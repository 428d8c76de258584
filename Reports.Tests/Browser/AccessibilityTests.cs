using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Reports.Tests.Integration;
using static Microsoft.Playwright.Assertions;

namespace Reports.Tests.Browser;

[Collection(BrowserGroup.Name)]
public sealed partial class AccessibilityTests(BrowserSystem system)
{
    [Fact]
    public async Task Every_input_has_an_accessible_label_and_the_keyboard_reaches_the_submit_button()
    {
        var page = await system.NewPageAsync();
        await page.GotoAsync("/");

        // Sign in with the keyboard only: Tab to the key field, type, Enter.
        await TabToAsync(page, "#api-key");
        await page.Keyboard.TypeAsync(await system.NewUserKeyAsync());
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator("#app")).ToBeVisibleAsync();
        await Expect(page.Locator("#param-from")).ToBeVisibleAsync();

        foreach (var format in new[] { "CSV", "Excel (XLSX)", "JSON Lines", "PDF" })
        {
            await page.GetByRole(AriaRole.Radio, new() { Name = format }).CheckAsync();
            var controls = page.Locator("#app input:visible, #app select:visible");
            Assert.True(await controls.CountAsync() >= 6, "the generated form should have a control per parameter");
            foreach (var control in await controls.AllAsync())
            {
                await Expect(control).ToHaveAccessibleNameAsync(NotBlank());
            }
        }

        await page.Locator("#report-type").FocusAsync();
        await TabToAsync(page, "#submit-report");
    }

    [Fact]
    public async Task The_operations_page_labels_its_inputs_and_tables_for_the_keyboard()
    {
        var page = await system.NewPageAsync();
        await SignIn.AsAsync(page, "/ops", TestSettings.AdminKey);

        foreach (var control in await page.Locator("#app input:visible").AllAsync())
        {
            await Expect(control).ToHaveAccessibleNameAsync(NotBlank());
        }

        await Expect(page.Locator("#history-chart svg")).ToHaveAccessibleNameAsync(NotBlank());
        // Refreshes off: rows that other tests' jobs add or remove while Tab walks the tables would move the focus back.
        await page.Locator("#auto-refresh").UncheckAsync();
        await page.Locator("#auto-refresh").FocusAsync();
        await TabToAsync(page, "#job-lookup button[type=submit]");
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/ops")]
    public async Task At_phone_width_the_page_does_not_scroll_sideways(string path)
    {
        foreach (var phone in new[] { true, false })
        {
            var page = await system.NewPageAsync(phone);
            await SignIn.AsAsync(page, path, path == "/" ? await system.NewUserKeyAsync() : TestSettings.AdminKey);
            await Expect(page.Locator(path == "/" ? "#param-from" : "#workers tbody tr").First).ToBeVisibleAsync();

            var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - window.innerWidth");
            Assert.True(overflow <= 0, $"{path} at {(phone ? "phone" : "laptop")} width scrolls sideways by {overflow} px");
            await Screenshots.SaveAsync(page, path, phone);
            await page.Context.CloseAsync();
        }
    }

    /// <summary>
    /// Presses Tab until <paramref name="selector"/> has the focus; fails if two presses per focusable element of the page
    /// (their number depends on the data shown: jobs, replays, schedules) do not get there.
    /// </summary>
    private static async Task TabToAsync(IPage page, string selector)
    {
        var focusable = await page.EvaluateAsync<int>(
            "() => document.querySelectorAll('a[href], button, input, select, textarea, summary, [tabindex]:not([tabindex=\"-1\"])').length");
        // Twice round the page: a row another test's job adds between the count and the presses must not fail the walk.
        for (var i = 0; i <= (2 * focusable) + 2; i++)
        {
            await page.Keyboard.PressAsync("Tab");
            if (await page.EvaluateAsync<bool>("s => document.activeElement?.matches(s) ?? false", selector))
            {
                return;
            }
        }

        Assert.Fail($"Tab never reached {selector}.");
    }

    [GeneratedRegex(@"\S")]
    private static partial Regex NotBlank();
}
