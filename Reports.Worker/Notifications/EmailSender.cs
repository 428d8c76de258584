using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;
using Reports.Core.Notifications;
using Reports.Core.Storage;

namespace Reports.Worker.Notifications;

/// <summary>
/// Sends pending report emails through SMTP, claimed with SKIP LOCKED so any number of workers can run it. A send that
/// succeeded but was not recorded (a crash in between) is sent again after the claim expires: delivery is at least once,
/// and the Message-Id is the notification id, so mail systems and people can tell a repeat.
/// </summary>
internal sealed class EmailSender(
    NotificationStore notifications, JobStore jobs, IOptions<EmailOptions> options, TimeProvider time, ILogger<EmailSender> logger) : BackgroundService
{
    private static readonly TimeSpan Claim = TimeSpan.FromMinutes(2);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (string.IsNullOrWhiteSpace(options.Value.Host))
        {
            logger.LogInformation("No Reports:Email:Host: report emails are not sent");
            return;
        }

        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                foreach (var email in await notifications.ClaimEmailsAsync(10, Claim, stoppingToken))
                {
                    await SendOneAsync(email, stoppingToken);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning("Email pass failed ({Error})", e.Message);
            }
        }
    }

    private async Task SendOneAsync(Notification email, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        try
        {
            var job = await jobs.GetAsync(email.JobId, owner: null, cancellationToken)
                ?? throw new InvalidOperationException($"Report {email.JobId} no longer exists.");
            var (subject, body) = ReportEmail.Compose(job, settings.PublicBaseUrl);
            using var message = new MimeMessage();
            message.From.Add(MailboxAddress.Parse(settings.From));
            message.To.Add(MailboxAddress.Parse(email.Recipient));
            message.Subject = subject;
            message.MessageId = $"{email.Id:N}@reports";
            message.Body = new TextPart("plain") { Text = body };

            using var smtp = new SmtpClient { Timeout = 30_000 };
            await ConnectAsync(smtp, settings, cancellationToken);
            if (settings.Username is { Length: > 0 } user)
            {
                await smtp.AuthenticateAsync(user, settings.Password ?? "", cancellationToken);
            }

            await smtp.SendAsync(message, cancellationToken);
            await smtp.DisconnectAsync(quit: true, cancellationToken);
            await notifications.MarkSentAsync(email.Id, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            var retryAt = email.Attempts < settings.MaxAttempts
                ? time.GetUtcNow() + TimeSpan.FromSeconds(Math.Min(3600, 5 * Math.Pow(2, email.Attempts)))
                : (DateTimeOffset?)null;
            await notifications.MarkFailedAsync(email.Id, $"{e.GetType().Name}: {e.Message}", retryAt, cancellationToken);
            logger.LogWarning("Email {NotificationId} to {Recipient} failed: {Error}", email.Id, email.Recipient, e.Message);
        }
    }

    /// <summary>
    /// With <see cref="EmailOptions.UseTls"/>, TLS is required, never opportunistic: implicit TLS on port 465, STARTTLS
    /// otherwise, and a server (or a man in the middle stripping the STARTTLS offer) without it fails the send before
    /// any credential or message is written in clear.
    /// </summary>
    private static async Task ConnectAsync(SmtpClient smtp, EmailOptions settings, CancellationToken cancellationToken)
    {
        var security = !settings.UseTls ? SecureSocketOptions.None
            : settings.Port == 465 ? SecureSocketOptions.SslOnConnect
            : SecureSocketOptions.StartTls;
        try
        {
            await smtp.ConnectAsync(settings.Host!, settings.Port, security, cancellationToken);
        }
        catch (NotSupportedException e) when (security == SecureSocketOptions.StartTls)
        {
            throw new SmtpTlsRequiredException(
                "The SMTP server did not offer STARTTLS and Reports:Email:UseTls requires TLS: nothing was sent (no credentials, no message).", e);
        }

        if (settings.UseTls && !smtp.IsSecure)
        {
            throw new SmtpTlsRequiredException("The SMTP connection is not encrypted and Reports:Email:UseTls requires TLS: nothing was sent.");
        }
    }
}
