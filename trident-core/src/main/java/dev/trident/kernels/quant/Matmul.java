package dev.trident.kernels.quant;

import dev.trident.kernels.BatchedGemv;
import dev.trident.kernels.Gemm;
import dev.trident.kernels.WorkerPool;
import dev.trident.quant.Fp8BlockFormat;
import dev.trident.quant.Q4_0Format;
import dev.trident.quant.Q4_KFormat;
import dev.trident.quant.Q5_KFormat;
import dev.trident.quant.WeightMatrix;

/**
 * {@code y = x W^T} for n token rows x against a {@link WeightMatrix} of any format: the one entry point the
 * decoder multiplies through. Per call it picks
 *
 * <ul>
 *   <li>n <= {@link #BATCH_MAX} (decoding, speculative verification, a continuous-batching step): a GEMV per
 *       format, each weight row read from memory once for all n rows (fp32: {@link BatchedGemv}; quantized:
 *       {@link QuantGemv#rows}, on int8 activations for Q8_0 / Q4_0 / Q4_K when {@code int8} is on, and for
 *       Q8_0 / Q4_0 rows longer than {@link #LONG_ROW} columns in any case);</li>
 *   <li>larger n (prefill): the packed fp32 GEMM ({@link Gemm#sgemm}), a quantized W decoded straight into its
 *       B panels ({@link DequantizedPanels}), so every weight is decoded once per KC block of columns.</li>
 * </ul>
 *
 * Rows of W are split over the {@link WorkerPool}. Set the input once with {@link #input}, then multiply it by
 * several matrices: what the kernels derive from it (int8 blocks, block sums) is computed once. All scratch is
 * allocated up front and the pool is driven through one reusable task, so a decode call allocates nothing. Not
 * thread-safe: one Matmul per decoder.
 */
public final class Matmul {
    /** Largest n multiplied as a batched GEMV rather than a GEMM. */
    public static final int BATCH_MAX = 8;
    /**
     * Rows longer than this multiply Q8_0 / Q4_0 weights by int8 activations even when {@code int8} is off. A GEMV
     * reads x again for every weight row; an fp32 x of more than 16 KB does not stay in a 32 KB L1 beside the
     * weight stream, and its misses then hold the fill buffers the weight stream needs; int8 x is a quarter of the
     * size (Q8_0, 2 threads, 4096 x 11008: 14.3 GB/s on int8 x kept as shorts, 27.1 as bytes; Llama-3.2-1B's down
     * projection, 8,192 columns, is such a matrix: docs/quantization.md). Q4_K keeps fp32 x: its int8 kernel
     * costs more than the misses.
     */
    public static final int LONG_ROW = 4096;

    private final Activations in;
    private final boolean int8;
    private final Task task = new Task();

    /** For inputs of up to maxRows x maxCols; int8: quantize activations for the formats that have an int8 path. */
    public Matmul(int maxRows, int maxCols, boolean int8) {
        this.in = new Activations(maxRows, maxCols);
        this.int8 = int8;
    }

    /** The rows every following {@link #multiply} reads: rows x cols floats at x[off], row t at off + t * cols. */
    public Matmul input(float[] x, int off, int rows, int cols) {
        in.set(x, off, rows, cols);
        return this;
    }

    /** y[yOff + t * w.rows() + r] = W[r] . x_t for every input row t and row r of W. */
    public void multiply(WeightMatrix w, float[] y, int yOff) {
        int n = in.rows, rows = w.rows(), cols = w.cols();
        if (cols != in.cols) throw new IllegalArgumentException("W has " + cols + " columns, the input " + in.cols);
        if ((long) yOff + (long) n * rows > y.length) throw new IllegalArgumentException("y too short for " + n + " x " + rows);
        switch (w) {
            case WeightMatrix.Dense d when n > BATCH_MAX ->
                    Gemm.sgemm(false, true, n, rows, cols, in.x, in.off, cols, d.data(), d.offset(), cols, 0f, y, yOff, rows);
            case WeightMatrix.Dense d -> run(Task.DENSE, w, y, yOff, rows, BatchedGemv.worthThreads(n, rows, cols));
            case WeightMatrix.Quantized q when n > BATCH_MAX ->
                    Gemm.sgemm(false, n, rows, cols, in.x, in.off, cols, new DequantizedPanels(q.matrix()), 0f, y, yOff, rows);
            case WeightMatrix.Quantized q -> run(gemvKind(q), w, y, yOff, rows, BatchedGemv.worthThreads(n, rows, cols));
        }
    }

    /**
     * {@link #multiply} by two or three matrices of the same input (w2 may be null) with one hand-off to the pool
     * for all their rows instead of one per matrix: the q, k and v (or gate and up) products of a decode step, whose
     * matrices are each too small to be worth a hand-off of their own. Each output is computed as multiply computes
     * it (the same GEMV kernel per row); more than {@link #BATCH_MAX} input rows take multiply's GEMM path instead.
     */
    public void multiply(WeightMatrix w0, float[] y0, WeightMatrix w1, float[] y1, WeightMatrix w2, float[] y2) {
        int n = in.rows;
        if (n > BATCH_MAX) {
            multiply(w0, y0, 0);
            multiply(w1, y1, 0);
            if (w2 != null) multiply(w2, y2, 0);
            return;
        }
        Fused f = fused;
        f.count = w2 == null ? 2 : 3;
        f.set(0, w0, y0);
        f.set(1, w1, y1);
        if (w2 != null) f.set(2, w2, y2);
        int total = f.start[f.count];
        try {
            if (BatchedGemv.worthThreads(n, total, in.cols)) WorkerPool.global().parallelFor(total, f);
            else f.run(0, total, 0);
        } finally {
            java.util.Arrays.fill(f.w, null);
            java.util.Arrays.fill(f.y, null);
        }
    }

    /** {@link #multiply}'s three-matrix form as one pool body over their rows laid end to end. */
    private final class Fused implements WorkerPool.RangeBody {
        final WeightMatrix[] w = new WeightMatrix[3];
        final float[][] y = new float[3][];
        final int[] kind = new int[3], start = new int[4];
        int count;

        void set(int i, WeightMatrix m, float[] out) {
            if (m.cols() != in.cols) throw new IllegalArgumentException("W has " + m.cols() + " columns, the input " + in.cols);
            if ((long) in.rows * m.rows() > out.length) throw new IllegalArgumentException("y too short for " + in.rows + " x " + m.rows());
            w[i] = m;
            y[i] = out;
            kind[i] = m instanceof WeightMatrix.Quantized q ? gemvKind(q) : Task.DENSE; // derived input made here
            start[i + 1] = start[i] + m.rows();
        }

        @Override
        public void run(int from, int to, int worker) {
            for (int i = 0; i < count; i++) {
                int lo = Math.max(from, start[i]) - start[i], hi = Math.min(to, start[i + 1]) - start[i];
                if (lo >= hi) continue;
                gemv(kind[i], w[i], y[i], 0, lo, hi);
            }
        }
    }

    private final Fused fused = new Fused();

    /** The GEMV task kind for q, with what it derives from the input computed now (on this thread, before a split). */
    private int gemvKind(WeightMatrix.Quantized q) {
        boolean useInt8 = QuantGemv.hasInt8Path(q.format()) && (int8 || in.cols > LONG_ROW && !(q.format() instanceof Q4_KFormat));
        if (useInt8) in.needInt8();
        else if (q.format() instanceof Q4_0Format || q.format() instanceof Q4_KFormat || q.format() instanceof Q5_KFormat) in.needSums();
        else if (q.format() instanceof Fp8BlockFormat) in.needFp8();
        return useInt8 ? Task.INT8 : Task.FLOAT;
    }

    private void run(int kind, WeightMatrix w, float[] y, int yOff, int units, boolean parallel) {
        Task t = task;
        t.kind = kind;
        t.w = w;
        t.y = y;
        t.yOff = yOff;
        try {
            if (parallel) WorkerPool.global().parallelFor(units, t);
            else t.run(0, units, 0);
        } finally {
            t.w = null;
            t.y = null;
        }
    }

    /** The body handed to the pool: one object, its fields set per call, so nothing is allocated per product. */
    private final class Task implements WorkerPool.RangeBody {
        static final int DENSE = 0, FLOAT = 1, INT8 = 2;
        int kind, yOff;
        WeightMatrix w;
        float[] y;

        @Override
        public void run(int from, int to, int worker) {
            gemv(kind, w, y, yOff, from, to);
        }
    }

    /** Rows [from, to) of y = x W^T by the GEMV kernel of kind (DENSE, FLOAT or INT8), on the calling thread. */
    private void gemv(int kind, WeightMatrix w, float[] y, int yOff, int from, int to) {
        switch (w) {
            case WeightMatrix.Dense d -> BatchedGemv.rows(in.rows, d.rows(), d.cols(), d.data(), d.offset(), in.x, in.off, y, yOff, from, to);
            case WeightMatrix.Quantized q -> QuantGemv.rows(q.matrix(), in, kind == Task.INT8, y, yOff, from, to);
        }
    }
}
