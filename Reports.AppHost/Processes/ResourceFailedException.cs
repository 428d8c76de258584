namespace Reports.AppHost.Processes;

/// <summary>A resource that cannot run (or a one-shot that failed): the AppHost reports it and stops.</summary>
internal sealed class ResourceFailedException : Exception
{
    public ResourceFailedException()
    {
    }

    public ResourceFailedException(string message)
        : base(message)
    {
    }

    public ResourceFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
