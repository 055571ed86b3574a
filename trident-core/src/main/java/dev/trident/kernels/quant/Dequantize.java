package dev.trident.kernels.quant;

import dev.trident.quant.F32Format;
import dev.trident.quant.Fp8BlockFormat;
import dev.trident.quant.Le;
import dev.trident.quant.Q4_0Format;
import dev.trident.quant.Q4_KFormat;
import dev.trident.quant.Q6_KFormat;
import dev.trident.quant.Q8_0Format;
import dev.trident.quant.QuantizedMatrix;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;

import static dev.trident.kernels.quant.Lanes.BQ;
import static dev.trident.kernels.quant.Lanes.F;
import static dev.trident.kernels.quant.Lanes.I;
import static dev.trident.kernels.quant.Lanes.L;
import static dev.trident.kernels.quant.Lanes.LE;

/**
 * Rows, or column ranges of rows, of a quantized matrix to fp32, vectorized (the prefill GEMM decodes W into its
 * packed panels this way and multiplies in fp32: {@link DequantizedPanels}); the same values as
 * {@link QuantizedMatrix#dequantizeRow}, the scalar definition, which it falls back to for shapes without a vector form.
 */
public final class Dequantize {
    private Dequantize() {}

    public static void row(QuantizedMatrix m, int row, float[] dst, int off) {
        range(m, row, 0, m.cols(), dst, off);
    }

    /** Per-thread whole row for the ranges that are decoded through one. */
    private static final ThreadLocal<float[][]> WHOLE = ThreadLocal.withInitial(() -> new float[][]{new float[0]});

    /**
     * Columns [col0, col0 + n) of a row to dst[off ...] (the prefill GEMM decodes W one packed panel's columns at a
     * time). Vector form where the range covers whole blocks of a format that has one; otherwise (F16, BF16, Q5_K,
     * FP8 with a partial tile, or a range cutting a block) the whole row is decoded and the range copied out.
     */
    public static void range(QuantizedMatrix m, int row, int col0, int n, float[] dst, int off) {
        Objects.checkFromIndexSize(col0, n, m.cols());
        int unit = vectorUnit(m);
        if (unit > 0 && col0 % unit == 0 && n % unit == 0) {
            vectorRange(m, row, col0, n, dst, off);
        } else if (col0 == 0 && n == m.cols()) {
            m.dequantizeRow(row, dst, off);
        } else {
            float[][] holder = WHOLE.get();
            if (holder[0].length < m.cols()) holder[0] = new float[m.cols()];
            row(m, row, holder[0], 0);
            System.arraycopy(holder[0], col0, dst, off, n);
        }
    }

    /** The block a format's vector form decodes (0: none). */
    private static int vectorUnit(QuantizedMatrix m) {
        return switch (m.format()) {
            case Q8_0Format f -> 32;
            case Q4_0Format f -> 32;
            case Q4_KFormat f -> Q4_KFormat.BLOCK;
            case Q6_KFormat f -> Q6_KFormat.BLOCK;
            case Fp8BlockFormat f when m.cols() % Fp8BlockFormat.TILE == 0 -> Fp8BlockFormat.TILE;
            case F32Format f -> 1;
            default -> 0;
        };
    }

    /** {@link #range} in vector form: whole blocks only. */
    private static void vectorRange(QuantizedMatrix m, int row, int col0, int n, float[] dst, int off) {
        MemorySegment s = m.data();
        long o = row * m.rowBytes();
        int cols = col0 + n; // block loops run from col0 / block to cols / block
        off -= col0;         // and write column c at off + c
        switch (m.format()) {
            case Q8_0Format f -> {
                for (int b = col0 / 32; b < cols / 32; b++) {
                    long p = o + (long) b * Q8_0Format.BLOCK_BYTES;
                    FloatVector d = FloatVector.broadcast(F, Le.half(s, p));
                    for (int k = 0; k < 32; k += L) ((FloatVector) ByteVector.fromMemorySegment(BQ, s, p + 2 + k, LE).convertShape(VectorOperators.B2F, F, 0)).mul(d).intoArray(dst, off + b * 32 + k);
                }
            }
            case Q4_0Format f -> {
                for (int b = col0 / 32; b < cols / 32; b++) {
                    long p = o + (long) b * Q4_0Format.BLOCK_BYTES;
                    float d = Le.half(s, p);
                    for (int k = 0; k < 16; k += L) {
                        IntVector v = ((IntVector) ByteVector.fromMemorySegment(BQ, s, p + 2 + k, LE).convertShape(VectorOperators.B2I, I, 0));
                        ((FloatVector) v.and(0xF).sub(8).convertShape(VectorOperators.I2F, F, 0)).mul(d).intoArray(dst, off + b * 32 + k);
                        ((FloatVector) v.lanewise(VectorOperators.ASHR, 4).and(0xF).sub(8).convertShape(VectorOperators.I2F, F, 0))
                                .mul(d).intoArray(dst, off + b * 32 + 16 + k);
                    }
                }
            }
            case Q4_KFormat f -> {
                for (int b = col0 / Q4_KFormat.BLOCK; b < cols / Q4_KFormat.BLOCK; b++) {
                    long p = o + (long) b * Q4_KFormat.BLOCK_BYTES;
                    float d = Le.half(s, p + Q4_KFormat.D), dmin = Le.half(s, p + Q4_KFormat.DMIN);
                    long scLo = Q4_KFormat.scaleWordLo(s, p + Q4_KFormat.SCALES);
                    int scHi = Q4_KFormat.scaleWordHi(s, p + Q4_KFormat.SCALES);
                    for (int g = 0; g < 4; g++) {
                        int sm0 = Q4_KFormat.scaleMin(scLo, scHi, 2 * g);
                        int sm1 = Q4_KFormat.scaleMin(scLo, scHi, 2 * g + 1);
                        // the scalar definition computes d * sc * q - dmin * m in float, in this order
                        float d0 = d * (sm0 & 0xFF), m0 = dmin * (sm0 >>> 8), d1 = d * (sm1 & 0xFF), m1 = dmin * (sm1 >>> 8);
                        int at = off + b * 256 + g * 64;
                        for (int k = 0; k < 32; k += L) {
                            IntVector v = ((IntVector) ByteVector.fromMemorySegment(BQ, s, p + Q4_KFormat.QS + 32L * g + k, LE).convertShape(VectorOperators.B2I, I, 0));
                            ((FloatVector) v.and(0xF).convertShape(VectorOperators.I2F, F, 0)).mul(d0).sub(m0).intoArray(dst, at + k);
                            ((FloatVector) v.lanewise(VectorOperators.ASHR, 4).and(0xF).convertShape(VectorOperators.I2F, F, 0))
                                    .mul(d1).sub(m1).intoArray(dst, at + 32 + k);
                        }
                    }
                }
            }
            case Fp8BlockFormat f -> {
                for (int t = col0 / Fp8BlockFormat.TILE; t < cols / Fp8BlockFormat.TILE; t++) {
                    // e4m3 * 2^-120 (exact) times 2^120 (exact), then times scale_inv: the scalar definition's product
                    float scale = Fp8BlockFormat.scaleInv(m, row, t * Fp8BlockFormat.TILE);
                    long at = Fp8BlockFormat.offset(m.rows(), m.cols(), row, t * Fp8BlockFormat.TILE) - t * Fp8BlockFormat.TILE; // + c: column c
                    for (int c = t * Fp8BlockFormat.TILE; c < (t + 1) * Fp8BlockFormat.TILE; c += L)
                        ((IntVector) ByteVector.fromMemorySegment(BQ, s, at + c, LE).convertShape(VectorOperators.B2I, I, 0))
                                .lanewise(VectorOperators.LSHL, 20).and(0x87F00000).reinterpretAsFloats().mul(0x1p120f).mul(scale).intoArray(dst, off + c);
                }
            }
            case F32Format f -> MemorySegment.copy(s, Le.FLOAT, o + 4L * col0, dst, off + col0, n);
            case Q6_KFormat f -> {
                for (int b = col0 / Q6_KFormat.BLOCK; b < cols / Q6_KFormat.BLOCK; b++) {
                    long p = o + (long) b * Q6_KFormat.BLOCK_BYTES;
                    float d = Le.half(s, p + Q6_KFormat.D);
                    for (int h = 0; h < 2; h++) {
                        long ql = p + Q6_KFormat.QL + 64L * h, qh = p + Q6_KFormat.QH + 32L * h, sc = p + Q6_KFormat.SCALES + 8L * h;
                        int at = off + b * Q6_KFormat.BLOCK + 128 * h;
                        for (int l = 0; l < 32; l += L) {
                            int is = l / 16;
                            IntVector lo = ((IntVector) ByteVector.fromMemorySegment(BQ, s, ql + l, LE).convertShape(VectorOperators.B2I, I, 0)).and(0xFF);
                            IntVector hi = ((IntVector) ByteVector.fromMemorySegment(BQ, s, ql + l + 32, LE).convertShape(VectorOperators.B2I, I, 0)).and(0xFF);
                            IntVector hb = ((IntVector) ByteVector.fromMemorySegment(BQ, s, qh + l, LE).convertShape(VectorOperators.B2I, I, 0)).and(0xFF);
                            // (d * sc) * (q - 32) in float, the scalar definition's order
                            ((FloatVector) lo.and(0xF).or(hb.and(3).lanewise(VectorOperators.LSHL, 4)).sub(32).convertShape(VectorOperators.I2F, F, 0))
                                    .mul(d * s.get(ValueLayout.JAVA_BYTE, sc + is)).intoArray(dst, at + l);
                            ((FloatVector) hi.and(0xF).or(hb.and(12).lanewise(VectorOperators.LSHL, 2)).sub(32).convertShape(VectorOperators.I2F, F, 0))
                                    .mul(d * s.get(ValueLayout.JAVA_BYTE, sc + is + 2)).intoArray(dst, at + 32 + l);
                            ((FloatVector) lo.lanewise(VectorOperators.LSHR, 4).or(hb.and(48)).sub(32).convertShape(VectorOperators.I2F, F, 0))
                                    .mul(d * s.get(ValueLayout.JAVA_BYTE, sc + is + 4)).intoArray(dst, at + 64 + l);
                            ((FloatVector) hi.lanewise(VectorOperators.LSHR, 4).or(hb.lanewise(VectorOperators.LSHR, 6).lanewise(VectorOperators.LSHL, 4)).sub(32)
                                    .convertShape(VectorOperators.I2F, F, 0)).mul(d * s.get(ValueLayout.JAVA_BYTE, sc + is + 6)).intoArray(dst, at + 96 + l);
                        }
                    }
                }
            }
            default -> throw new AssertionError(m.format().name()); // vectorUnit is 0 for the rest
        }
    }
}
