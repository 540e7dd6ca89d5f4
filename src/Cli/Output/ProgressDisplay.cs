using System.Globalization;
using Autograd.Cluster.Client.Jobs;
using Autograd.Cluster.Contracts.Status;

namespace Autograd.Cluster.Cli.Output;

/// <summary>
/// Shows a job's progress: on a terminal one line redrawn in place (epoch, bar, step, loss, accuracy, samples/s, ETA);
/// otherwise the same line printed at most every <see cref="PlainInterval"/>. Finished epochs and the job's events get
/// lines of their own either way.
/// </summary>
internal sealed class ProgressDisplay(CliConsole console, TimeProvider time)
{
    /// <summary>How often a plain (non-terminal) progress line is printed.</summary>
    public static readonly TimeSpan PlainInterval = TimeSpan.FromSeconds(2);

    private const int BarWidth = 20;

    private long? _firstStep;
    private long _firstSeen;
    private long _lastPlain;
    private int _epochsShown;
    private int _drawnWidth;

    public void Show(JobProgress progress)
    {
        long now = time.GetTimestamp();
        if (_firstStep is null && progress.State == JobState.Running)
        {
            _firstStep = progress.Step;
            _firstSeen = now;
        }

        // In the job's order: each "epoch" event stands for the next finished epoch's summary line.
        var epochs = progress.Status.EpochHistory;
        foreach (var e in progress.NewEvents.Where(e => !e.Kind.StartsWith("checkpoint", StringComparison.Ordinal)))
        {
            if (e.Kind != "epoch") Line($"[{e.Kind}] {e.Message}");
            else if (_epochsShown < epochs.Length) Line(Epoch(epochs[_epochsShown++], progress.Epochs));
        }

        while (_epochsShown < epochs.Length) Line(Epoch(epochs[_epochsShown++], progress.Epochs));

        if (progress.IsFinished || progress.State != JobState.Running) return;
        string line = Format(progress, now);
        if (console.Interactive)
        {
            console.Out.Write("\r" + line.PadRight(_drawnWidth));
            _drawnWidth = line.Length;
        }
        else if (_lastPlain == 0 || time.GetElapsedTime(_lastPlain, now) >= PlainInterval)
        {
            console.Out.WriteLine(line);
            _lastPlain = now;
        }
    }

    /// <summary>Ends the redrawn line, so that what follows starts on its own.</summary>
    public void Finish()
    {
        if (console.Interactive && _drawnWidth > 0) console.Out.WriteLine();
        _drawnWidth = 0;
    }

    internal string Format(JobProgress p, long now)
    {
        var parts = new List<string>
        {
            $"epoch {Math.Min(p.Epoch + 1, Math.Max(p.Epochs, 1))}/{p.Epochs}",
            $"[{new string('#', (int)Math.Round(p.Fraction * BarWidth))}{new string('-', BarWidth - (int)Math.Round(p.Fraction * BarWidth))}] {p.Fraction * 100:0}%",
            $"step {p.Step}/{p.TotalSteps}",
        };
        if (p.Loss is { } loss) parts.Add($"loss {loss:0.0000}");
        if (p.Accuracy is { } accuracy) parts.Add($"acc {accuracy * 100:0.0}%");
        if (p.SamplesPerSecond > 0) parts.Add($"{Rate(p.SamplesPerSecond)} samples/s");
        if (Eta(p, now) is { } eta) parts.Add($"ETA {Duration(eta)}");
        return string.Join("  ", parts);
    }

    private TimeSpan? Eta(JobProgress p, long now)
    {
        if (_firstStep is not { } first || p.Step <= first) return null;
        var elapsed = time.GetElapsedTime(_firstSeen, now);
        return TimeSpan.FromSeconds(elapsed.TotalSeconds * (p.TotalSteps - p.Step) / (p.Step - first));
    }

    private void Line(string text)
    {
        if (console.Interactive && _drawnWidth > 0)
        {
            console.Out.Write("\r" + new string(' ', _drawnWidth) + "\r");
            _drawnWidth = 0;
        }

        console.Out.WriteLine(text);
    }

    internal static string Epoch(EpochMetrics e, int epochs)
    {
        var parts = new List<string> { $"epoch {e.Epoch + 1}/{epochs}: loss {e.MeanLoss:0.0000}" };
        if (e.Accuracy is { } a) parts.Add($"accuracy {a * 100:0.00}%");
        if (e.TestLoss is { } tl) parts.Add($"test loss {tl:0.0000}");
        if (e.TestAccuracy is { } ta) parts.Add($"test accuracy {ta * 100:0.00}%");
        // The epoch's wall clock holds its evaluation and checkpoint; the training steps' own rate is what a training
        // script that times its step loop (as PyTorch examples do) would print.
        parts.Add($"{Rate(e.SamplesPerSecond)} samples/s" + (e.TrainingSamplesPerSecond is { } training ? $" ({Rate(training)}/s in training steps)" : string.Empty));
        parts.Add($"{e.Seconds:0.0} s");
        return string.Join(", ", parts);
    }

    internal static string Rate(double perSecond) => perSecond >= 10_000
        ? (perSecond / 1000).ToString("0.0", CultureInfo.InvariantCulture) + "k"
        : perSecond.ToString("0", CultureInfo.InvariantCulture);

    internal static string Duration(TimeSpan t) => t.TotalHours >= 1
        ? $"{(int)t.TotalHours}:{t.Minutes:00}:{t.Seconds:00}"
        : $"{(int)t.TotalMinutes}:{t.Seconds:00}";
}
