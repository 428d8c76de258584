using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Reports.Tests.Integration;

/// <summary>
/// Starts an in-process host that must refuse to start, and returns the text of its error. A failed start can reach
/// <see cref="WebApplicationFactory{TEntryPoint}"/> as an <see cref="ObjectDisposedException"/> of the service provider
/// instead of the host's own error (the factory reads the services the failed host has already disposed: a race in the
/// factory, not in our start), so a start that lost that race is tried again on a new factory, a few times at most.
/// </summary>
internal static class StartFailure
{
    private const int Attempts = 5;

    /// <returns>The messages of the error and of every exception inside it, in one line.</returns>
    public static async Task<string> MessageAsync<TEntryPoint>(Action<IWebHostBuilder> configure) where TEntryPoint : class
    {
        for (var attempt = 1; ; attempt++)
        {
            await using var factory = new WebApplicationFactory<TEntryPoint>().WithWebHostBuilder(configure);
            var error = Assert.ThrowsAny<Exception>(() => _ = factory.Services);
            if (!LostTheDisposalRace(error) || attempt == Attempts)
            {
                return Flatten(error);
            }
        }
    }

    private static bool LostTheDisposalRace(Exception error) => error switch
    {
        ObjectDisposedException => true,
        AggregateException all => all.InnerExceptions.All(LostTheDisposalRace),
        _ => false,
    };

    private static string Flatten(Exception e) => e is AggregateException all
        ? string.Join(" ", all.InnerExceptions.Select(Flatten))
        : e.Message + (e.InnerException is { } inner ? " " + Flatten(inner) : "");
}
