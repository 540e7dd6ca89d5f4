using Autograd.NN;
using Autograd.Serialization;
using Xunit;

namespace Autograd.Tests.NN;

public sealed class StateDictTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "autograd-statedict-" + Guid.NewGuid().ToString("N"));

    public StateDictTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static Sequential MakeModel() => new(new Linear(3, 4), new BatchNorm1d(4), new ReLU(), new Linear(4, 2));

    private static void AssertSameState(Module expected, Module actual)
    {
        var a = expected.StateDict();
        var b = actual.StateDict();
        Assert.Equal(a.Keys, b.Keys);
        foreach (var key in a.Keys)
        {
            Assert.Equal(a[key].Shape, b[key].Shape);
            Assert.Equal(a[key].DType, b[key].DType);
            if (a[key].DType == DType.Int64) Assert.Equal(a[key].ToArray<long>(), b[key].ToArray<long>());
            else Assert.Equal(a[key].ToArray(), b[key].ToArray());
        }
    }

    [Fact]
    public void StateDict_ValuesAreDetachedViewsOfTheParameters()
    {
        var model = MakeModel();
        var state = model.StateDict();
        var weight = model.GetParameter("0.weight");

        Assert.False(state["0.weight"].RequiresGrad);
        Assert.True(state["0.weight"].IsLeaf);
        using (Tensor.NoGrad()) weight.Fill_(3);
        Assert.All(state["0.weight"].ToArray(), v => Assert.Equal(3f, v));
    }

    [Fact]
    public void LoadStateDict_RoundTrip_CopiesValuesInPlaceKeepingIdentity()
    {
        var source = MakeModel();
        source.Forward(Tensor.Randn(5, 3)); // moves BatchNorm's running statistics
        var target = MakeModel();
        var weightBefore = target.GetParameter("0.weight");

        var result = target.LoadStateDict(source.StateDict());

        Assert.Empty(result.MissingKeys);
        Assert.Empty(result.UnexpectedKeys);
        AssertSameState(source, target);
        Assert.Same(weightBefore, target.GetParameter("0.weight"));
        Assert.True(weightBefore.RequiresGrad);
        Assert.Equal(1L, target.GetBuffer("1.num_batches_tracked").ToArray<long>()[0]);
    }

    [Fact]
    public void LoadStateDict_StrictMissingAndUnexpected_ListsBothKeysLikePyTorch()
    {
        var model = MakeModel();
        var state = new Dictionary<string, Tensor>(model.StateDict());
        state.Remove("3.bias");
        state.Remove("1.running_var");
        state["extra.weight"] = Tensor.Zeros(1);

        var error = Assert.Throws<ArgumentException>(() => model.LoadStateDict(state));

        Assert.StartsWith("Error(s) in loading state_dict for Sequential:\n\tMissing key(s) in state_dict: \"1.running_var\", \"3.bias\".\n\tUnexpected key(s) in state_dict: \"extra.weight\".", error.Message);
    }

    [Fact]
    public void LoadStateDict_StrictError_CopiesNothing()
    {
        var model = MakeModel();
        var before = model.GetParameter("0.weight").ToArray();
        var state = new Dictionary<string, Tensor>(MakeModel().StateDict());
        state.Remove("3.bias");

        Assert.Throws<ArgumentException>(() => model.LoadStateDict(state));

        Assert.Equal(before, model.GetParameter("0.weight").ToArray());
    }

    [Fact]
    public void LoadStateDict_NonStrict_ReturnsMismatchedKeysAndLoadsTheRest()
    {
        var model = MakeModel();
        var source = MakeModel();
        var state = new Dictionary<string, Tensor>(source.StateDict());
        state.Remove("3.bias");
        state["extra"] = Tensor.Zeros(1);

        var result = model.LoadStateDict(state, strict: false);

        Assert.Equal(["3.bias"], result.MissingKeys);
        Assert.Equal(["extra"], result.UnexpectedKeys);
        Assert.Equal(source.GetParameter("3.weight").ToArray(), model.GetParameter("3.weight").ToArray());
    }

    [Fact]
    public void LoadStateDict_ShapeMismatch_ThrowsNamingKeyAndBothShapesEvenWhenNotStrict()
    {
        var model = new Sequential(new Linear(3, 4));
        var state = new Dictionary<string, Tensor>(new Sequential(new Linear(5, 4)).StateDict());

        var error = Assert.Throws<ArgumentException>(() => model.LoadStateDict(state, strict: false));

        Assert.Contains("size mismatch for 0.weight: copying a param with shape [4, 5] from checkpoint, the shape in current model is [4, 3].", error.Message);
    }

    [Fact]
    public void LoadStateDict_OtherDType_ConvertsIntoTheParameter()
    {
        var model = new Sequential(new Linear(2, 2));
        var state = new Dictionary<string, Tensor>
        {
            ["0.weight"] = Tensor.From(new double[] { 1, 2, 3, 4 }, 2, 2),
            ["0.bias"] = Tensor.From(new double[] { -1, 0.5 }, 2),
        };

        model.LoadStateDict(state);

        Assert.Equal([1f, 2f, 3f, 4f], model.GetParameter("0.weight").ToArray());
        Assert.Equal(DType.Float32, model.GetParameter("0.weight").DType);
    }

    [Fact]
    public void SaveLoad_Safetensors_RoundTripsEveryTensor()
    {
        var source = MakeModel();
        source.Forward(Tensor.Randn(6, 3));
        source.Forward(Tensor.Randn(6, 3));
        string path = Path.Combine(_dir, "model.safetensors");

        source.Save(path);
        var target = MakeModel();
        var result = target.Load(path);

        Assert.Empty(result.MissingKeys);
        AssertSameState(source, target);
        Assert.Equal(2L, target.GetBuffer("1.num_batches_tracked").ToArray<long>()[0]);
        var (tensors, metadata) = TensorSafetensors.LoadWithMetadata(path);
        Assert.Equal("pt", metadata["format"]);
        Assert.Equal(source.StateDict().Keys.Order(StringComparer.Ordinal), tensors.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Load_FileOfAnotherModel_ThrowsStrictError()
    {
        string path = Path.Combine(_dir, "other.safetensors");
        new Sequential(new Linear(3, 4)).Save(path);

        var error = Assert.Throws<ArgumentException>(() => MakeModel().Load(path));

        Assert.Contains("Missing key(s) in state_dict: \"1.weight\"", error.Message);
    }
}
