package dev.trident.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;

/** Rotary position embedding in place; contract of {@link Reference#rope}. */
public final class RopeKernel {
    /** Swaps neighbours: (x0, x1, x2, x3, ...) -> (x1, x0, x3, x2, ...). */
    private static final VectorShuffle<Float> SWAP_PAIRS = VectorShuffle.fromOp(VecMath.F, i -> i ^ 1);
    /** (x0, x1, x2, ...) -> (x0, x0, x1, x1, ...). */
    private static final VectorShuffle<Float> DUPLICATE = VectorShuffle.fromOp(VecMath.F, i -> i / 2);
    /** Sign pattern of s' = (-s, s, -s, s, ...), and its negation for the inverse rotation (constants). */
    private static final float[] SIGNS = new float[VecMath.L], SIGNS_INVERSE = new float[VecMath.L];

    static {
        for (int i = 0; i < VecMath.L; i++) {
            SIGNS[i] = i % 2 == 0 ? -1f : 1f;
            SIGNS_INVERSE[i] = -SIGNS[i];
        }
    }

    private RopeKernel() {}

    /**
     * Rotates pair i of every head by angle pos * theta^(-2i/d), pos = posStart + r % period; the table's
     * {@link RopePairing} says which coordinates pair up.
     * ADJACENT, vector form: with c' = (c0, c0, c1, c1, ...) and s' = (-s0, s0, -s1, s1, ...),
     * x' = x * c' + swap(x) * s', which is x0 c - x1 s, x1 c + x0 s per pair.
     * HALVES: a = x[0, d/2), b = x[d/2, d); a' = a c - b s, b' = a s + b c with c, s read straight from the table.
     */
    public static void apply(float[] x, int rows, int heads, int headDim, int posStart, int period,
                             RopeTable table, boolean inverse) {
        apply(x, 0, rows, heads, headDim, posStart, period, table, inverse);
    }

    /** {@link #apply} on rows firstRow .. firstRow + rows - 1 of x; row firstRow + r is at position posStart + r % period. */
    public static void apply(float[] x, int firstRow, int rows, int heads, int headDim, int posStart, int period,
                             RopeTable table, boolean inverse) {
        if (headDim % 2 != 0) throw new IllegalArgumentException("RoPE needs an even head dimension: " + headDim);
        if (table.pairs() != headDim / 2) {
            throw new IllegalArgumentException("RopeTable has " + table.pairs() + " pairs, head dim " + headDim);
        }
        if ((long) rows * 3L * heads * headDim < Parallel.MIN_WORK) { // decode: a few rows, no hand-off, no lambda
            rows(x, firstRow, 0, rows, heads, headDim, posStart, period, table, inverse);
            return;
        }
        Parallel.forRange(rows, 3L * heads * headDim,
                (r0, r1, worker) -> rows(x, firstRow, r0, r1, heads, headDim, posStart, period, table, inverse));
    }

    /** One position's interleaved angles, per thread, grown to the widest head seen: no allocation per call. */
    private static final ThreadLocal<float[][]> ANGLES = ThreadLocal.withInitial(() -> new float[][]{new float[0], new float[0]});

    private static void rows(float[] x, int firstRow, int r0, int r1, int heads, int headDim, int posStart, int period,
                             RopeTable table, boolean inverse) {
        if (r1 <= r0) return;
        RopeTable.Angles a = table.upTo(posStart + Math.min(r1 - 1, period - 1)); // the furthest position used
        if (table.pairing() == RopePairing.HALVES) {
            for (int r = r0; r < r1; r++) {
                int off = table.offset(posStart + (r % period));
                for (int h = 0; h < heads; h++) rotateHalves(x, ((firstRow + r) * heads + h) * headDim, headDim / 2, a, off, inverse);
            }
            return;
        }
        float[][] angles = ANGLES.get();
        if (angles[0].length != headDim) {
            angles[0] = new float[headDim];
            angles[1] = new float[headDim];
        }
        float[] cosE = angles[0], sinE = angles[1];
        for (int r = r0; r < r1; r++) {
            expand(a, table.offset(posStart + (r % period)), inverse, cosE, sinE);
            for (int h = 0; h < heads; h++) rotate(x, ((firstRow + r) * heads + h) * headDim, headDim, cosE, sinE);
        }
    }

    private static void expand(RopeTable.Angles a, int off, boolean inverse, float[] cosE, float[] sinE) {
        var f = VecMath.F;
        float[] cos = a.cos(), sin = a.sin();
        int headDim = cosE.length;
        FloatVector sign = FloatVector.fromArray(f, inverse ? SIGNS_INVERSE : SIGNS, 0);
        int x = 0;
        // A vector load of cos from pair x/2 on holds the next L/2 pairs in its low half; DUPLICATE spreads them
        // to (c, c, c', c', ...). The load reads L floats, so stop where that would run off the table.
        for (int bound = Math.min(headDim, 2 * (cos.length - off) - VecMath.L) - VecMath.L; x <= bound;
             x += VecMath.L) {
            FloatVector.fromArray(f, cos, off + x / 2).rearrange(DUPLICATE).intoArray(cosE, x);
            FloatVector.fromArray(f, sin, off + x / 2).rearrange(DUPLICATE).mul(sign).intoArray(sinE, x);
        }
        for (; x < headDim; x += 2) {
            int i = x / 2;
            float c = cos[off + i], s = inverse ? -sin[off + i] : sin[off + i];
            cosE[x] = c;
            cosE[x + 1] = c;
            sinE[x] = -s;
            sinE[x + 1] = s;
        }
    }

    /** x[base + i] and x[base + half + i] rotated by the angles of table row off, for i below half. */
    private static void rotateHalves(float[] x, int base, int half, RopeTable.Angles angles, int off, boolean inverse) {
        var f = VecMath.F;
        float[] cos = angles.cos(), sin = angles.sin();
        int i = 0;
        for (int bound = half - VecMath.L; i <= bound; i += VecMath.L) {
            FloatVector a = FloatVector.fromArray(f, x, base + i), b = FloatVector.fromArray(f, x, base + half + i);
            FloatVector c = FloatVector.fromArray(f, cos, off + i), s = FloatVector.fromArray(f, sin, off + i);
            if (inverse) s = s.neg();
            a.mul(c).sub(b.mul(s)).intoArray(x, base + i);
            a.mul(s).add(b.mul(c)).intoArray(x, base + half + i);
        }
        for (; i < half; i++) {
            float c = cos[off + i], s = inverse ? -sin[off + i] : sin[off + i];
            float a = x[base + i], b = x[base + half + i];
            x[base + i] = a * c - b * s;
            x[base + half + i] = a * s + b * c;
        }
    }

    private static void rotate(float[] x, int base, int headDim, float[] cosE, float[] sinE) {
        var f = VecMath.F;
        int i = 0;
        // LANES is even, so whole vectors never split a pair.
        for (int bound = headDim - VecMath.L; i <= bound; i += VecMath.L) {
            FloatVector v = FloatVector.fromArray(f, x, base + i);
            FloatVector swapped = v.rearrange(SWAP_PAIRS);
            swapped.fma(FloatVector.fromArray(f, sinE, i), v.mul(FloatVector.fromArray(f, cosE, i)))
                    .intoArray(x, base + i);
        }
        for (; i < headDim; i += 2) {
            float c = cosE[i], s = sinE[i + 1];
            float x0 = x[base + i], x1 = x[base + i + 1];
            x[base + i] = x0 * c - x1 * s;
            x[base + i + 1] = x0 * s + x1 * c;
        }
    }
}
