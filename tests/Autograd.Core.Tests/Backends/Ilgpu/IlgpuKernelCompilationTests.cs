using System.Reflection;
using Autograd.Backends;
using Autograd.Backends.Ilgpu;
using ILGPU;
using ILGPU.Backends;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.OpenCL;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;
using ILGPU.Runtime.OpenCL;
using Xunit;

namespace Autograd.Tests.Backends.Ilgpu;

/// <summary>
/// Compiles every kernel the backend launches with ILGPU's PTX (CUDA) and OpenCL C backends, which need no device:
/// the CPU simulator runs kernels as .NET code and would not notice a construct the GPU compilers reject.
/// </summary>
[Collection(IlgpuTargets.Collection)]
public sealed class IlgpuKernelCompilationTests
{
    public static TheoryData<string> Kernels => new(AllKernels().Select(k => k.Name).ToArray());

    [Theory]
    [MemberData(nameof(Kernels))]
    public void Kernel_CompilesToPtxAndOpenCl(string name)
    {
        var (_, method, grouped) = AllKernels().Single(k => k.Name == name);
        using var ptx = new PTXBackend(IlgpuRuntime.Context, new CudaCapabilityContext(CudaArchitecture.SM_70), CudaArchitecture.SM_70, CudaInstructionSet.ISA_70, null);
        using var cl = new CLBackend(IlgpuRuntime.Context, new CLCapabilityContext(true, true, true, true, true), CLDeviceVendor.Other, CLCVersion.CL20);
        var entry = grouped ? EntryPointDescription.FromExplicitlyGroupedKernel(method) : EntryPointDescription.FromImplicitlyGroupedKernel(method);

        var compiledPtx = (PTXCompiledKernel)ptx.Compile(entry, default(KernelSpecialization));
        Assert.Contains(".entry", compiledPtx.PTXAssembly);
        var compiledCl = (CLCompiledKernel)cl.Compile(entry, default(KernelSpecialization));
        Assert.Contains("kernel", compiledCl.Source);
    }

    private static IEnumerable<(string Name, MethodInfo Method, bool Grouped)> AllKernels()
    {
        Type[][] floats = [[typeof(float), typeof(Float32Math)], [typeof(double), typeof(Float64Math)]];
        Type[][] elements = [.. floats, [typeof(long), typeof(Int64Element)]];
        foreach (var (type, name, args) in new (Type, string, Type[][])[]
        {
            (typeof(CopyKernels), nameof(CopyKernels.Fill), elements),
            (typeof(CopyKernels), nameof(CopyKernels.StridedCopy), elements),
            (typeof(CopyKernels), nameof(CopyKernels.ScatterAdd), elements),
            (typeof(CopyKernels), nameof(CopyKernels.IndexSelect), elements.Select(e => new[] { e[0] }).ToArray()),
            (typeof(CopyKernels), nameof(CopyKernels.Gather), elements.Select(e => new[] { e[0] }).ToArray()),
            (typeof(CopyKernels), nameof(CopyKernels.IndexAdd), floats),
            (typeof(ElementwiseKernels), nameof(ElementwiseKernels.Unary), floats),
            (typeof(ElementwiseKernels), nameof(ElementwiseKernels.UnaryBackward), floats),
            (typeof(ElementwiseKernels), nameof(ElementwiseKernels.Binary), floats),
            (typeof(ElementwiseKernels), nameof(ElementwiseKernels.Where), elements),
            (typeof(ReduceKernels), nameof(ReduceKernels.ReduceColumns), floats),
            (typeof(ReduceKernels), nameof(ReduceKernels.ReduceRows), floats),
            (typeof(ReduceKernels), nameof(ReduceKernels.ArgReduce), floats),
            (typeof(ReduceKernels), nameof(ReduceKernels.Softmax), floats),
            (typeof(ReduceKernels), nameof(ReduceKernels.SoftmaxBackward), floats),
            (typeof(ReduceKernels), nameof(ReduceKernels.SumOfSquares), floats),
            (typeof(WindowKernels), nameof(WindowKernels.Im2Col), floats),
            (typeof(WindowKernels), nameof(WindowKernels.Col2Im), floats),
            (typeof(WindowKernels), nameof(WindowKernels.MaxPool), floats),
            (typeof(WindowKernels), nameof(WindowKernels.MaxPoolBackward), floats),
            (typeof(WindowKernels), nameof(WindowKernels.AvgPool), floats),
            (typeof(WindowKernels), nameof(WindowKernels.AvgPoolBackward), floats),
            (typeof(OptimizerKernels), nameof(OptimizerKernels.Sgd), floats),
            (typeof(OptimizerKernels), nameof(OptimizerKernels.Adam), floats),
            (typeof(GemmKernels), nameof(GemmKernels.Gemm), floats.SelectMany(f => new[] { f.Append(typeof(WideTile)).ToArray(), f.Append(typeof(NarrowTile)).ToArray() }).ToArray()),
        })
        {
            var method = type.GetMethod(name, BindingFlags.Public | BindingFlags.Static)!;
            foreach (var typeArgs in args)
            {
                yield return ($"{name}<{string.Join(",", typeArgs.Select(t => t.Name))}>", method.MakeGenericMethod(typeArgs), true);
            }
        }

        // Casts between every pair of dtypes.
        var cast = typeof(CopyKernels).GetMethod(nameof(CopyKernels.Cast))!;
        foreach (var from in elements)
            foreach (var to in elements)
                yield return ($"Cast<{from[0].Name},{to[0].Name}>", cast.MakeGenericMethod(from[0], from[1], to[0], to[1]), true);
    }
}
