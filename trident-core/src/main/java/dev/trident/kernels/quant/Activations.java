package dev.trident.kernels.quant;

import dev.trident.quant.BFloat16;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import java.util.Objects;

import static dev.trident.kernels.quant.Lanes.BQ;
import static dev.trident.kernels.quant.Lanes.F;
import static dev.trident.kernels.quant.Lanes.I;
import static dev.trident.kernels.quant.Lanes.L;
import static dev.trident.kernels.quant.Lanes.SH;

/**
 * The input of a quantized matrix product: n rows of cols fp32 activations, plus what some kernels derive from them
 * once per input (and then share across every matrix multiplied by the same rows, e.g. W_q, W_k and W_v):
 *
 * <ul>
 *   <li>{@link #sums}: the fp32 sum of each block of 32, for the formats whose weights carry an offset (Q4_0's -8,
 *       Q4_K's mins): {@code sum (q - 8) d x = d (q . x) - 8 d sum(x)}.</li>
 *   <li>the int8 form (llama.cpp's q8_0 activations): per block of 32, {@code d = max|x| / 127} and
 *       {@code q = trunc(x / d + sign(x) / 2)} (round half away from zero, in float arithmetic), kept as bytes:
 *       a GEMV reads x again for every weight row, and at one byte per value a row of 11,008 stays in L1 beside
 *       the weight stream (the kernels widen q to shorts as they load it); {@link #qsum} is the sum of each
 *       block's q.</li>
 * </ul>
 *
 * Buffers are allocated once, for up to maxRows x maxCols; {@link #set} only points at the new rows.
 */
public final class Activations {
    public static final int BLOCK = 32;

    private final int maxRows, maxCols;
    float[] x;
    int off, rows, cols;
    final byte[] q;
    final float[] d, sums;
    final int[] qsum;
    /** FP8 kernel's form: bf16(x * 2^100), in order. */
    final short[] fp8x;
    private boolean haveInt8, haveSums, haveFp8;

    public Activations(int maxRows, int maxCols) {
        if (maxRows < 1 || maxCols < 1) throw new IllegalArgumentException("activations of " + maxRows + " x " + maxCols);
        this.maxRows = maxRows;
        this.maxCols = maxCols;
        int blocks = Math.multiplyExact(maxRows, (maxCols + BLOCK - 1) / BLOCK);
        q = new byte[Math.multiplyExact(maxRows, maxCols)];
        d = new float[blocks];
        sums = new float[blocks];
        qsum = new int[blocks];
        fp8x = new short[Math.multiplyExact(maxRows, maxCols)];
    }

    /** Rows x cols activations at x[off ...], row t at off + t * cols. Derived forms are recomputed on demand. */
    public Activations set(float[] x, int off, int rows, int cols) {
        Objects.requireNonNull(x, "x");
        if (rows < 1 || rows > maxRows || cols < 1 || cols > maxCols)
            throw new IllegalArgumentException(rows + " x " + cols + " activations, room for " + maxRows + " x " + maxCols);
        Objects.checkFromIndexSize(off, Math.multiplyExact(rows, cols), x.length);
        this.x = x;
        this.off = off;
        this.rows = rows;
        this.cols = cols;
        haveInt8 = false;
        haveSums = false;
        haveFp8 = false;
        return this;
    }

    public int rows() { return rows; }

    public int cols() { return cols; }

    /** Index of row t's first value in {@link #x}. */
    int rowOffset(int t) {
        return off + t * cols;
    }

    /** Blocks of 32 per row (cols must be a multiple of 32 for the derived forms). */
    int blocks() {
        return cols / BLOCK;
    }

    private void checkBlocks() {
        if (cols % BLOCK != 0) throw new IllegalArgumentException("block sums need a multiple of 32 columns, got " + cols);
    }

    /** Fills {@link #sums} for the current rows, once. */
    void needSums() {
        if (haveSums) return;
        checkBlocks();
        int nb = blocks();
        for (int t = 0; t < rows; t++) {
            int xo = rowOffset(t);
            for (int b = 0; b < nb; b++) {
                float s = 0;
                for (int j = 0; j < BLOCK; j++) s += x[xo + b * BLOCK + j];
                sums[t * nb + b] = s;
            }
        }
        haveSums = true;
    }

    /** The factor {@link #fp8x} carries: x * 2^100 keeps the products with 2^-120-scaled E4M3 weights normal floats. */
    static final float FP8_X_SCALE = 0x1p100f;

    /**
     * Fills {@link #fp8x} for the current rows, once: bf16 of x * 2^100 (the scaling exact, a power of two, for
     * |x| < 2^27), rounded to nearest even. Half the bytes of fp32, so x's slice for a panel of up to 4096 columns
     * (8 KB) stays in L1 beside the weight stream; bf16's 8 significant bits are still five more than an E4M3 weight has.
     */
    void needFp8() {
        if (haveFp8) return;
        for (int t = 0; t < rows; t++) {
            int xo = rowOffset(t), o = t * cols, c = 0;
            for (; c + L <= cols; c += L) {
                IntVector b = FloatVector.fromArray(F, x, xo + c).mul(FP8_X_SCALE).reinterpretAsInts();
                IntVector h = b.add(b.lanewise(VectorOperators.LSHR, 16).and(1)).add(0x7FFF).lanewise(VectorOperators.LSHR, 16);
                ((ShortVector) h.convertShape(VectorOperators.I2S, SH, 0)).intoArray(fp8x, o + c);
            }
            for (; c < cols; c++) fp8x[o + c] = BFloat16.encode(x[xo + c] * FP8_X_SCALE);
        }
        haveFp8 = true;
    }

    /** Fills the int8 form for the current rows, once. */
    void needInt8() {
        if (haveInt8) return;
        checkBlocks();
        int nb = blocks();
        for (int t = 0; t < rows; t++) {
            int xo = rowOffset(t);
            for (int b = 0; b < nb; b++) quantizeBlock(x, xo + b * BLOCK, q, t * cols + b * BLOCK, d, qsum, t * nb + b);
        }
        haveInt8 = true;
    }

    /** One block: vector form of {@link #quantizeBlockScalar}, the same float operations lane by lane. */
    private static void quantizeBlock(float[] x, int xo, byte[] q, int qo, float[] d, int[] qsum, int bi) {
        FloatVector amax = FloatVector.zero(F);
        for (int k = 0; k < BLOCK; k += L) amax = amax.max(FloatVector.fromArray(F, x, xo + k).abs());
        float m = amax.reduceLanes(VectorOperators.MAX); // max is exact in any order
        float db = m / 127;
        float id = db != 0 ? 1f / db : 0f;
        IntVector total = IntVector.zero(I);
        for (int k = 0; k < BLOCK; k += L) {
            FloatVector v = FloatVector.fromArray(F, x, xo + k).mul(id);
            FloatVector half = FloatVector.broadcast(F, 0.5f).blend(-0.5f, v.lt(0f));
            IntVector qi = (IntVector) v.add(half).convertShape(VectorOperators.F2I, I, 0); // truncates toward zero
            total = total.add(qi);
            ((ByteVector) qi.convertShape(VectorOperators.I2B, BQ, 0)).intoArray(q, qo + k); // |qi| <= 127
        }
        d[bi] = db;
        qsum[bi] = total.reduceLanes(VectorOperators.ADD); // integer sum: exact in any order
    }

    /** Scalar twin of the int8 quantization of one block (the definition the tests hold the vector form to). */
    static void quantizeBlockScalar(float[] x, int xo, byte[] q, int qo, float[] d, int[] qsum, int bi) {
        float m = 0;
        for (int j = 0; j < BLOCK; j++) m = Math.max(m, Math.abs(x[xo + j]));
        float db = m / 127;
        float id = db != 0 ? 1f / db : 0f;
        int total = 0;
        for (int j = 0; j < BLOCK; j++) {
            float v = x[xo + j] * id;
            int qi = (int) (v + (v < 0 ? -0.5f : 0.5f));
            q[qo + j] = (byte) qi;
            total += qi;
        }
        d[bi] = db;
        qsum[bi] = total;
    }
}
