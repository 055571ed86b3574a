package dev.trident.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector building blocks shared by the kernels: a fast exp, dot products, AXPY, sums and maxima over float arrays.
 * Every loop runs whole vectors of {@link Simd#LANES} and finishes the tail with scalar code.
 */
public final class VecMath {
    static final VectorSpecies<Float> F = Simd.F;
    static final int L = Simd.LANES;

    private VecMath() {}

    /**
     * Rotations by L/2, L/4, ..., 1 lanes: adding a vector to its rotation log2(L) times leaves the total in lane 0,
     * always in the same tree order. FloatVector.reduceLanes(ADD) leaves the order unspecified, and the interpreter,
     * C1 and C2 do use different orders, so results would change as code warms up, and a resumed training run
     * would drift from an uninterrupted one. Separate static final fields (not an array) so C2 sees constants.
     */
    private static final VectorShuffle<Float> ROT_1 = rotation(1), ROT_2 = rotation(2), ROT_4 = rotation(4),
            ROT_8 = rotation(8);

    private static VectorShuffle<Float> rotation(int by) {
        return VectorShuffle.fromOp(F, i -> (i + by) % L);
    }

    /** Sum of the lanes of v in a fixed order (deterministic across JIT tiers, unlike reduceLanes(ADD)). */
    public static float sum(FloatVector v) {
        if (L > 16 || v.length() != L) return sumLanes(v); // other shapes (e.g. the 256-bit quantized kernels)
        if (L == 16) v = v.add(v.rearrange(ROT_8));
        if (L >= 8) v = v.add(v.rearrange(ROT_4));
        if (L >= 4) v = v.add(v.rearrange(ROT_2));
        if (L >= 2) v = v.add(v.rearrange(ROT_1));
        return v.lane(0);
    }

    /** Fallback for other vector shapes: lanes one by one, in order. */
    private static float sumLanes(FloatVector v) {
        float s = 0;
        for (int i = 0; i < v.length(); i++) s += v.lane(i);
        return s;
    }

    // exp(x) = 2^n * exp(r), n = round(x / ln2), r = x - n ln2 in [-ln2/2, ln2/2] (Cody-Waite: ln2 = HI + LO so
    // n * HI is exact). exp(r) is the Cephes expf minimax polynomial: ~1 ulp, relative error < 2e-7 (measured
    // 1.2e-7 max over [-87.3, 88.3]). Measured on JDK 25 / AVX-512 it is ~0.56 ns per float against ~0.62 for
    // lanewise(EXP) (an SVML stub call where the JDK ships libjsvml, a scalar fallback elsewhere) and ~8 for
    // Math.exp; being plain vector ops it also inlines into the caller's loop.
    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;
    /** Above this, 2^n would overflow the exponent field: 127.5 * ln 2. Results there are +inf. */
    private static final float EXP_HI = 88.37626f;
    /** Below this exp(x) is subnormal; flushed to 0 (absolute error < 1.2e-38). Also makes exp(-inf) = 0. */
    private static final float EXP_LO = -87.33654f;
    /** 1.5 * 2^23: adding it rounds a float in (-2^22, 2^22) to an integer, which lands in the low mantissa bits. */
    private static final float ROUND_MAGIC = 12582912f;
    private static final int ROUND_MAGIC_BITS = 0x4B400000;
    private static final float P0 = 1.9875691500e-4f, P1 = 1.3981999507e-3f, P2 = 8.3334519073e-3f,
            P3 = 4.1665795894e-2f, P4 = 1.6666665459e-1f, P5 = 5.0000001201e-1f;

    /** exp of every lane; exact to ~1 ulp for x in [-87.3, 88.3], 0 below, +inf above, NaN stays NaN. */
    public static FloatVector exp(FloatVector x) {
        // No clamp: lanes outside [EXP_LO, EXP_HI] compute garbage that the final blends replace (cheaper than
        // min/max, which carry Java's NaN and -0.0 rules).
        FloatVector t = x.fma(LOG2E, ROUND_MAGIC);              // n + magic, n = round(x log2 e)
        FloatVector n = t.sub(ROUND_MAGIC);
        FloatVector r = n.fma(FloatVector.broadcast(F, -LN2_HI), x);    // r = x - n ln2, in two steps (Cody-Waite)
        r = n.fma(FloatVector.broadcast(F, -LN2_LO), r);
        FloatVector p = r.fma(P0, P1);
        p = p.fma(r, FloatVector.broadcast(F, P2));
        p = p.fma(r, FloatVector.broadcast(F, P3));
        p = p.fma(r, FloatVector.broadcast(F, P4));
        p = p.fma(r, FloatVector.broadcast(F, P5));
        FloatVector r2 = r.mul(r);
        FloatVector er = p.fma(r2, r.add(1f));                    // exp(r) = 1 + r + r^2 * p(r)
        // 2^n: the integer n sits in t's low mantissa bits; shift (n + 127) into the exponent field.
        IntVector bits = t.reinterpretAsInts().sub(ROUND_MAGIC_BITS - 127).lanewise(VectorOperators.LSHL, 23);
        FloatVector y = er.mul(bits.reinterpretAsFloats());
        VectorMask<Float> under = x.compare(VectorOperators.LT, EXP_LO);
        VectorMask<Float> over = x.compare(VectorOperators.GT, EXP_HI);
        return y.blend(0f, under).blend(Float.POSITIVE_INFINITY, over);
    }

    /** Scalar exp with the same float rounding the scalar tails use (double exp, rounded once). */
    static float expScalar(float x) {
        return (float) Math.exp(x);
    }

    /** sum_i a[aOff+i] * b[bOff+i] for i < n, accumulated in float with two vector accumulators. */
    public static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        FloatVector acc0 = FloatVector.zero(F), acc1 = FloatVector.zero(F);
        int i = 0;
        for (int bound = n - 2 * L; i <= bound; i += 2 * L) {
            acc0 = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), acc0);
            acc1 = FloatVector.fromArray(F, a, aOff + i + L).fma(FloatVector.fromArray(F, b, bOff + i + L), acc1);
        }
        for (int bound = n - L; i <= bound; i += L) {
            acc0 = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), acc0);
        }
        float s = sum(acc0.add(acc1));
        for (; i < n; i++) s += a[aOff + i] * b[bOff + i];
        return s;
    }

    /** y[yOff+i] += alpha * x[xOff+i] for i < n. */
    public static void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
        int i = 0;
        for (int bound = n - L; i <= bound; i += L) {
            FloatVector.fromArray(F, x, xOff + i).fma(FloatVector.broadcast(F, alpha), FloatVector.fromArray(F, y, yOff + i))
                    .intoArray(y, yOff + i);
        }
        for (; i < n; i++) y[yOff + i] += alpha * x[xOff + i];
    }

    /** x[off+i] *= alpha for i < n. */
    public static void scale(float[] x, int off, int n, float alpha) {
        int i = 0;
        for (int bound = n - L; i <= bound; i += L) {
            FloatVector.fromArray(F, x, off + i).mul(alpha).intoArray(x, off + i);
        }
        for (; i < n; i++) x[off + i] *= alpha;
    }

    /** max of x[off .. off+n); -inf for n = 0. */
    public static float max(float[] x, int off, int n) {
        FloatVector m = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        int i = 0;
        for (int bound = n - L; i <= bound; i += L) m = m.max(FloatVector.fromArray(F, x, off + i));
        float r = m.reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) r = Math.max(r, x[off + i]);
        return r;
    }

    /**
     * dst[dOff+i] = exp(src[sOff+i] - shift) for i < n; returns their sum (float accumulation in lanes, then
     * reduced). dst may equal src (in place).
     */
    public static float expShiftSum(float[] src, int sOff, float[] dst, int dOff, int n, float shift) {
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (int bound = n - L; i <= bound; i += L) {
            FloatVector e = exp(FloatVector.fromArray(F, src, sOff + i).sub(shift));
            e.intoArray(dst, dOff + i);
            acc = acc.add(e);
        }
        float s = sum(acc);
        for (; i < n; i++) {
            float e = expScalar(src[sOff + i] - shift);
            dst[dOff + i] = e;
            s += e;
        }
        return s;
    }

    /** sum_i exp(src[off+i] - shift) for i < n, without storing the exponentials. */
    public static float sumExpShift(float[] src, int off, int n, float shift) {
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (int bound = n - L; i <= bound; i += L) acc = acc.add(exp(FloatVector.fromArray(F, src, off + i).sub(shift)));
        float s = sum(acc);
        for (; i < n; i++) s += expScalar(src[off + i] - shift);
        return s;
    }
}
