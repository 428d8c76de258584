using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;

namespace Reports.AppHost;

/// <summary>
/// Dashboard commands for what a developer otherwise does by hand: replay the dead letters, reseed the sales dataset at
/// a chosen size (killing a worker replica, to watch another take its job over: Reports.Hosting's KillCommand).
/// </summary>
internal static class DeveloperCommands
{
    /// <summary>Puts every dead-lettered report through again (the api's admin retry, one call per report).</summary>
    public static IResourceBuilder<ProjectResource> WithReplayDeadLettersCommand(this IResourceBuilder<ProjectResource> api, string? adminKey) =>
        api.WithCommand("replay-dead-letters", "Replay dead letters", async context =>
        {
            if (adminKey is null)
            {
                return CommandResults.Failure("No development admin key: set Reports__Auth__BootstrapAdminKey or run in Development.");
            }

            var endpoint = api.GetEndpoint("http");
            using var http = new HttpClient { BaseAddress = new Uri(endpoint.Url), Timeout = TimeSpan.FromSeconds(30) };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adminKey);
            try
            {
                var page = await http.GetFromJsonAsync<DeadLetters>("/api/admin/dead-letters?limit=500", context.CancellationToken);
                var refused = 0;
                foreach (var report in page?.Items ?? [])
                {
                    using var response = await http.PostAsync(new Uri($"/api/admin/reports/{report.Id}/retry", UriKind.Relative), null, context.CancellationToken);
                    refused += response.IsSuccessStatusCode ? 0 : 1;
                }

                return refused == 0 ? CommandResults.Success() : CommandResults.Failure($"{refused} reports could not be replayed; see the api's log.");
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException)
            {
                return CommandResults.Failure($"The api did not answer ({e.Message}); nothing more was replayed.");
            }
        }, new CommandOptions
        {
            Description = "Runs every failed report again from the start (up to 500 at a time).",
            ConfirmationMessage = "Replay every dead-lettered report?",
            IconName = "ArrowRepeatAll",
        });

    /// <summary>Runs the migrate step again with a new dataset size (it reseeds when the size differs).</summary>
    [SuppressMessage("Usage", "ASPIREINTERACTION001", Justification = "Aspire's prompt is the dashboard's way to ask for a value.")]
    public static IResourceBuilder<ProjectResource> WithReseedCommand(this IResourceBuilder<ProjectResource> migrate) =>
        migrate.WithCommand("reseed", "Reseed the dataset", async context =>
        {
#pragma warning disable ASPIREINTERACTION001
            var interactions = context.Services.GetRequiredService<IInteractionService>();
            if (!interactions.IsAvailable)
            {
                return CommandResults.Failure("The dashboard is not running: set Reports__Dataset__Orders and restart migrate.");
            }

            var answer = await interactions.PromptInputAsync("Reseed the sales dataset", "How many orders? (1,000 to 10,000,000)", "Orders", "200000",
                cancellationToken: context.CancellationToken);
#pragma warning restore ASPIREINTERACTION001
            if (answer.Canceled || !long.TryParse(answer.Data?.Value, NumberStyles.AllowThousands, CultureInfo.InvariantCulture, out var orders)
                || orders is < 1_000 or > 10_000_000)
            {
                return CommandResults.Failure("Give a whole number of orders from 1,000 to 10,000,000.");
            }

            migrate.WithEnvironment("Reports__Dataset__Orders", orders.ToString(CultureInfo.InvariantCulture));
            var commands = context.Services.GetRequiredService<ResourceCommandService>();
            var started = await commands.ExecuteCommandAsync(context.ResourceName, KnownResourceCommands.StartCommand, context.CancellationToken);
            return started.Success ? CommandResults.Success() : CommandResults.Failure(started.Message);
        }, new CommandOptions
        {
            Description = "Runs migrate again with the number of orders you give; the api and workers keep running.",
            ConfirmationMessage = "Reseeding replaces the sales dataset: reports running over it now may fail or mix the two datasets. Go on?",
            IconName = "DatabaseArrowUp",
            UpdateState = context => context.ResourceSnapshot.State?.Text == KnownResourceStates.Running ? ResourceCommandState.Disabled : ResourceCommandState.Enabled,
        });

    private sealed record DeadLetters(IReadOnlyList<DeadLetter> Items);

    private sealed record DeadLetter(Guid Id);
}
