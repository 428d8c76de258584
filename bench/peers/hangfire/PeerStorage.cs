using Hangfire;

namespace Reports.Bench.Peers.Hangfire;

/// <summary>Hangfire's storage on the system's server, in a place of its own that is emptied before and after a run.</summary>
internal interface IPeerStorage : IAsyncDisposable
{
    JobStorage Jobs { get; }
}

internal static class PeerStorage
{
    /// <summary>Opens the storage <paramref name="options"/> name, emptied of anything an earlier run left.</summary>
    public static async Task<IPeerStorage> OpenEmptyAsync(PeerOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Storage == PeerStorageKind.Redis
            ? await RedisPeerStorage.OpenEmptyAsync(options.Connection, cancellationToken)
            : await PostgresPeerStorage.OpenEmptyAsync(options.Connection, cancellationToken);
    }
}
