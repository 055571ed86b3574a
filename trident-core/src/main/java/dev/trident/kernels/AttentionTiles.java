package dev.trident.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import java.util.Arrays;

/**
 * The register-tiled inner loops of attention, four query rows at a time: each key or value row loaded from memory
 * is used by four FMAs instead of one. Rows are headDim-long segments at arbitrary offsets (attention reads strided
 * rows out of [tokens, heads * headDim] matrices). Callers that have fewer than four rows pass repeated source
 * offsets (harmless for reads) and zero coefficients, and never a repeated destination offset.
 */
final class AttentionTiles {
    private AttentionTiles() {}

    /** s[sOff + i*sStride] = scale * (a_i . b) for the four rows a_i at a0..a3 and one row b at bOff, length d. */
    static void dots4(float[] a, int a0, int a1, int a2, int a3, float[] b, int bOff, int d,
                      float scale, float[] s, int sOff, int sStride) {
        var f = VecMath.F;
        FloatVector c0 = FloatVector.zero(f), c1 = c0, c2 = c0, c3 = c0;
        int x = 0;
        for (int bound = d - VecMath.L; x <= bound; x += VecMath.L) {
            FloatVector bv = FloatVector.fromArray(f, b, bOff + x);
            c0 = FloatVector.fromArray(f, a, a0 + x).fma(bv, c0);
            c1 = FloatVector.fromArray(f, a, a1 + x).fma(bv, c1);
            c2 = FloatVector.fromArray(f, a, a2 + x).fma(bv, c2);
            c3 = FloatVector.fromArray(f, a, a3 + x).fma(bv, c3);
        }
        float r0 = VecMath.sum(c0), r1 = VecMath.sum(c1);
        float r2 = VecMath.sum(c2), r3 = VecMath.sum(c3);
        for (; x < d; x++) {
            float bx = b[bOff + x];
            r0 += a[a0 + x] * bx;
            r1 += a[a1 + x] * bx;
            r2 += a[a2 + x] * bx;
            r3 += a[a3 + x] * bx;
        }
        s[sOff] = r0 * scale;
        s[sOff + sStride] = r1 * scale;
        s[sOff + 2 * sStride] = r2 * scale;
        s[sOff + 3 * sStride] = r3 * scale;
    }

    /**
     * dst_i += sum_{j < n} coef[cOff + i*cStride + j] * src_j for the four destination rows dst_i at d0..d3
     * (distinct) and n source rows src_j at srcOff + j*srcStride, each of length d. (O += P V, dQ += dS K.)
     */
    static void rowsTimesMatrix(float[] coef, int cOff, int cStride, float[] src, int srcOff, int srcStride, int n,
                                float[] dst, int d0, int d1, int d2, int d3, int d) {
        var f = VecMath.F;
        int x = 0;
        for (int bound = d - VecMath.L; x <= bound; x += VecMath.L) {
            FloatVector a0 = FloatVector.fromArray(f, dst, d0 + x), a1 = FloatVector.fromArray(f, dst, d1 + x);
            FloatVector a2 = FloatVector.fromArray(f, dst, d2 + x), a3 = FloatVector.fromArray(f, dst, d3 + x);
            for (int j = 0, so = srcOff + x; j < n; j++, so += srcStride) {
                FloatVector v = FloatVector.fromArray(f, src, so);
                a0 = v.fma(FloatVector.broadcast(f, coef[cOff + j]), a0);
                a1 = v.fma(FloatVector.broadcast(f, coef[cOff + cStride + j]), a1);
                a2 = v.fma(FloatVector.broadcast(f, coef[cOff + 2 * cStride + j]), a2);
                a3 = v.fma(FloatVector.broadcast(f, coef[cOff + 3 * cStride + j]), a3);
            }
            a0.intoArray(dst, d0 + x);
            a1.intoArray(dst, d1 + x);
            a2.intoArray(dst, d2 + x);
            a3.intoArray(dst, d3 + x);
        }
        for (; x < d; x++) {
            float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
            for (int j = 0, so = srcOff + x; j < n; j++, so += srcStride) {
                float v = src[so];
                s0 += coef[cOff + j] * v;
                s1 += coef[cOff + cStride + j] * v;
                s2 += coef[cOff + 2 * cStride + j] * v;
                s3 += coef[cOff + 3 * cStride + j] * v;
            }
            dst[d0 + x] += s0;
            dst[d1 + x] += s1;
            dst[d2 + x] += s2;
            dst[d3 + x] += s3;
        }
    }

    /**
     * dst_j += sum_{i < 4} coef[i*cStride + j] * src_i for n destination rows dst_j at dstOff + j*dstStride and the
     * four source rows src_i at s0..s3, each of length d. (dV += P^T dO, dK += dS^T Q.)
     */
    static void matrixTransposeTimesRows(float[] coef, int cStride, float[] src, int s0, int s1, int s2, int s3,
                                         int n, float[] dst, int dstOff, int dstStride, int d) {
        var f = VecMath.F;
        int j = 0;
        // Two destination rows per pass: each source chunk loaded feeds eight FMAs instead of four.
        for (; j + 1 < n; j += 2) {
            int dA = dstOff + j * dstStride, dB = dA + dstStride;
            FloatVector a0 = FloatVector.broadcast(f, coef[j]), a1 = FloatVector.broadcast(f, coef[cStride + j]);
            FloatVector a2 = FloatVector.broadcast(f, coef[2 * cStride + j]);
            FloatVector a3 = FloatVector.broadcast(f, coef[3 * cStride + j]);
            FloatVector b0 = FloatVector.broadcast(f, coef[j + 1]);
            FloatVector b1 = FloatVector.broadcast(f, coef[cStride + j + 1]);
            FloatVector b2 = FloatVector.broadcast(f, coef[2 * cStride + j + 1]);
            FloatVector b3 = FloatVector.broadcast(f, coef[3 * cStride + j + 1]);
            int x = 0;
            for (int bound = d - VecMath.L; x <= bound; x += VecMath.L) {
                FloatVector v0 = FloatVector.fromArray(f, src, s0 + x), v1 = FloatVector.fromArray(f, src, s1 + x);
                FloatVector v2 = FloatVector.fromArray(f, src, s2 + x), v3 = FloatVector.fromArray(f, src, s3 + x);
                FloatVector accA = FloatVector.fromArray(f, dst, dA + x), accB = FloatVector.fromArray(f, dst, dB + x);
                accA = v3.fma(a3, v2.fma(a2, v1.fma(a1, v0.fma(a0, accA))));
                accB = v3.fma(b3, v2.fma(b2, v1.fma(b1, v0.fma(b0, accB))));
                accA.intoArray(dst, dA + x);
                accB.intoArray(dst, dB + x);
            }
            for (; x < d; x++) {
                float v0 = src[s0 + x], v1 = src[s1 + x], v2 = src[s2 + x], v3 = src[s3 + x];
                dst[dA + x] += coef[j] * v0 + coef[cStride + j] * v1 + coef[2 * cStride + j] * v2
                        + coef[3 * cStride + j] * v3;
                dst[dB + x] += coef[j + 1] * v0 + coef[cStride + j + 1] * v1 + coef[2 * cStride + j + 1] * v2
                        + coef[3 * cStride + j + 1] * v3;
            }
        }
        for (; j < n; j++) {
            int dA = dstOff + j * dstStride;
            float c0 = coef[j], c1 = coef[cStride + j], c2 = coef[2 * cStride + j], c3 = coef[3 * cStride + j];
            FloatVector a0 = FloatVector.broadcast(f, c0), a1 = FloatVector.broadcast(f, c1);
            FloatVector a2 = FloatVector.broadcast(f, c2), a3 = FloatVector.broadcast(f, c3);
            int x = 0;
            for (int bound = d - VecMath.L; x <= bound; x += VecMath.L) {
                FloatVector acc = FloatVector.fromArray(f, dst, dA + x);
                acc = FloatVector.fromArray(f, src, s0 + x).fma(a0, acc);
                acc = FloatVector.fromArray(f, src, s1 + x).fma(a1, acc);
                acc = FloatVector.fromArray(f, src, s2 + x).fma(a2, acc);
                acc = FloatVector.fromArray(f, src, s3 + x).fma(a3, acc);
                acc.intoArray(dst, dA + x);
            }
            for (; x < d; x++) dst[dA + x] += c0 * src[s0 + x] + c1 * src[s1 + x] + c2 * src[s2 + x] + c3 * src[s3 + x];
        }
    }

    /** dst[dOff..] += sum_{j < n} coef[cOff + j] * src_j, src_j at srcOff + j*srcStride, length d: one-row P V. */
    static void rowTimesMatrix(float[] coef, int cOff, float[] src, int srcOff, int srcStride, int n,
                               float[] dst, int dOff, int d) {
        var f = VecMath.F;
        int x = 0;
        for (int bound = d - VecMath.L; x <= bound; x += VecMath.L) {
            FloatVector a = FloatVector.fromArray(f, dst, dOff + x);
            for (int j = 0, so = srcOff + x; j < n; j++, so += srcStride) {
                a = FloatVector.fromArray(f, src, so).fma(FloatVector.broadcast(f, coef[cOff + j]), a);
            }
            a.intoArray(dst, dOff + x);
        }
        for (; x < d; x++) {
            float acc = 0;
            for (int j = 0, so = srcOff + x; j < n; j++, so += srcStride) acc += coef[cOff + j] * src[so];
            dst[dOff + x] += acc;
        }
    }

    /**
     * dst[x*dstStride + u] = src[srcOff + u*srcStride + x] for u < rows, x < d, and zero for u in [rows, dstStride):
     * a [rows, d] slice of keys or values turned into [d, rows] so that scores become vector FMAs over keys.
     */
    static void transpose(float[] src, int srcOff, int srcStride, int rows, int d, float[] dst, int dstStride) {
        for (int u = 0, so = srcOff; u < rows; u++, so += srcStride) {
            for (int x = 0, o = u; x < d; x++, o += dstStride) dst[o] = src[so + x];
        }
        for (int x = 0; x < d; x++) Arrays.fill(dst, x * dstStride + rows, (x + 1) * dstStride, 0f);
    }

    /**
     * s[sOff + i*sStride + j] = scale * sum_x a_i[x] * bT[x*bStride + bOff + j] for the four rows a_i at a0..a3 and
     * j in [0, n) rounded up to whole vectors (bT must have that many columns; the extra scores are junk for the
     * caller to ignore). With the keys transposed, each FMA computes one lane per key: no horizontal reductions.
     */
    static void scores4(float[] a, int a0, int a1, int a2, int a3, float[] bT, int bOff, int bStride, int d, int n,
                        float scale, float[] s, int sOff, int sStride) {
        var f = VecMath.F;
        for (int j = 0; j < n; j += VecMath.L) {
            FloatVector c0 = FloatVector.zero(f), c1 = c0, c2 = c0, c3 = c0;
            for (int x = 0, bo = bOff + j; x < d; x++, bo += bStride) {
                FloatVector bv = FloatVector.fromArray(f, bT, bo);
                c0 = bv.fma(FloatVector.broadcast(f, a[a0 + x]), c0);
                c1 = bv.fma(FloatVector.broadcast(f, a[a1 + x]), c1);
                c2 = bv.fma(FloatVector.broadcast(f, a[a2 + x]), c2);
                c3 = bv.fma(FloatVector.broadcast(f, a[a3 + x]), c3);
            }
            c0.mul(scale).intoArray(s, sOff + j);
            c1.mul(scale).intoArray(s, sOff + sStride + j);
            c2.mul(scale).intoArray(s, sOff + 2 * sStride + j);
            c3.mul(scale).intoArray(s, sOff + 3 * sStride + j);
        }
    }
}
