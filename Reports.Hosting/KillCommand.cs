using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Reports.LocalServers;

namespace Reports.Hosting;

/// <summary>A dashboard command that kills a replica's process, as a crash would, to watch another replica take its work over.</summary>
public static class KillCommand
{
    /// <summary>The process DCP started for a resource (a project's is its <c>dotnet run</c> launcher), from its snapshot.</summary>
    public static int? ProcessId(CustomResourceSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        return Convert.ToString(snapshot.Properties.FirstOrDefault(p => p.Name == "executable.pid")?.Value, CultureInfo.InvariantCulture) is { } text
            && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : null;
    }

    /// <summary>Kill (SIGKILL) one worker replica's process, as a crash would; its jobs are taken over after their lease.</summary>
    public static IResourceBuilder<ProjectResource> WithKillCommand(this IResourceBuilder<ProjectResource> worker)
    {
        ArgumentNullException.ThrowIfNull(worker);
        var assembly = Path.GetFileNameWithoutExtension(worker.Resource.GetProjectMetadata().ProjectPath);
        return worker.WithCommand("kill", "Kill (SIGKILL)", context =>
        {
            var notifications = context.Services.GetRequiredService<ResourceNotificationService>();
            if (!notifications.TryGetCurrentState(context.ResourceName, out var current) || ProcessId(current.Snapshot) is not { } launcher)
            {
                return Task.FromResult(CommandResults.Failure("The replica has no running process."));
            }

            // DCP may start a replica outside the AppHost's process tree (under Aspire.Hosting.Testing it does), so the
            // pid is checked by what runs there: a process id reused by another program is never signalled.
            var program = ProcessTree.Program(launcher);
            if (program == launcher && ProcessTree.IsLauncher(launcher))
            {
                // Killing the launcher would orphan the worker it is about to start: an unmanaged worker holding jobs.
                return Task.FromResult(CommandResults.Failure("The replica's worker has not started yet; try again in a moment."));
            }

            if (!ProcessTree.CommandLine(program).Any(argument => argument.Contains(assembly, StringComparison.Ordinal)))
            {
                return Task.FromResult(CommandResults.Failure($"Process {program} is not a {assembly} of this AppHost; nothing was killed."));
            }

            return Task.FromResult(Signals.Send(program, Signals.SigKill)
                ? CommandResults.Success()
                : CommandResults.Failure($"Could not signal process {program}."));
        }, new CommandOptions
        {
            Description = "Kills this replica's process without warning; its running job is taken over by another worker once its lease expires.",
            ConfirmationMessage = "Kill this worker replica?",
            IconName = "Delete",
            UpdateState = context => context.ResourceSnapshot.State?.Text == KnownResourceStates.Running ? ResourceCommandState.Enabled : ResourceCommandState.Disabled,
        });
    }
}
