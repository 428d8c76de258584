using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Reports.LocalServers;

namespace Reports.Tests.ServiceDefaults;

public sealed class LoggingSettingsTests
{
    /// <summary>
    /// Aspire's Npgsql integration gives Npgsql the host's loggers, and Npgsql logs every command it runs at Information:
    /// a record per statement exported to the dashboard (several per job). The services keep Npgsql's warnings only.
    /// </summary>
    [Theory]
    [InlineData("Reports.Api")]
    [InlineData("Reports.Worker")]
    public void The_services_log_npgsql_warnings_but_not_every_command(string project)
    {
        var configuration = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(ToolPaths.RepositoryRoot, project, "appsettings.json"), optional: false)
            .Build();
        using var loggers = LoggerFactory.Create(logging => logging.AddConfiguration(configuration.GetSection("Logging")).AddProvider(new NothingProvider()));

        var npgsql = loggers.CreateLogger("Npgsql.Command");
        var ours = loggers.CreateLogger("Reports.Worker.JobRunner");

        Assert.False(npgsql.IsEnabled(LogLevel.Information));
        Assert.True(npgsql.IsEnabled(LogLevel.Warning));
        Assert.True(ours.IsEnabled(LogLevel.Information));
    }

    private sealed class NothingProvider : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Nothing();

        public void Dispose()
        {
        }

        private sealed class Nothing : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
            }
        }
    }
}
