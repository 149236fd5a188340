using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Mtlds.Pipelines.Features;

/// The count, mean and squared deviations of ln(1 + |x|) over a chunk of float features, the logarithm in
/// double of 1 + |x| in single precision (as SQL's `LN(1 + ABS(x))` over a FLOAT column). Most features are
/// counts, so most values are small whole numbers: those are tallied and their logarithms taken once each
/// from a table; only the other values (rates, large counts) are logged one by one. Logging every value was
/// two thirds of the statistics' time: the ten period files of a 10M-event generated build, read once as a
/// build reads them, 1.40–1.52 s with every value logged by TensorPrimitives, 0.86 s tallied (decoding 0.33 s).
/// The moments differ from logging each value in the last digits only (2e-13 relative at most there).
/// A vector of whole numbers is tallied without a test per value, a vector of one whole number at once (a user's
/// features repeat along its list), and a repeated other value is logged once (a rate repeats on every row of its
/// user, item or category): the ten files' tally 0.83 -> 0.57 CPU-s, every partial bit for bit the same.
/// One per thread: it holds the scratch arrays.
public sealed class Log1pTally
{
    /// Whole numbers below this are tallied (the counts of almost every row).
    public const int TableSize = 4096;

    private static readonly double[] Table = MakeTable();

    // Four tallies, taken in turn: one value's increment need not wait for the previous one's when both are 0.
    private const int Lanes = 4;
    private readonly int[] _counts = new int[Lanes * TableSize];
    private double[] _others = [];

    // The logarithms of recent other values, by their bits (direct-mapped). A key of -1 is no value: a float
    // widened to double has its low 29 bits 0, so no value's bits are -1.
    private const int CacheBits = 12;
    private readonly long[] _cachedBits = NoValues();
    private readonly double[] _cachedLogs = new double[1 << CacheBits];

    // Optimised from the first call: a build calls this a few thousand times in all, and tiered compilation left
    // its first, unoptimised code running for the first two of ten period files.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public FeatureStatistics.Partial Of(ReadOnlySpan<float> values)
    {
        if (_others.Length < values.Length) _others = new double[values.Length];
        var counts = _counts;
        var others = _others;
        var m = 0;
        long zeros = 0;
        var width = Vector<float>.Count;
        var tableSize = new Vector<uint>(TableSize);
        ref var lanes = ref MemoryMarshal.GetArrayDataReference(counts);
        var i = 0;
        for (; i <= values.Length - width; i += width)
        {
            // Most features of most rows are 0: a run of zeros is counted at once.
            var v = new Vector<float>(values.Slice(i, width));
            if (Vector.EqualsAll(v, Vector<float>.Zero)) { zeros += width; continue; }
            // Whole numbers in the table in every lane: a fraction, NaN, an infinity or a large value fails the
            // round trip through int or the bound, and the vector goes value by value.
            var a = Vector.Abs(v);
            var ints = Vector.ConvertToInt32(a);
            if (Vector.EqualsAll(Vector.ConvertToSingle(ints), a) && Vector.LessThanAll(Vector.AsVectorUInt32(ints), tableSize))
            {
                if (Vector.EqualsAll(ints, new Vector<int>(ints[0]))) Unsafe.Add(ref lanes, ints[0]) += width;
                else for (var j = 0; j < width; j++) Unsafe.Add(ref lanes, ((j & (Lanes - 1)) * TableSize) + ints[j])++;
                continue;
            }
            for (var j = i; j < i + width; j++) Tally(values[j], j, counts, others, ref m);
        }
        for (; i < values.Length; i++) Tally(values[i], i, counts, others, ref m);
        // The lanes into the first, and the whole numbers, each logged once (ln(1 + 0) = 0).
        counts[0] += (int)zeros;
        for (var lane = 1; lane < Lanes; lane++)
            for (var k = 0; k < TableSize; k++) counts[k] += counts[(lane * TableSize) + k];
        long n = 0;
        double sum = 0;
        for (var k = 0; k < TableSize; k++)
        {
            n += counts[k];
            sum += counts[k] * Table[k];
        }
        var whole = default(FeatureStatistics.Partial);
        if (n > 0)
        {
            var mean = sum / n;
            double m2 = 0;
            for (var k = 0; k < TableSize; k++)
            {
                var d = Table[k] - mean;
                m2 += counts[k] * d * d;
            }
            whole = new FeatureStatistics.Partial(n, mean, m2);
            Array.Clear(counts);
        }
        if (m == 0) return whole;

        // The others one by one, in plain loops: the vectorised TensorPrimitives ran unoptimised here for the first
        // files of a build (tiered compilation), slower than these loops are throughout.
        double restSum = 0;
        var cachedBits = _cachedBits;
        var cachedLogs = _cachedLogs;
        for (var r = 0; r < m; r++)
        {
            var x = others[r];
            var bits = BitConverter.DoubleToInt64Bits(x);
            var slot = (int)((ulong)(bits * -7046029254386353131L) >> (64 - CacheBits)); // Fibonacci hashing
            if (cachedBits[slot] != bits)
            {
                cachedBits[slot] = bits;
                cachedLogs[slot] = Math.Log(x);
            }
            restSum += others[r] = cachedLogs[slot];
        }
        var restMean = restSum / m;
        double restM2 = 0;
        for (var r = 0; r < m; r++)
        {
            var d = others[r] - restMean;
            restM2 += d * d;
        }
        return whole.Merge(new FeatureStatistics.Partial(m, restMean, restM2));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Tally(float value, int i, int[] counts, double[] others, ref int m)
    {
        var a = MathF.Abs(value);
        var k = (int)a; // saturates; NaN gives 0, which then differs from a
        if (k == a && (uint)k < TableSize) counts[((i & (Lanes - 1)) * TableSize) + k]++;
        else others[m++] = 1f + a;
    }

    private static long[] NoValues()
    {
        var bits = new long[1 << CacheBits];
        Array.Fill(bits, -1L);
        return bits;
    }

    private static double[] MakeTable()
    {
        var table = new double[TableSize];
        for (var k = 0; k < TableSize; k++) table[k] = Math.Log(1f + k); // as the other values are logged
        return table;
    }
}
