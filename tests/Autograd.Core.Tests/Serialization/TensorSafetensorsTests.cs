using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Autograd.NN;
using Autograd.Serialization;
using Xunit;

namespace Autograd.Tests.Serialization;

public sealed class TensorSafetensorsTests : IDisposable
{
    private const string Python = "/usr/bin/python3";
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "autograd-safetensors-" + Guid.NewGuid().ToString("N"));

    public TensorSafetensorsTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static Sequential MakeModel() => new(new Linear(3, 4), new BatchNorm1d(4), new ReLU(), new Linear(4, 2));

    [Fact]
    public void SaveLoad_Stream_RoundTripsDTypesShapesAndScalars()
    {
        var tensors = new Dictionary<string, Tensor>
        {
            ["fc1.weight"] = Tensor.From(new float[] { 1.5f, -2, float.NaN, float.PositiveInfinity, 1e-30f, 0 }, 2, 3),
            ["double"] = Tensor.From(new double[] { 1.0 / 3, -2.5 }, 2),
            ["count"] = Tensor.Scalar(7, DType.Int64),
            ["empty"] = Tensor.Zeros([0, 4], DType.Float32),
        };
        var stream = new MemoryStream();

        TensorSafetensors.Save(tensors, stream);
        stream.Position = 0;
        var loaded = TensorSafetensors.Load(stream);

        Assert.Equal(tensors.Keys.Order(StringComparer.Ordinal), loaded.Keys.Order(StringComparer.Ordinal));
        Assert.Equal([2, 3], loaded["fc1.weight"].Shape);
        Assert.Equal(tensors["fc1.weight"].ToArray(), loaded["fc1.weight"].ToArray());
        Assert.Equal(DType.Float64, loaded["double"].DType);
        Assert.Equal([1.0 / 3, -2.5], loaded["double"].ToArray<double>());
        Assert.Empty(loaded["count"].Shape);
        Assert.Equal(7L, loaded["count"].ToArray<long>()[0]);
        Assert.Equal([0, 4], loaded["empty"].Shape);
    }

    [Fact]
    public void Load_PyTorchFixtureWithEveryDType_WidensHalfAndIntegerTypes()
    {
        // torch_reference.safetensors (Fixtures/make_safetensors_fixture.py): values from PyTorch 1.13.
        var (tensors, metadata) = TensorSafetensors.LoadWithMetadata(FixturePath("torch_reference.safetensors"));

        Assert.Equal("pt", metadata["format"]);
        Assert.Equal([0f, 1.5f, -2f, 3.25f, 0.1f, -1e-7f], tensors["weight"].ToArray());
        Assert.Equal([2, 3], tensors["weight"].Shape);
        Assert.Equal(42L, tensors["step"].ToArray<long>()[0]);
        Assert.Empty(tensors["step"].Shape);
        Assert.Equal([1.0 / 3.0, -2.5], tensors["double"].ToArray<double>());
        Assert.Equal(DType.Float32, tensors["half"].DType);
        Assert.Equal([1f, -0.5f], tensors["half"].ToArray());
        Assert.Equal([1f, 3f], tensors["bf"].ToArray());
        Assert.Equal([1L, 0L, 1L], tensors["mask"].ToArray<long>());
        Assert.Equal([0L, 127L, 128L, 255L], tensors["pixels"].ToArray<long>());
        Assert.Equal([-128L, 127L], tensors["int8"].ToArray<long>());
        Assert.Equal([-1L, 65536L], tensors["i32"].ToArray<long>());
        Assert.Equal([-2L], tensors["i16"].ToArray<long>());
        Assert.Equal([0, 4], tensors["empty"].Shape);
    }

    [Fact]
    public void Load_HalfValuesBeyondOne_ConvertExactly()
    {
        // F16 0x3C00 = 1, 0xC000 = -2, 0x7BFF = 65504 (max), 0x0001 = 2^-24 (smallest subnormal); BF16 0x4049 = 3.140625.
        var stream = new MemoryStream();
        SafetensorsFormat.Write(stream,
        [
            new SafetensorEntry("h", SafetensorsDType.F16, [4], new byte[] { 0x00, 0x3C, 0x00, 0xC0, 0xFF, 0x7B, 0x01, 0x00 }),
            new SafetensorEntry("b", SafetensorsDType.BF16, [1], new byte[] { 0x49, 0x40 }),
        ]);
        stream.Position = 0;

        var loaded = TensorSafetensors.Load(stream);

        Assert.Equal([1f, -2f, 65504f, MathF.Pow(2, -24)], loaded["h"].ToArray());
        Assert.Equal([3.140625f], loaded["b"].ToArray());
    }

    [Fact]
    public void Load_UnsupportedDType_ThrowsNamingTheTensor()
    {
        var stream = new MemoryStream();
        SafetensorsFormat.Write(stream, [new SafetensorEntry("odd", SafetensorsDType.U64, [1], new byte[8])]);
        stream.Position = 0;

        var error = Assert.Throws<InvalidDataException>(() => TensorSafetensors.Load(stream));

        Assert.Contains("'odd'", error.Message);
        Assert.Contains("U64", error.Message);
    }

    [Fact]
    public void ModuleLoad_PyTorchStateDictFixture_GivesPyTorchsOutputs()
    {
        var model = MakeModel();

        var result = model.Load(FixturePath("torch_sequential_state.safetensors"));
        model.Eval();
        var y = model.Forward(Tensor.From(new float[] { 0.5f, -1, 2, 1.5f, 0.25f, -0.75f }, 2, 3)).ToArray();

        // make_module_fixture.py: the PyTorch model's eval output on the same input.
        Assert.Empty(result.MissingKeys);
        float[] expected = [-0.06940861791372299f, 0.12274765968322754f, -0.1451863944530487f, 0.19255834817886353f];
        for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - y[i]) < 1e-5f, $"output {i}: expected {expected[i]}, got {y[i]}");
        Assert.Equal(2L, model.GetBuffer("1.num_batches_tracked").ToArray<long>()[0]);
    }

    [Fact]
    public void ModuleSave_FileIsReadByPyTorchByHandParsedHeader()
    {
        if (!PythonWithTorch()) Assert.Skip($"{Python} with torch is not installed: PyTorch compatibility of the written file was not checked");
        Tensor.ManualSeed(3);
        var model = MakeModel();
        model.Forward(Tensor.Randn(5, 3));
        model.Eval();
        var x = Tensor.From(new float[] { 0.5f, -1, 2, 1.5f, 0.25f, -0.75f }, 2, 3);
        var ours = model.Forward(x).ToArray();
        string path = Path.Combine(_dir, "model.safetensors");
        model.Save(path);

        // Parses the header with json + struct (no safetensors package), loads it strictly into the same PyTorch
        // architecture, and prints the eval-mode output and every tensor's dtype and shape.
        const string script = """
            import json, struct, sys, torch, torch.nn as nn
            raw = open(sys.argv[1], "rb").read()
            n = struct.unpack("<Q", raw[:8])[0]
            header = json.loads(raw[8:8 + n])
            meta = header.pop("__metadata__", {})
            types = {"F32": torch.float32, "F64": torch.float64, "I64": torch.int64}
            buf = raw[8 + n:]
            state = {}
            for name, info in header.items():
                b, e = info["data_offsets"]
                state[name] = torch.frombuffer(bytearray(buf[b:e]), dtype=types[info["dtype"]]).reshape(info["shape"])
            model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2))
            model.load_state_dict(state, strict=True)
            model.eval()
            x = torch.tensor([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])
            out = {"meta": meta, "y": model(x).detach().flatten().tolist(),
                   "tensors": {k: [info["dtype"], info["shape"]] for k, info in header.items()},
                   "tracked": int(model[1].num_batches_tracked)}
            print(json.dumps(out))
            """;
        var (exitCode, stdout, stderr) = Run(Python, ["-c", script, path]);

        Assert.True(exitCode == 0, $"python failed: {stderr}");
        using var doc = JsonDocument.Parse(stdout.Trim().Split('\n')[^1]);
        var root = doc.RootElement;
        Assert.Equal("pt", root.GetProperty("meta").GetProperty("format").GetString());
        Assert.Equal(1, root.GetProperty("tracked").GetInt32());
        var theirs = root.GetProperty("y").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        for (int i = 0; i < ours.Length; i++) Assert.True(Math.Abs(ours[i] - theirs[i]) < 1e-5, $"output {i}: ours {ours[i]}, PyTorch {theirs[i]}");
        var described = root.GetProperty("tensors");
        foreach (var (name, tensor) in model.StateDict())
        {
            var info = described.GetProperty(name);
            Assert.Equal(tensor.DType == DType.Int64 ? "I64" : "F32", info[0].GetString());
            Assert.Equal(tensor.Shape, info[1].EnumerateArray().Select(e => e.GetInt32()));
        }
    }

    private static bool PythonWithTorch()
    {
        if (!File.Exists(Python)) return false;
        try
        {
            return Run(Python, ["-c", "import torch"]).ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    private static (int ExitCode, string Stdout, string Stderr) Run(string file, string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(120_000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} did not finish in 120 s");
        }

        return (process.ExitCode, stdout, stderr.Result);
    }

    private static string FixturePath(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            foreach (string candidate in new[] { Path.Combine(dir.FullName, "Fixtures", name), Path.Combine(dir.FullName, "tests", "Autograd.Core.Tests", "Fixtures", name) })
            {
                if (File.Exists(candidate)) return candidate;
            }
        }

        throw new FileNotFoundException(string.Create(CultureInfo.InvariantCulture, $"Fixture {name} not found above {AppContext.BaseDirectory}."));
    }
}
