using System.Reflection;
using System.Reflection.Emit;
using Mtlds.Model.Training;
using TorchSharp;

namespace Mtlds.Model.Tests.Training;

/// The deterministic half of GarbageCollectionTests: no code of the model hands libtorch a Scalar that nobody
/// holds. Such a Scalar comes from TorchSharp's implicit number → Scalar conversion (`Scalar.op_Implicit`),
/// either at our call (`t.mul(2)`) or inside a TorchSharp method we call (`a + b` runs `add(b, 1)`,
/// `add_(Scalar)` passes its alpha as `1`, `optim.Adam`'s step its betas). The test reads the IL of every
/// method of Mtlds.Model and, through TorchSharp's own IL, of every TorchSharp method it reaches.
public sealed class HeldScalarsTests
{
    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => (OpCode)f.GetValue(null)!).ToDictionary(o => o.Value);

    private static readonly Assembly TorchSharpAssembly = typeof(Scalar).Assembly;

    [Fact]
    public void No_method_of_the_model_converts_a_number_to_a_Scalar_itself_or_through_TorchSharp()
    {
        var methods = typeof(Trainer).Assembly.GetTypes().SelectMany(Methods).ToList();
        var scan = new Scan(methods);
        var found = new List<string>();
        foreach (var method in methods)
        foreach (var callee in Callees(method))
        {
            if (IsConversion(callee))
                found.Add($"{Name(method)} converts a number to a Scalar");
            else
                foreach (var target in scan.Targets(callee))
                    if (scan.Converts(target, depth: 0) is { } path)
                        found.Add($"{Name(method)} calls {path}");
        }
        Assert.True(methods.Count > 100, $"only {methods.Count} methods read: the scan is not reading the model");
        Assert.True(found.Count == 0, "hold the Scalar for the call (Scalars.*, or `using var s = x.ToScalar()`), or pass the alpha explicitly:\n" + string.Join("\n", found.Distinct()));
    }

    [Fact]
    public void The_scan_sees_the_conversions_it_is_there_to_find()
    {
        // What the model used to do: TorchSharp's Adam behind its base class, add_ with an implicit alpha, `+`.
        var scan = new Scan([Method(nameof(OldOptimizer))]);
        Assert.Contains(scan.Targets(typeof(torch.optim.Optimizer).GetMethod("step")!), t => scan.Converts(t, 0) is not null);
        Assert.NotNull(scan.Converts(typeof(torch.Tensor).GetMethod("add_", [typeof(Scalar)])!, 0));
        Assert.NotNull(scan.Converts(typeof(torch.Tensor).GetMethod("op_Addition", [typeof(torch.Tensor), typeof(torch.Tensor)])!, 0));
        Assert.Null(scan.Converts(typeof(torch.Tensor).GetMethod("add_", [typeof(Scalar), typeof(Scalar)])!, 0));
        Assert.Contains(Callees(Method(nameof(Converting))), IsConversion);
    }

    private static torch.Tensor Converting(torch.Tensor t) => t.mul(2.0);

    private static torch.optim.Optimizer OldOptimizer(IEnumerable<TorchSharp.Modules.Parameter> p) => torch.optim.Adam(p);

    private static MethodInfo Method(string name) => typeof(HeldScalarsTests).GetMethod(name, BindingFlags.NonPublic | BindingFlags.Static)!;

    /// What the scanned methods reach inside TorchSharp. A virtual call is followed into the overrides of the
    /// TorchSharp types the methods create (by `new`, or as a factory's return type), since those are what
    /// run: `_dense.step()` on an optimizer that `optim.Adam` made runs Adam's step.
    private sealed class Scan
    {
        private readonly Dictionary<MethodBase, string?> _memo = [];
        private readonly HashSet<Type> _created = [];

        public Scan(IEnumerable<MethodBase> methods)
        {
            foreach (var callee in methods.SelectMany(Callees))
            {
                if (callee is ConstructorInfo { DeclaringType: { } t } && t.Assembly == TorchSharpAssembly) _created.Add(t);
                if (callee is MethodInfo { ReturnType: var r } && r.Assembly == TorchSharpAssembly) _created.Add(r);
            }
        }

        /// The TorchSharp methods a call may run: the callee and, if virtual, its overrides in created types.
        public IEnumerable<MethodBase> Targets(MethodBase callee)
        {
            if (callee.Module.Assembly != TorchSharpAssembly) yield break;
            yield return callee;
            if (callee is not MethodInfo { IsVirtual: true } virtualMethod || virtualMethod.DeclaringType is not { } declaring) yield break;
            var root = virtualMethod.GetBaseDefinition();
            foreach (var type in _created.Where(declaring.IsAssignableFrom))
            foreach (var m in type.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance))
                if (m != callee && m.Name == callee.Name && m.DeclaringType?.Assembly == TorchSharpAssembly && m.GetBaseDefinition() == root)
                    yield return m;
        }

        /// The path by which a TorchSharp method reaches a conversion, or null; deep enough for the overload
        /// chains (`+` → add(Tensor) → add(Tensor, Scalar) with `1`).
        public string? Converts(MethodBase method, int depth)
        {
            if (_memo.TryGetValue(method, out var known)) return known;
            _memo[method] = null; // a cycle reads as clean
            string? path = null;
            foreach (var callee in Callees(method))
            {
                if (IsConversion(callee)) { path = Name(method); break; }
                if (depth >= 6) continue;
                foreach (var target in Targets(callee))
                    if (Converts(target, depth + 1) is { } deeper) { path = $"{Name(method)} → {deeper}"; break; }
                if (path is not null) break;
            }
            return _memo[method] = path;
        }
    }

    private static bool IsConversion(MethodBase m) =>
        m.Name == "op_Implicit" && m is MethodInfo { ReturnType: var r } && r == typeof(Scalar);

    private static IEnumerable<MethodBase> Methods(Type type) =>
        type.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly)
            .Cast<MethodBase>()
            .Concat(type.GetConstructors(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly));

    /// The methods a method's IL calls (call, callvirt, newobj, ldftn), resolved in its own module.
    private static IEnumerable<MethodBase> Callees(MethodBase method)
    {
        var il = method.GetMethodBody()?.GetILAsByteArray();
        if (il is null) yield break;
        var genericTypes = method.DeclaringType is { IsGenericType: true } t ? t.GetGenericArguments() : null;
        var genericMethods = method.IsGenericMethod ? method.GetGenericArguments() : null;
        for (var i = 0; i < il.Length;)
        {
            var code = il[i] == 0xFE ? OpCodesByValue[unchecked((short)(0xFE00 | il[i + 1]))] : OpCodesByValue[il[i]];
            i += code.Size;
            if (code.OperandType == OperandType.InlineMethod)
            {
                MethodBase? callee = null;
                try { callee = method.Module.ResolveMethod(BitConverter.ToInt32(il, i), genericTypes, genericMethods); }
                catch (Exception e) when (e is ArgumentException or BadImageFormatException or TypeLoadException or FileNotFoundException) { }
                if (callee is not null) yield return callee;
            }
            i += code.OperandType switch
            {
                OperandType.InlineNone => 0,
                OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                OperandType.InlineVar => 2,
                OperandType.InlineI8 or OperandType.InlineR => 8,
                OperandType.InlineSwitch => 4 + 4 * BitConverter.ToInt32(il, i),
                _ => 4,
            };
        }
    }

    private static string Name(MethodBase m) => $"{m.DeclaringType?.Name}.{m.Name}";
}
