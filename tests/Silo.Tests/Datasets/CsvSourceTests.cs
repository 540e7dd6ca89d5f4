using Autograd.Cluster.Contracts;
using Autograd.Cluster.Contracts.Specs;
using Autograd.Cluster.Silo.Datasets;
using Xunit;

namespace Autograd.Cluster.Silo.Tests.Datasets;

public sealed class CsvSourceTests : IDisposable
{
    private readonly TempDataFolder _folder = new();
    private readonly DatasetProvider _provider = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Load_HeaderAndNamedLabelColumn_ClassifiesOnTheOtherColumns()
    {
        string path = _folder.Csv("iris.csv", "a,species,b\n1.5,2,-3\n\n4,0,5e-1\r\n7,1,8\n");

        var data = _provider.Load(DatasetSpec.CsvFile(path, new CsvDataSpec { TargetColumns = ["species"] }), LossNames.CrossEntropy);

        Assert.Equal([3, 2], data.Dataset.Tensors[0].Shape);
        Assert.Equal([1.5f, -3, 4, 0.5f, 7, 8], data.Dataset.Tensors[0].ToArray());
        Assert.Equal([2L, 0, 1], data.Dataset.Tensors[1].ToArray<long>());
        Assert.Equal(3, data.Classes);
    }

    [Fact]
    public void Load_NoHeaderRegression_TakesTheTargetColumnsByIndex()
    {
        string path = _folder.Csv("r.csv", "1;2;3;4\n5;6;7;8\n");
        var csv = new CsvDataSpec { Task = CsvDataSpec.Regression, TargetColumns = ["0", "-1"], Delimiter = ";" };

        var data = _provider.Load(DatasetSpec.CsvFile(path, csv), LossNames.Mse);

        Assert.Equal([2, 2], data.Dataset.Tensors[0].Shape);
        Assert.Equal([2f, 3, 6, 7], data.Dataset.Tensors[0].ToArray());
        Assert.Equal([1f, 4, 5, 8], data.Dataset.Tensors[1].ToArray());
        Assert.Equal([2], data.TargetShape);
    }

    [Fact]
    public void Load_DefaultTarget_IsTheLastColumn()
    {
        string path = _folder.Csv("d.csv", "0.1,0.2,1\n0.3,0.4,0\n");

        var data = _provider.Load(DatasetSpec.CsvFile(path, new CsvDataSpec()), LossNames.CrossEntropy);

        Assert.Equal([1L, 0], data.Dataset.Tensors[1].ToArray<long>());
        Assert.Equal([2], data.SampleShape);
    }

    [Fact]
    public void LoadTest_TestFile_SharesTheTrainingClasses()
    {
        string train = _folder.Csv("train.csv", "x,y\n1,0\n2,3\n");
        string test = _folder.Csv("test.csv", "x,y\n5,3\n6,1\n7,2\n");
        var spec = DatasetSpec.CsvFile(train, new CsvDataSpec { TargetColumns = ["y"] }, test) with { TestLimit = 2 };

        var data = _provider.LoadTest(spec, LossNames.CrossEntropy);

        Assert.NotNull(data);
        Assert.Equal([5f, 6], data.Dataset.Tensors[0].ToArray());
        Assert.Equal([3L, 1], data.Dataset.Tensors[1].ToArray<long>());
        Assert.Equal(4, data.Classes);
    }

    [Fact]
    public void Load_BadValue_NamesTheLineAndTheColumn()
    {
        string path = _folder.Csv("bad.csv", "x1,x2,y\n1,2,0\n3,abc,1\n");

        var error = Assert.Throws<JobSpecException>(() => _provider.Load(DatasetSpec.CsvFile(path, new CsvDataSpec()), LossNames.CrossEntropy));

        Assert.Equal("dataset.path", error.Field);
        Assert.Contains("line 3, column 1 ('x2'): 'abc' is not a finite number", error.Message);
    }

    public static TheoryData<string, string, CsvDataSpec, string, string> BadFiles() => new()
    {
        { "ragged row", "a,b\n1,2\n3\n", new CsvDataSpec(), "dataset.path", "line 3 has 1 fields" },
        { "fractional label", "a,b\n1,2\n3,0.5\n", new CsvDataSpec(), "dataset.path", "line 3, column 1 ('b'): 0.5 is not a class index" },
        { "negative label", "1,2\n3,-1\n", new CsvDataSpec(), "dataset.path", "line 2, column 1: -1 is not a class index" },
        { "infinite input", "1,0\ninf,1\n", new CsvDataSpec(), "dataset.path", "line 2, column 0" },
        { "unknown column", "a,b\n1,0\n", new CsvDataSpec { TargetColumns = ["label"] }, "dataset.csvData.targetColumns", "no column 'label'; the header names a, b" },
        { "name without header", "1,0\n", new CsvDataSpec { TargetColumns = ["label"] }, "dataset.csvData.targetColumns", "no header row" },
        { "index out of range", "1,0\n", new CsvDataSpec { TargetColumns = ["5"] }, "dataset.csvData.targetColumns", "outside" },
        { "every column a target", "1,0\n", new CsvDataSpec { Task = CsvDataSpec.Regression, TargetColumns = ["0", "1"] }, "dataset.csvData.targetColumns", "no column is left" },
        { "two label columns", "1,0,1\n", new CsvDataSpec { TargetColumns = ["1", "2"] }, "dataset.csvData.targetColumns", "one label column" },
        { "unknown task", "1,0\n", new CsvDataSpec { Task = "ranking" }, "dataset.csvData.task", "unknown task 'ranking'" },
        { "digit delimiter", "1,0\n", new CsvDataSpec { Delimiter = "1" }, "dataset.csvData.delimiter", "one character" },
        { "empty file", "\n\n", new CsvDataSpec(), "dataset.path", "is empty" },
        { "header only", "a,b\n", new CsvDataSpec(), "dataset.path", "no samples" },
    };

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void Load_BadFileOrOptions_IsRefusedNamingTheField(string why, string text, CsvDataSpec csv, string field, string message)
    {
        string path = _folder.Csv("f.csv", text);

        var error = Assert.Throws<JobSpecException>(() => _provider.Load(DatasetSpec.CsvFile(path, csv), LossNames.CrossEntropy));

        Assert.True(error.Field == field, $"{why}: expected {field}, got {error.Field} ({error.Message})");
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void LoadTest_TestFileWithOtherColumns_NamesTheTestPath()
    {
        string train = _folder.Csv("train.csv", "1,2,0\n3,4,1\n");
        string test = _folder.Csv("test.csv", "1,0\n");

        var error = Assert.Throws<JobSpecException>(() => _provider.LoadTest(DatasetSpec.CsvFile(train, new CsvDataSpec(), test), LossNames.CrossEntropy));

        Assert.Equal("dataset.testPath", error.Field);
    }

    [Fact]
    public void Load_RegressionWithCrossEntropy_NamesTheLoss()
    {
        string path = _folder.Csv("r.csv", "1,0.5\n");

        var error = Assert.Throws<JobSpecException>(() => _provider.Load(DatasetSpec.CsvFile(path, new CsvDataSpec { Task = CsvDataSpec.Regression }), LossNames.CrossEntropy));

        Assert.Equal("loss", error.Field);
    }

    [Fact]
    public void Load_LineOverTheCap_IsRefusedNamingTheLine()
    {
        string path = _folder.Csv("long.csv", "1,0\n" + new string('1', CsvLineReader.MaxLineChars + 1) + "\n");

        var error = Assert.Throws<JobSpecException>(() => _provider.Load(DatasetSpec.CsvFile(path, new CsvDataSpec()), LossNames.CrossEntropy));

        Assert.Equal("dataset.path", error.Field);
        Assert.Contains("line 2 is longer than", error.Message);
    }
}
