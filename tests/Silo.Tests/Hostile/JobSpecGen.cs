using System.Globalization;
using Autograd.Cluster.Contracts.Buffers;
using Autograd.Cluster.Contracts.Specs;
using CsCheck;

namespace Autograd.Cluster.Silo.Tests.Hostile;

/// <summary>
/// CsCheck generators of job specs a hostile or careless user might submit: mostly small valid jobs (so that accepted
/// ones train in well under a second), each field now and then replaced by a zero, negative, huge, NaN, unknown or
/// missing value, layer lists that do not fit together, and datasets that do not exist or lie about their shapes.
/// </summary>
internal static class JobSpecGen
{
    /// <summary>A whole spec: the dataset first, so that the valid model templates can fit its shapes.</summary>
    public static Gen<JobSpec> Spec =>
        from h in Gen.Frequency((2, Gen.Const(0)), (3, Gen.Const(1)))
        from data in Dataset(h)
        from model in Model(data, h)
        from loss in Loss(data, h)
        from optimizer in Optimizer(h)
        from schedule in Schedule(h)
        from scalars in Scalars(h)
        select new JobSpec
        {
            Model = model,
            Dataset = data.Spec!,
            Loss = loss!,
            Optimizer = optimizer!,
            LrSchedule = schedule,
            BatchSize = scalars.BatchSize,
            Epochs = scalars.Epochs,
            Workers = scalars.Workers,
            Shards = scalars.Shards,
            DropLast = scalars.DropLast,
            Shuffle = scalars.Shuffle,
            Seed = scalars.Seed,
            StepTimeout = scalars.StepTimeout,
            CheckpointInterval = scalars.CheckpointInterval,
            OnNonFiniteLoss = scalars.OnNonFinite!,
        };

    /// <summary>A generated dataset and what a valid model for it takes: features (or an image), classes (0: regression).</summary>
    internal sealed record Data(DatasetSpec? Spec, int Features, bool Image, int Classes);

    private sealed record ScalarFields(int BatchSize, int Epochs, int Workers, int Shards, bool DropLast, bool Shuffle, long Seed, TimeSpan StepTimeout, int CheckpointInterval, string? OnNonFinite);

    private static readonly Gen<int> Hostile = Gen.OneOf(0, -1, -7, int.MaxValue, int.MinValue, 70_000);

    private static readonly Gen<double> HostileDouble = Gen.OneOf(0.0, -1.0, double.NaN, double.PositiveInfinity, double.NegativeInfinity, 1e308, double.Epsilon);

    private static readonly Gen<string> GarbageText = Gen.OneOf("abc", "", "NaN", "1e400", "3.5", " 2 ", "[2,3]", "99999999999", "-0");

    /// <summary>
    /// <paramref name="valid"/> mostly, <paramref name="hostile"/> with weight <paramref name="h"/> against 8: a spec
    /// drawn with h = 0 (two in five) is valid throughout, so that accepted jobs are common; with h = 1 a few of its
    /// fields are hostile.
    /// </summary>
    private static Gen<T> Or<T>(int h, Gen<T> valid, Gen<T> hostile, int weight = 8) => h == 0 ? valid : Gen.Frequency((weight, valid), (h, hostile));

    /// <summary>A value in [lo, hi] mostly, a hostile integer sometimes.</summary>
    private static Gen<int> Size(int lo, int hi, int h) => Or(h, Gen.Int[lo, hi], Hostile);

    /// <summary>An argument's text: the number mostly, garbage sometimes.</summary>
    private static Gen<string> Text(Gen<int> value, int h = 1) =>
        Or(h, value.Select(v => v.ToString(CultureInfo.InvariantCulture)), GarbageText, 10);

    private static Gen<string?> Pick(int h, int weight, string? valid, params string?[] hostile) =>
        Or(h, Gen.Const(valid), Gen.OneOf(hostile), weight);

    private static LayerSpec Layer(string type, params (string Name, string Value)[] args) =>
        new() { Type = type, Args = args.ToDictionary(a => a.Name, a => a.Value, StringComparer.Ordinal) };

    private static Gen<int> Size(int lo, int hi) => Size(lo, hi, 1);

    private static readonly Gen<LayerSpec> RandomLayer = Gen.OneOf(
        from i in Text(Size(1, 8))
        from o in Text(Size(1, 8))
        from bias in Gen.OneOf("true", "false", "maybe")
        select Layer("Linear", ("inFeatures", i), ("outFeatures", o), ("bias", bias)),
        from i in Text(Size(1, 3))
        from o in Text(Size(1, 4))
        from k in Text(Size(1, 3))
        from stride in Text(Size(1, 2))
        from padding in Text(Gen.Int[-1, 2])
        from groups in Text(Gen.Int[0, 2])
        select Layer("Conv2d", ("inChannels", i), ("outChannels", o), ("kernelSize", k), ("stride", stride), ("padding", padding), ("groups", groups)),
        from k in Text(Size(1, 3))
        from pool in Gen.OneOf("MaxPool2d", "AvgPool2d")
        select Layer(pool, ("kernelSize", k)),
        from start in Gen.Int[-3, 3]
        from end in Gen.Int[-3, 3]
        select Layer("Flatten", ("startDim", start.ToString(CultureInfo.InvariantCulture)), ("endDim", end.ToString(CultureInfo.InvariantCulture))),
        Gen.OneOf("ReLU", "Tanh", "Sigmoid", "GELU").Select(t => Layer(t)),
        Gen.OneOf("none", "tanh", "sigmoid").Select(a => Layer("GELU", ("approximate", a))),
        Gen.OneOf("0.01", "NaN", "-3", "1e400").Select(s => Layer("LeakyReLU", ("negativeSlope", s))),
        Gen.OneOf("0.1", "0", "1", "-0.5", "2", "NaN").Select(p => Layer("Dropout", ("p", p))),
        Gen.OneOf("4", "0", "100000,100000", "", "2,2", "2147483647,2147483647,4").Select(s => Layer("LayerNorm", ("normalizedShape", s))),
        from n in Text(Size(1, 8))
        from kind in Gen.OneOf("BatchNorm1d", "BatchNorm2d")
        from momentum in Gen.OneOf("0.1", "-1", "2")
        select Layer(kind, ("numFeatures", n), ("momentum", momentum)),
        Gen.OneOf("Transformer", "", "linear", "ResidualMlp").Select(t => Layer(t)),
        Gen.Const(Layer("Linear", ("inFeatures", "4"), ("outFeatures", "4"), ("bogus", "1"))),
        Gen.Const(new LayerSpec { Type = null!, Args = null! }),
        Gen.Const((LayerSpec)null!));

    /// <summary>The dataset generators: synthetic (valid mostly), inline in memory, files that are not there, unknown kinds.</summary>
    private static Gen<Data> Dataset(int h) => h == 0 ? Gen.Frequency((6, Synthetic(0)), (3, InMemory(0))) : Gen.Frequency(
        (6, Synthetic(h)),
        (3, InMemory(h)),
        (1, Missing),
        (1, Gen.OneOf(
            new Data(null, 6, false, 3),
            new Data(new DatasetSpec { Kind = "parquet" }, 6, false, 3),
            new Data(new DatasetSpec { Kind = null! }, 6, false, 3),
            new Data(new DatasetSpec { Kind = DatasetSpec.Synthetic, SyntheticData = null }, 6, false, 3))));

    private static Gen<Data> Synthetic(int h) =>
        from samples in Size(4, 40, h)
        from features in Gen.Int[1, 6]
        from image in Gen.Frequency((4, Gen.Const(false)), (1, Gen.Const(true)))
        from badShape in Or(h, Gen.Const((int[]?)null), Gen.OneOf<int[]?>([], [0], [-2], [int.MaxValue, int.MaxValue], [70_000, 70_000]))
        from classes in Size(2, 3, h)
        from outputs in Or(h, Gen.Const(2), Hostile)
        from regression in Gen.Frequency((4, Gen.Const(false)), (1, Gen.Const(true)))
        from generator in Pick(h, 10, "blobs", "spiral", null, "")
        from noise in Or(h, Gen.Const(0.5), HostileDouble)
        from testSamples in Or(h, Gen.OneOf(0, 0, 6), Gen.Const(-1))
        from delay in Or(h, Gen.Const(0), Gen.Const(-1))
        from limit in Or(h, Gen.Const(0), Gen.OneOf(3, -1, int.MaxValue))
        from seed in Gen.Long
        let shape = badShape ?? (image ? [1, 4, 4] : [features])
        select new Data(
            new DatasetSpec
            {
                Kind = DatasetSpec.Synthetic,
                Limit = limit,
                SyntheticData = new SyntheticDataSpec
                {
                    Generator = regression && generator == SyntheticDataSpec.Blobs ? SyntheticDataSpec.Linear : generator!,
                    Samples = samples,
                    SampleShape = shape,
                    Classes = classes,
                    Outputs = outputs,
                    Noise = noise,
                    Seed = seed,
                    ReadDelayMs = delay,
                    TestSamples = testSamples,
                },
            },
            features,
            image,
            regression ? 0 : classes);

    /// <summary>Inline values (of random, sometimes inconsistent, lengths; sometimes NaN or infinite) with labels or targets.</summary>
    private static Gen<Data> InMemory(int h) =>
        from samples in Gen.Int[2, 20]
        from features in Gen.Int[1, 5]
        from classes in Gen.Int[2, 3]
        from inputsDelta in Or(h, Gen.Const(0), Gen.OneOf(-1, 1, -1000))
        from labelsDelta in Or(h, Gen.Const(0), Gen.OneOf(-1, 1))
        from badLabel in Or(h, Gen.Const((long?)null), Gen.OneOf<long?>(-1, 3, long.MaxValue))
        from declaredClasses in Or(h, Gen.OneOf(0, 1), Gen.Const(-1), 4)
        from nonFinite in Or(h, Gen.Const(0f), Gen.OneOf(float.NaN, float.PositiveInfinity), 6)
        from regression in Gen.Frequency((4, Gen.Const(false)), (1, Gen.Const(true)))
        from shape in Or(h, Gen.Const((int[]?)null), Gen.OneOf<int[]?>([], [0], [-1]))
        from values in Gen.Float[-2f, 2f].Array[Math.Max(0, (samples * features) + inputsDelta)]
        from seed in Gen.Int[0, 1000]
        select MakeInMemory(samples, features, classes, shape, values, labelsDelta, badLabel, declaredClasses == 1 ? classes : declaredClasses, nonFinite, regression, seed);

    private static Data MakeInMemory(int samples, int features, int classes, int[]? shape, float[] values, int labelsDelta, long? badLabel, int declaredClasses, float nonFinite, bool regression, int seed)
    {
        if (values.Length > 0 && !float.IsFinite(nonFinite)) values[seed % values.Length] = nonFinite;
        // Every class appears at least once when nothing is broken, so that the label count is the class count.
        var labels = Enumerable.Range(0, samples + labelsDelta).Select(i => (long)(i % classes)).ToArray();
        if (badLabel is { } bad && labels.Length > 0) labels[seed % labels.Length] = bad;
        var spec = regression
            ? new InMemoryDataSpec { SampleShape = shape ?? [features], Inputs = FloatBlock.From(values), Targets = FloatBlock.From(values.Take(samples).ToArray()), TargetShape = [1] }
            : new InMemoryDataSpec { SampleShape = shape ?? [features], Inputs = FloatBlock.From(values), Labels = labels, Classes = declaredClasses };
        return new Data(DatasetSpec.Uploaded(spec), features, false, regression ? 0 : classes);
    }

    /// <summary>File datasets that are not there (or whose specs are incomplete).</summary>
    private static Gen<Data> Missing => Gen.OneOf(
        new Data(DatasetSpec.FashionMnistTrain(directory: "/nonexistent/fashion"), 784, false, 10),
        new Data(DatasetSpec.IdxFiles("/nonexistent/train-images.idx", "/nonexistent/train-labels.idx"), 6, false, 3),
        new Data(new DatasetSpec { Kind = DatasetSpec.Idx }, 6, false, 3),
        new Data(DatasetSpec.CsvFile("/nonexistent/data.csv", new CsvDataSpec()), 6, false, 3),
        new Data(new DatasetSpec { Kind = DatasetSpec.Csv, Path = "relative.csv" }, 6, false, 3),
        new Data(DatasetSpec.FromUpload("no-such-upload"), 6, false, 3),
        new Data(new DatasetSpec { Kind = DatasetSpec.InMemory }, 6, false, 3));

    /// <summary>Valid MLP or CNN templates for the data (mostly), random layer lists, a valid model with one random layer inserted, none.</summary>
    private static Gen<ModelSpec> Model(Data data, int h)
    {
        int outputs = data.Classes > 0 ? data.Classes : 2;
        var valid =
            from hidden in Gen.Int[1, 8]
            from template in Gen.Frequency((4, Gen.Const(0)), (1, Gen.Const(1)), (1, Gen.Const(2)))
            select data.Image
                ? template == 1
                    ? ModelSpec.Sequential(LayerSpec.Conv2d(1, 2, 3), LayerSpec.BatchNorm2d(2), LayerSpec.ReLU(), LayerSpec.MaxPool2d(2), LayerSpec.Flatten(), LayerSpec.Linear(2, outputs))
                    : ModelSpec.Sequential(LayerSpec.Conv2d(1, 2, 3), LayerSpec.ReLU(), LayerSpec.Flatten(), LayerSpec.Linear(8, outputs))
                : template switch
                {
                    1 => ModelSpec.Sequential(LayerSpec.Linear(data.Features, hidden), LayerSpec.BatchNorm1d(hidden), LayerSpec.ReLU(), LayerSpec.Linear(hidden, outputs)),
                    2 => ModelSpec.Sequential(LayerSpec.Linear(data.Features, hidden), LayerSpec.LayerNorm(hidden), LayerSpec.GELU(), LayerSpec.Dropout(0.1), LayerSpec.Linear(hidden, outputs)),
                    _ => ModelSpec.Sequential(LayerSpec.Linear(data.Features, hidden), LayerSpec.Tanh(), LayerSpec.Linear(hidden, outputs)),
                };
        var random = RandomLayer.Array[1, 4].Select(layers => new ModelSpec { Layers = layers });
        var inserted =
            from hidden in Gen.Int[1, 8]
            from layer in RandomLayer
            select ModelSpec.Sequential(LayerSpec.Linear(data.Features, hidden), layer, LayerSpec.Linear(hidden, outputs));
        var none = Gen.OneOf(null!, new ModelSpec(), new ModelSpec { Layers = null! });
        return h == 0 ? valid : Gen.Frequency((5, valid), (3, random), (2, inserted), (1, none));
    }

    private static Gen<string?> Loss(Data data, int h) =>
        Pick(h, 10, data.Classes > 0 ? LossNames.CrossEntropy : LossNames.Mse, LossNames.Mse, LossNames.BceWithLogits, LossNames.CrossEntropy, "hinge", "", null);

    private static Gen<OptimizerSpec?> Optimizer(int h) =>
        from kind in Or(h, Gen.OneOf<string?>(OptimizerSpec.Sgd, OptimizerSpec.Adam, OptimizerSpec.AdamW), Gen.OneOf<string?>("rmsprop", "", null))
        from lr in Or(h, Gen.OneOf(0.01, 0.1, 0.001), HostileDouble)
        from momentum in Or(h, Gen.OneOf(0.0, 0.9), Gen.OneOf(-1.0, double.NaN, 1.5))
        from beta1 in Or(h, Gen.Const(0.9), Gen.OneOf(1.0, -0.1, double.NaN))
        from beta2 in Or(h, Gen.Const(0.999), Gen.OneOf(1.0, 2.0, double.NaN))
        from eps in Or(h, Gen.Const(1e-8), Gen.OneOf(0.0, -1.0, double.NaN))
        from decay in Or(h, Gen.OneOf<double?>(null, 0.01), Gen.OneOf<double?>(-1.0, double.NaN, double.PositiveInfinity))
        from nesterov in Or(h, Gen.Const(false), Gen.Const(true), 6)
        from amsgrad in Gen.Bool
        from missing in Or(h, Gen.Const(false), Gen.Const(true), 20)
        select missing ? null : new OptimizerSpec { Kind = kind!, Lr = lr, Momentum = momentum, Nesterov = nesterov, Beta1 = beta1, Beta2 = beta2, Eps = eps, WeightDecay = decay, Amsgrad = amsgrad };

    private static Gen<LrScheduleSpec?> Schedule(int h) => Gen.Frequency(
        (6, Gen.Const((LrScheduleSpec?)null)),
        (2, from kind in Or(h, Gen.OneOf<string?>(LrScheduleSpec.Step, LrScheduleSpec.Cosine), Gen.OneOf<string?>("linear", null), 6)
            from stepSize in Size(1, 3, h)
            from gamma in Or(h, Gen.Const(0.5), HostileDouble, 6)
            from tMax in Size(1, 4, h)
            from etaMin in Or(h, Gen.Const(0.0), Gen.OneOf(-1.0, double.NaN, 1.0), 6)
            from interval in Or(h, Gen.OneOf<string?>(LrScheduleSpec.PerEpoch, LrScheduleSpec.PerStep), Gen.OneOf<string?>("minute", null), 6)
            select (LrScheduleSpec?)new LrScheduleSpec { Kind = kind!, StepSize = stepSize, Gamma = gamma, TMax = tMax, EtaMin = etaMin, Interval = interval! }));

    private static Gen<ScalarFields> Scalars(int h) =>
        from batchSize in Size(1, 16, h)
        from epochs in Or(h, Gen.Int[1, 2], Gen.OneOf(0, -1, int.MaxValue, 1_000_000))
        from workers in Or(h, Gen.Int[1, 2], Gen.OneOf(0, -1, 3, int.MaxValue))
        from shards in Or(h, Gen.Frequency((3, Gen.Const(0)), (1, Gen.Int[1, 3])), Gen.OneOf(-1, 1000, int.MaxValue))
        from dropLast in Gen.Bool
        from shuffle in Gen.Bool
        from seed in Gen.Long
        from timeout in Or(h, Gen.Const(TimeSpan.FromSeconds(60)), Gen.OneOf(TimeSpan.Zero, TimeSpan.FromSeconds(-1), TimeSpan.MaxValue, TimeSpan.MinValue, TimeSpan.FromDays(100)))
        from checkpoint in Or(h, Gen.OneOf(0, 50, 1), Gen.OneOf(-1, int.MaxValue))
        from nonFinite in Or(h, Gen.OneOf<string?>(JobSpec.StopOnNonFinite, JobSpec.SkipNonFiniteStep), Gen.OneOf<string?>("ignore", null, ""))
        select new ScalarFields(batchSize, epochs, workers, shards, dropLast, shuffle, seed, timeout, checkpoint, nonFinite);

    /// <summary>A one-line description for CsCheck's failure report (the records' own text shows arrays as type names).</summary>
    public static string Describe(JobSpec spec)
    {
        string layers = spec.Model?.Layers is { } l
            ? string.Join(", ", l.Select(x => x is null ? "null" : $"{x.Type}({string.Join(",", (x.Args ?? []).Select(a => $"{a.Key}={a.Value}"))})"))
            : "null";
        var d = spec.Dataset;
        string data = d is null ? "null" : $"{d.Kind} limit={d.Limit} path={d.Path} upload={d.UploadId} " + (d.SyntheticData is { } s
            ? $"synthetic({s.Generator}, n={s.Samples}, shape=[{string.Join(",", s.SampleShape ?? [])}], classes={s.Classes}, noise={s.Noise}, test={s.TestSamples}, delay={s.ReadDelayMs})"
            : d.InMemoryData is { } m
                ? $"inline(shape=[{string.Join(",", m.SampleShape ?? [])}], inputs={m.Inputs?.Count}, labels=[{string.Join(",", m.Labels ?? [])}], classes={m.Classes}, targets={m.Targets?.Count}, nonfinite={m.Inputs?.ToArray().Count(v => !float.IsFinite(v))})"
                : "");
        var o = spec.Optimizer;
        string optimizer = o is null ? "null" : $"{o.Kind} lr={o.Lr} momentum={o.Momentum} nesterov={o.Nesterov} betas=({o.Beta1},{o.Beta2}) eps={o.Eps} wd={o.WeightDecay}";
        var r = spec.LrSchedule;
        string schedule = r is null ? "none" : $"{r.Kind} stepSize={r.StepSize} gamma={r.Gamma} tMax={r.TMax} etaMin={r.EtaMin} interval={r.Interval}";
        return $"model=[{layers}] data={data} loss={spec.Loss} optimizer={optimizer} schedule={schedule} batch={spec.BatchSize} epochs={spec.Epochs} workers={spec.Workers} shards={spec.Shards} dropLast={spec.DropLast} stepTimeout={spec.StepTimeout} checkpoint={spec.CheckpointInterval} onNonFinite={spec.OnNonFiniteLoss}";
    }
}
