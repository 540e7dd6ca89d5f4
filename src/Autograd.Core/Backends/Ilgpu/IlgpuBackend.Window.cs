using ILGPU;
using ILGPU.Runtime;

namespace Autograd.Backends.Ilgpu;

internal sealed partial class IlgpuBackend
{
    public void Im2Col(Storage x, in WindowGeometry g, Storage columns)
    {
        if (x.DType == DType.Float32) WindowLaunch<float, Float32Math>("im2col", g, columns.Length, Of(x), Of(columns), static a => a.LoadStreamKernel<int, WindowGeometry, ArrayView<float>, ArrayView<float>>(WindowKernels.Im2Col<float, Float32Math>));
        else WindowLaunch<double, Float64Math>("im2col", g, columns.Length, Of(x), Of(columns), static a => a.LoadStreamKernel<int, WindowGeometry, ArrayView<double>, ArrayView<double>>(WindowKernels.Im2Col<double, Float64Math>));
    }

    public void Col2Im(Storage columns, in WindowGeometry g, Storage gx)
    {
        if (gx.DType == DType.Float32) WindowLaunch<float, Float32Math>("col2im", g, gx.Length, Of(columns), Of(gx), static a => a.LoadStreamKernel<int, WindowGeometry, ArrayView<float>, ArrayView<float>>(WindowKernels.Col2Im<float, Float32Math>));
        else WindowLaunch<double, Float64Math>("col2im", g, gx.Length, Of(columns), Of(gx), static a => a.LoadStreamKernel<int, WindowGeometry, ArrayView<double>, ArrayView<double>>(WindowKernels.Col2Im<double, Float64Math>));
    }

    public void MaxPool2d(Storage x, in WindowGeometry g, Storage y, Storage indices)
    {
        if (x.DType == DType.Float32) MaxPoolCore<float, Float32Math>(Of(x), g, Of(y), Of(indices));
        else MaxPoolCore<double, Float64Math>(Of(x), g, Of(y), Of(indices));
    }

    public void MaxPool2dBackward(Storage gy, Storage indices, in WindowGeometry g, Storage gx)
    {
        if (gx.DType == DType.Float32) MaxPoolBackwardCore<float, Float32Math>(Of(gy), Of(indices), g, Of(gx));
        else MaxPoolBackwardCore<double, Float64Math>(Of(gy), Of(indices), g, Of(gx));
    }

    public void AvgPool2d(Storage x, in WindowGeometry g, bool countIncludePad, Storage y)
    {
        if (x.DType == DType.Float32) AvgPoolCore<float, Float32Math>("avg_pool", g, countIncludePad, y.Length, Of(x), Of(y), static a => a.LoadStreamKernel<int, WindowGeometry, int, ArrayView<float>, ArrayView<float>>(WindowKernels.AvgPool<float, Float32Math>));
        else AvgPoolCore<double, Float64Math>("avg_pool", g, countIncludePad, y.Length, Of(x), Of(y), static a => a.LoadStreamKernel<int, WindowGeometry, int, ArrayView<double>, ArrayView<double>>(WindowKernels.AvgPool<double, Float64Math>));
    }

    public void AvgPool2dBackward(Storage gy, in WindowGeometry g, bool countIncludePad, Storage gx)
    {
        if (gx.DType == DType.Float32) AvgPoolCore<float, Float32Math>("avg_pool_backward", g, countIncludePad, gx.Length, Of(gy), Of(gx), static a => a.LoadStreamKernel<int, WindowGeometry, int, ArrayView<float>, ArrayView<float>>(WindowKernels.AvgPoolBackward<float, Float32Math>));
        else AvgPoolCore<double, Float64Math>("avg_pool_backward", g, countIncludePad, gx.Length, Of(gy), Of(gx), static a => a.LoadStreamKernel<int, WindowGeometry, int, ArrayView<double>, ArrayView<double>>(WindowKernels.AvgPoolBackward<double, Float64Math>));
    }

    /// <summary>Launches a window kernel of shape (n, geometry, input, output) over n output items.</summary>
    private void WindowLaunch<T, TNum>(string name, WindowGeometry g, int n, IlgpuStorage input, IlgpuStorage output, Func<Accelerator, Action<KernelConfig, int, WindowGeometry, ArrayView<T>, ArrayView<T>>> load)
        where T : unmanaged
        where TNum : struct, INumeric<T>
    {
        if (n == 0) return;
        var kernel = Kernels.Get(name, typeof(T), load);
        kernel(Grid(n), n, g, input.View<T>(), output.View<T>());
    }

    private void AvgPoolCore<T, TNum>(string name, WindowGeometry g, bool countIncludePad, int n, IlgpuStorage input, IlgpuStorage output, Func<Accelerator, Action<KernelConfig, int, WindowGeometry, int, ArrayView<T>, ArrayView<T>>> load)
        where T : unmanaged
        where TNum : struct, INumeric<T>
    {
        if (n == 0) return;
        var kernel = Kernels.Get(name, typeof(T), load);
        kernel(Grid(n), n, g, countIncludePad ? 1 : 0, input.View<T>(), output.View<T>());
    }

    private void MaxPoolCore<T, TNum>(IlgpuStorage x, WindowGeometry g, IlgpuStorage y, IlgpuStorage indices)
        where T : unmanaged
        where TNum : struct, INumeric<T>
    {
        int n = y.Length;
        if (n == 0) return;
        var kernel = Kernels.Get("max_pool", typeof(T), static a => a.LoadStreamKernel<int, WindowGeometry, ArrayView<T>, ArrayView<T>, ArrayView<long>>(WindowKernels.MaxPool<T, TNum>));
        kernel(Grid(n), n, g, x.View<T>(), y.View<T>(), indices.View<long>());
    }

    private void MaxPoolBackwardCore<T, TNum>(IlgpuStorage gy, IlgpuStorage indices, WindowGeometry g, IlgpuStorage gx)
        where T : unmanaged
        where TNum : struct, INumeric<T>
    {
        int n = gx.Length;
        if (n == 0) return;
        var kernel = Kernels.Get("max_pool_backward", typeof(T), static a => a.LoadStreamKernel<int, WindowGeometry, ArrayView<T>, ArrayView<long>, ArrayView<T>>(WindowKernels.MaxPoolBackward<T, TNum>));
        kernel(Grid(n), n, g, gy.View<T>(), indices.View<long>(), gx.View<T>());
    }
}
