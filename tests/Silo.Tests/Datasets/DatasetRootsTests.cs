using Autograd.Cluster.Contracts;
using Autograd.Cluster.Contracts.Specs;
using Autograd.Cluster.Silo.Datasets;
using Microsoft.Extensions.Configuration;
using Xunit;

namespace Autograd.Cluster.Silo.Tests.Datasets;

public sealed class DatasetRootsTests : IDisposable
{
    private readonly TempDataFolder _allowed = new();
    private readonly TempDataFolder _other = new();

    public void Dispose()
    {
        _allowed.Dispose();
        _other.Dispose();
    }

    [Fact]
    public void Load_UnderARoot_IsRead_ElsewhereRefusedBeforeLookingAtTheFile()
    {
        var provider = new DatasetProvider(Configured(_allowed.Path));
        string inside = _allowed.Csv("in.csv", "1,0\n2,1\n");
        string outside = _other.Csv("out.csv", "1,0\n2,1\n");

        var data = provider.Load(DatasetSpec.CsvFile(inside, new CsvDataSpec()), LossNames.CrossEntropy);
        var refused = Assert.Throws<JobSpecException>(() => provider.Load(DatasetSpec.CsvFile(outside, new CsvDataSpec()), LossNames.CrossEntropy));
        var escape = Assert.Throws<JobSpecException>(() => provider.Load(DatasetSpec.CsvFile(Path.Combine(_allowed.Path, "..", "etc-passwd"), new CsvDataSpec()), LossNames.CrossEntropy));

        Assert.Equal(2, data.Count);
        Assert.Equal("dataset.path", refused.Field);
        Assert.Contains("outside the dataset folders", refused.Message);
        Assert.Contains("outside the dataset folders", escape.Message);
    }

    [Fact]
    public void Load_LinkUnderARootToAFileElsewhere_IsRefused()
    {
        var provider = new DatasetProvider(Configured(_allowed.Path));
        string target = _other.Csv("secret.csv", "1,0\n");
        string link = Path.Combine(_allowed.Path, "link.csv");
        File.CreateSymbolicLink(link, target);

        var error = Assert.Throws<JobSpecException>(() => provider.Load(DatasetSpec.CsvFile(link, new CsvDataSpec()), LossNames.CrossEntropy));

        Assert.Equal("dataset.path", error.Field);
    }

    [Fact]
    public void Read_RelativeRoot_StopsTheSiloNamingTheKey()
    {
        var error = Assert.Throws<InvalidOperationException>(() => DatasetRoots.Read(Configuration("data")));

        Assert.Contains(DatasetRoots.ConfigurationKey, error.Message);
    }

    private static IConfiguration Configuration(string roots) =>
        new ConfigurationBuilder().AddInMemoryCollection([new(DatasetRoots.ConfigurationKey, roots)]).Build();

    private static IConfiguration Configured(string root) => Configuration($"/nonexistent-root; {root}");
}
