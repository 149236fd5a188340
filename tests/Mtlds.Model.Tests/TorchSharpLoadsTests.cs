using TorchSharp;
using static TorchSharp.torch;

namespace Mtlds.Model.Tests;

public sealed class TorchSharpLoadsTests
{
    [Fact]
    public void Native_libtorch_loads_and_computes_on_the_cpu()
    {
        // Every temporary tensor is held by the scope, so the GC never finalizes one mid-call.
        using var testScope = NewDisposeScope();
        // Fails with a DllNotFoundException naming GLIBCXX_3.4.32 if the build's compat fix was not applied.
        using var a = torch.ones(3, 3);
        using var b = torch.matmul(a, a);
        Assert.Equal(27f, b.sum().item<float>());
        Assert.False(torch.cuda.is_available());
    }
}
