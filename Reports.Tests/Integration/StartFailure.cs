using System.Collections.Concurrent;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Reports.Tests.Integration;

/// <summary>
/// Starts an in-process host that must refuse to start, and returns the text of its error. A failed start can reach
/// <see cref="WebApplicationFactory{TEntryPoint}"/> as an <see cref="ObjectDisposedException"/> of the service provider
/// instead of the host's own error (the factory reads the services the failed host has already disposed: a race in the
/// factory, not in our start). The host logs its own error before it is disposed ("Hosting failed to start"), so a start
/// that lost that race answers with the error the host logged; one that logged nothing is tried again, a few times.
/// </summary>
internal static class StartFailure
{
    private const int Attempts = 5;

    /// <returns>The messages of the error and of every exception inside it, in one line.</returns>
    public static async Task<string> MessageAsync<TEntryPoint>(Action<IWebHostBuilder> configure) where TEntryPoint : class
    {
        for (var attempt = 1; ; attempt++)
        {
            var logged = new LoggedErrors();
            await using var factory = new WebApplicationFactory<TEntryPoint>().WithWebHostBuilder(b =>
            {
                configure(b);
                b.ConfigureServices(services => services.AddSingleton<ILoggerProvider>(logged));
            });
            var error = Assert.ThrowsAny<Exception>(() => _ = factory.Services);
            if (!LostTheDisposalRace(error))
            {
                return Flatten(error);
            }
            if (!logged.Errors.IsEmpty)
            {
                return string.Join(" ", logged.Errors.Select(Flatten));
            }
            if (attempt == Attempts)
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

    /// <summary>The exceptions the host logged as errors while it started.</summary>
    private sealed class LoggedErrors : ILoggerProvider, ILogger
    {
        public ConcurrentQueue<Exception> Errors { get; } = new();

        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel >= LogLevel.Error && exception is not null and not ObjectDisposedException)
            {
                Errors.Enqueue(exception);
            }
        }

        public void Dispose()
        {
        }
    }
}
