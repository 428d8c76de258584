using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Reports.Core.Telemetry;

public static class TelemetryServiceExtensions
{
    /// <summary>Registers <see cref="QueueDepthGauges"/> and creates them when the host starts (a worker's job).</summary>
    public static IServiceCollection AddQueueDepthGauges(this IServiceCollection services)
    {
        services.AddSingleton<QueueDepthGauges>();
        services.AddHostedService<GaugeActivation>();
        return services;
    }

    /// <summary>Observable gauges exist once created: this resolves them at start.</summary>
    private sealed class GaugeActivation(QueueDepthGauges gauges) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            GC.KeepAlive(gauges);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
