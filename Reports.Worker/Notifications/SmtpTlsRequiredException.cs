namespace Reports.Worker.Notifications;

/// <summary>TLS was required (<c>Reports:Email:UseTls</c>) and the SMTP connection could not have it: nothing was sent.</summary>
public sealed class SmtpTlsRequiredException : Exception
{
    public SmtpTlsRequiredException()
    {
    }

    public SmtpTlsRequiredException(string message)
        : base(message)
    {
    }

    public SmtpTlsRequiredException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
