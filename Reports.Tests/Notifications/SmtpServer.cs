using Reports.LocalServers;

namespace Reports.Tests.Notifications;

/// <summary>A real SMTP server process (aiosmtpd, from Debian) on a free loopback port, keeping every message in a maildir.</summary>
internal sealed class SmtpServer : IAsyncDisposable
{
    private readonly ChildProcess _process;

    private SmtpServer(ChildProcess process, int port, string maildir)
    {
        _process = process;
        Port = port;
        Maildir = maildir;
    }

    public int Port { get; }

    public string Maildir { get; }

    /// <summary>Where <see cref="StartPlaintextAuthAsync"/>'s server writes every credential it is sent.</summary>
    private string CredentialsFile => Maildir + ".credentials";

    /// <summary>No AUTH, no STARTTLS: accepts every message.</summary>
    public static Task<SmtpServer> StartAsync() =>
        StartAsync((port, maildir) => ["-m", "aiosmtpd", "-n", "-l", $"127.0.0.1:{port}", "-c", "aiosmtpd.handlers.Mailbox", maildir]);

    /// <summary>AUTH offered without STARTTLS (a stripped offer), accepting any credential and recording it.</summary>
    public static Task<SmtpServer> StartPlaintextAuthAsync() =>
        StartAsync((port, maildir) => [Path.Combine(AppContext.BaseDirectory, "Notifications", "plaintext_auth_smtp.py"), $"{port}", maildir, maildir + ".credentials"]);

    /// <summary>Every credential the server was sent, as it recorded them (empty when none was).</summary>
    public string CredentialsSeen() => File.Exists(CredentialsFile) ? File.ReadAllText(CredentialsFile) : "";

    /// <summary>The raw text of every message received so far.</summary>
    public IReadOnlyList<string> Messages() =>
        Directory.Exists(Path.Combine(Maildir, "new"))
            ? [.. Directory.GetFiles(Path.Combine(Maildir, "new")).Select(File.ReadAllText)]
            : [];

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        try
        {
            Directory.Delete(Maildir, recursive: true);
            File.Delete(CredentialsFile);
        }
        catch (IOException)
        {
            // A temp folder left behind is harmless.
        }
    }

    private static async Task<SmtpServer> StartAsync(Func<int, string, string[]> arguments)
    {
        var port = FreePort.Next();
        var maildir = Path.Combine(Path.GetTempPath(), "reports-smtp-" + Guid.NewGuid().ToString("N")[..10]);
        var process = ChildProcess.Start("/usr/bin/python3", arguments(port, maildir), _ => { });
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await Readiness.WaitAsync("smtp", process, ct => FreePort.AcceptsAsync(port, ct), TimeSpan.FromSeconds(30), timeout.Token);
        return new SmtpServer(process, port, maildir);
    }
}
