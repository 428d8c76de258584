namespace Reports.Core.Notifications;

/// <summary>SMTP for report emails (<c>Reports:Email</c>); no emails are sent while <see cref="Host"/> is empty.</summary>
public sealed class EmailOptions
{
    public const string SectionName = "Reports:Email";

    public string? Host { get; set; }

    public int Port { get; set; } = 587;

    /// <summary>
    /// Require TLS (on by default): implicit TLS on port 465, STARTTLS on any other port. A server that does not offer it
    /// fails the send, so credentials and messages never cross the network in clear. Off only for a local test server.
    /// </summary>
    public bool UseTls { get; set; } = true;

    public string? Username { get; set; }

    public string? Password { get; set; }

    public string From { get; set; } = "reports@localhost";

    /// <summary>Where people open the web page; emails link to the report there, never to a short-lived file URL.</summary>
    public Uri PublicBaseUrl { get; set; } = new("http://localhost:5080/");

    /// <summary>Attempts per email before it is marked failed.</summary>
    public int MaxAttempts { get; set; } = 8;
}
