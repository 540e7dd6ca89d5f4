using System.Globalization;

namespace Autograd.Bench;

/// <summary>The arguments of <c>bench soak</c>.</summary>
internal sealed record SoakOptions
{
    /// <summary>How long the three jobs are sized to train (<c>--minutes</c>, default 10).</summary>
    public double Minutes { get; init; } = 10;

    /// <summary>The start of the soak that memory growth is not measured from (<c>--warmup-minutes</c>, default 2, or a fifth of a shorter soak).</summary>
    public double WarmupMinutes { get; init; } = 2;

    /// <summary>
    /// How long the three jobs' step rates are measured before the soak, once each has finished its first epoch side
    /// by side with the others (<c>--calibrate-seconds</c>, default 30).
    /// </summary>
    public int CalibrateSeconds { get; init; } = 30;

    /// <summary>Engine threads per silo (<c>--threads</c>, default 1: three silos share this machine's cores).</summary>
    public int Threads { get; init; } = 1;

    /// <summary>Silo processes (<c>--silos</c>, default 3).</summary>
    public int Silos { get; init; } = 3;

    /// <summary>Parses <c>--minutes M --warmup-minutes W --calibrate-seconds C --threads T --silos N</c>.</summary>
    public static SoakOptions Parse(string[] args)
    {
        var options = new SoakOptions();
        bool warmupGiven = false;
        for (int i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"soak: {args[i]} needs a value");
            switch (args[i])
            {
                case "--minutes": options = options with { Minutes = Positive(args[i], double.Parse(Value(), CultureInfo.InvariantCulture)) }; break;
                case "--warmup-minutes": options = options with { WarmupMinutes = double.Parse(Value(), CultureInfo.InvariantCulture) }; warmupGiven = true; break;
                case "--calibrate-seconds": options = options with { CalibrateSeconds = (int)Positive(args[i], int.Parse(Value(), CultureInfo.InvariantCulture)) }; break;
                case "--threads": options = options with { Threads = (int)Positive(args[i], int.Parse(Value(), CultureInfo.InvariantCulture)) }; break;
                case "--silos": options = options with { Silos = (int)Positive(args[i], int.Parse(Value(), CultureInfo.InvariantCulture)) }; break;
                default: throw new ArgumentException($"soak: unknown argument '{args[i]}'");
            }
        }

        if (!warmupGiven) options = options with { WarmupMinutes = Math.Min(2, options.Minutes / 5) };
        if (options.WarmupMinutes < 0 || options.WarmupMinutes >= options.Minutes)
            throw new ArgumentException($"soak: --warmup-minutes must be at least 0 and less than --minutes ({options.Minutes}), got {options.WarmupMinutes}");
        return options;
    }

    private static double Positive(string name, double value) =>
        value > 0 ? value : throw new ArgumentException($"soak: {name} must be positive, got {value}");
}
