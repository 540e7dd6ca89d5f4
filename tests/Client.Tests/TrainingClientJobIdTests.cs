using System.Globalization;
using System.Text.RegularExpressions;
using Autograd.Cluster.Client.Jobs;
using Autograd.Cluster.Client.Tests.Support;
using Autograd.Cluster.Contracts;
using Xunit;

namespace Autograd.Cluster.Client.Tests;

/// <summary>
/// Job isolation: a job is reached only through its id, and ids cannot be guessed. Ids are 128 random bits (every bit
/// varies, unlike a GUID's); ids next to a real one, or shaped like a counter, find no job and no weights.
/// </summary>
public sealed partial class TrainingClientJobIdTests(LocalClusterFixture cluster)
{
    private const int Samples = 20_000;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public void NewJobId_Is32LowercaseHexDigits_AndNeverRepeats()
    {
        var ids = Enumerable.Range(0, Samples).Select(_ => TrainingClient.NewJobId()).ToList();

        Assert.All(ids, id => Assert.Matches(HexId(), id));
        Assert.Equal(Samples, ids.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void NewJobId_EveryOneOf128BitsVaries_AsUniformRandomBitsDo()
    {
        // Each bit of a uniform random id is 1 with probability 1/2: over 20,000 ids its count of ones is 10,000 with a
        // standard deviation of about 71, so 45-55 % is a 14-sigma band. A version-4 GUID has 6 bits that never change
        // (version and variant); a counter or a clock would leave most high bits fixed.
        var ones = new int[128];
        for (int n = 0; n < Samples; n++)
        {
            string id = TrainingClient.NewJobId();
            for (int nibble = 0; nibble < 32; nibble++)
            {
                int value = int.Parse(id.AsSpan(nibble, 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                for (int bit = 0; bit < 4; bit++) ones[(nibble * 4) + bit] += (value >> bit) & 1;
            }
        }

        var skewed = Enumerable.Range(0, 128).Where(b => ones[b] < Samples * 0.45 || ones[b] > Samples * 0.55).ToList();
        Assert.True(skewed.Count == 0, $"bits {string.Join(", ", skewed.Select(b => $"{b} ({ones[b]} ones)"))} are not uniform");
    }

    [Fact]
    public async Task GetJobAsync_IdsNextToARealOneOrShapedLikeACounter_FindNoJobAndNoWeights()
    {
        var job = await cluster.Client.SubmitAsync(TestJobs.Tiny(epochs: 1), cancellationToken: Token);
        await job.WaitAsync(cancellationToken: Token);
        string real = job.JobId;
        string[] guesses =
        [
            Neighbour(real, 31, +1), Neighbour(real, 31, -1), Neighbour(real, 0, +1), real.ToUpperInvariant(), real[..31], real + "0",
            "00000000000000000000000000000000", "00000000000000000000000000000001", "1", "2", "job-1",
        ];

        foreach (string guess in guesses)
        {
            var error = await Assert.ThrowsAsync<JobNotFoundException>(() => cluster.Client.GetJobAsync(guess, Token));
            Assert.Equal(guess, error.JobId);
            // Straight to the grain, past the client's check: no spec, so no parameters to read.
            var grain = cluster.Client.Grains.GetGrain<ITrainingJobGrain>(guess);
            await Assert.ThrowsAnyAsync<Exception>(() => grain.GetParameterLayoutAsync());
        }

        // The real id still reaches its job and its weights.
        Assert.Equal(real, (await cluster.Client.GetJobAsync(real, Token)).JobId);
        Assert.NotEmpty((await cluster.Client.Grains.GetGrain<ITrainingJobGrain>(real).GetParameterLayoutAsync()).Entries);
    }

    private static string Neighbour(string id, int position, int step)
    {
        int digit = int.Parse(id.AsSpan(position, 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        return string.Concat(id.AsSpan(0, position), ((digit + step + 16) % 16).ToString("x", CultureInfo.InvariantCulture), id.AsSpan(position + 1));
    }

    [GeneratedRegex("^[0-9a-f]{32}$")]
    private static partial Regex HexId();
}
