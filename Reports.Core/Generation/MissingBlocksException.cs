namespace Reports.Core.Generation;

/// <summary>
/// Storage no longer holds blocks the file is made of (it came back empty, or the blocks were removed): committing
/// them can never succeed, however often it is retried. The job must start its file again from the start.
/// </summary>
public sealed class MissingBlocksException(string fileName, Exception? inner = null)
    : Exception($"Storage no longer holds every block of {fileName}; the file must be written again from the start.", inner);
