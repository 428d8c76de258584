namespace Reports.Worker.Webhooks;

/// <summary>A webhook target that the SSRF policy refuses: permanent, so the delivery fails without retrying.</summary>
public sealed class WebhookTargetRefusedException : Exception
{
    public WebhookTargetRefusedException()
    {
    }

    public WebhookTargetRefusedException(string message)
        : base(message)
    {
    }

    public WebhookTargetRefusedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
