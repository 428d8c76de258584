using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Reports.Api.Auth;

/// <summary>
/// Reads the identity provider's discovery document and signing keys at start, waiting at most
/// <see cref="JwtOptions.KeysStartTimeout"/> (the API starts without them: API keys keep working), then again in the
/// background with a growing pause (1 s doubling to 30 s) until they are read. Until then every token is answered 503 with
/// <c>Retry-After</c> at once (<see cref="JwtSignIn"/>), from the last failure kept here: no request waits on the provider.
/// Once read, the token handler's configuration manager refreshes them on its own.
/// </summary>
internal sealed class IdentityProviderKeys(
    IOptionsMonitor<JwtBearerOptions> bearer, IOptions<JwtOptions> options, TimeProvider time, ILogger<IdentityProviderKeys> logger) : BackgroundService
{
    private static readonly TimeSpan FirstPause = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan LongestPause = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(30);

    private readonly TaskCompletionSource _firstAttempt = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile ProviderKeysState _state = new(Ready: false, Keys: 0, ReadAt: null, Failure: null, NextAttemptAt: null, Attempts: 0);

    public ProviderKeysState Current => _state;

    /// <summary>How long a caller should wait before retrying: until the next attempt to read the keys (1 to 30 s).</summary>
    public TimeSpan RetryAfter()
    {
        var wait = (_state.NextAttemptAt ?? time.GetUtcNow()) - time.GetUtcNow();
        return TimeSpan.FromSeconds(Math.Clamp(Math.Ceiling(wait.TotalSeconds), 1, LongestPause.TotalSeconds));
    }

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await base.StartAsync(cancellationToken);
        if (!options.Value.Enabled)
        {
            return;
        }

        try
        {
            await _firstAttempt.Task.WaitAsync(options.Value.KeysStartTimeout, time, cancellationToken);
        }
        catch (TimeoutException)
        {
            logger.LogWarning("The identity provider's signing keys were not read within {Timeout}; the API starts without them and keeps trying "
                + "(tokens are answered 503 until then, API keys work)", options.Value.KeysStartTimeout);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled || bearer.Get(JwtSignIn.SchemeName).ConfigurationManager is not { } manager)
        {
            _firstAttempt.TrySetResult();
            return;
        }

        var pause = FirstPause;
        for (var attempt = 1; ; attempt++)
        {
            _state = _state with { Attempts = attempt };
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                timeout.CancelAfter(AttemptTimeout);
                var configuration = await manager.GetConfigurationAsync(timeout.Token);
                _state = new ProviderKeysState(Ready: true, Keys: configuration.SigningKeys.Count, ReadAt: time.GetUtcNow(), Failure: null, NextAttemptAt: null, Attempts: attempt);
                _firstAttempt.TrySetResult();
                logger.LogInformation("Read {Keys} signing key(s) of the identity provider", configuration.SigningKeys.Count);
                return;
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // The library's message wraps the cause (IDX…): keep the innermost, which says what went wrong.
                var reason = e.GetBaseException().Message;
                _state = _state with { Failure = reason, NextAttemptAt = time.GetUtcNow() + pause };
                _firstAttempt.TrySetResult();
                logger.LogWarning("Cannot read the identity provider's signing keys ({Error}); retrying in {Pause}", reason, pause);
            }

            await Task.Delay(pause, time, stoppingToken);
            pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, LongestPause.Ticks));
        }
    }
}

/// <summary>What is known of the provider's keys: read (how many, when), or the last failure and when the next attempt is.</summary>
internal sealed record ProviderKeysState(bool Ready, int Keys, DateTimeOffset? ReadAt, string? Failure, DateTimeOffset? NextAttemptAt, int Attempts);

/// <summary>
/// Healthy when sign-in is off or the provider's keys were read; Degraded (with the reason) while they cannot be read: tokens
/// are refused with 503 then, but API keys keep working, so the API stays ready.
/// </summary>
internal sealed class IdentityProviderHealthCheck(IdentityProviderKeys keys, IOptions<JwtOptions> options) : IHealthCheck
{
    public const string Name = "identity-provider";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!options.Value.Enabled)
        {
            return Task.FromResult(HealthCheckResult.Healthy("Sign-in with an identity provider is off."));
        }

        var state = keys.Current;
        var data = new Dictionary<string, object> { ["attempts"] = state.Attempts };
        if (state.Ready)
        {
            data["keys"] = state.Keys;
            data["readAt"] = state.ReadAt!.Value;
            return Task.FromResult(HealthCheckResult.Healthy($"{state.Keys} signing key(s) of the identity provider read.", data));
        }

        if (state.NextAttemptAt is { } next)
        {
            data["nextAttemptAt"] = next;
        }

        return Task.FromResult(HealthCheckResult.Degraded(state.Failure is null
            ? "The identity provider's signing keys are being read; tokens are answered 503 until then."
            : $"The identity provider's signing keys cannot be read: {state.Failure} Tokens are answered 503 until they are; API keys work.", data: data));
    }
}
