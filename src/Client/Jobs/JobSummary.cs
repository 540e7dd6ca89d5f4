using Autograd.Cluster.Contracts.Status;

namespace Autograd.Cluster.Client.Jobs;

/// <summary>One line of <see cref="TrainingClient.ListJobsAsync"/>: a registered job and where it stands.</summary>
public sealed record JobSummary(
    string JobId,
    DateTimeOffset SubmittedAt,
    string Description,
    JobState State,
    long Step,
    long TotalSteps,
    int Epoch,
    int Epochs,
    double? Loss,
    double? Accuracy,
    string? FailureReason);
