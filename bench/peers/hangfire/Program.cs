using System.Text.Json;
using Reports.Bench.Peers;
using Reports.Bench.Peers.Hangfire;

// Benchmark scenario 6, the Hangfire peer: N no-op jobs through Hangfire 1.8 on Redis or PostgreSQL (see PeerRun for
// the protocol). Prints one JSON line on stdout; exits 2 on a bad command line, 3 when it overran its time limit.
var (options, error) = PeerOptions.Parse(args, Environment.GetEnvironmentVariable("PEER_CONNECTION"));
if (options is null)
{
    Console.Error.WriteLine($"Reports.Bench.Peers.Hangfire: {error}");
    return 2;
}

// Hangfire's client and storage calls are synchronous and block pool threads while Redis and Npgsql complete their I/O
// on the same pool: start with enough threads that the submitters never starve it.
ThreadPool.SetMinThreads(64, 64);

// Bounded whatever happens, even inside Hangfire's synchronous calls.
using var limit = new CancellationTokenSource(options.Timeout);
using var overrun = limit.Token.Register(() =>
{
    Console.Error.WriteLine($"[{options.PeerName}] did not finish within {options.Timeout}");
    Environment.Exit(3);
});

var result = await PeerRun.RunAsync(options, limit.Token);
Console.WriteLine(JsonSerializer.Serialize(result, PeerJson.Default.PeerResult));
return 0;
