package dev.trident.autograd;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Records the backward step of every op run in a forward pass, then replays them in reverse. It also owns the
 * memory of the pass: activation and gradient buffers are taken from a pool keyed by size and returned by
 * {@link #reset()}, so a training step allocates nothing once the first step has run.
 */
public final class Tape {
    private final List<Runnable> backwards = new ArrayList<>();
    private final Map<Integer, ArrayDeque<float[]>> free = new HashMap<>();
    private final List<float[]> lent = new ArrayList<>();
    private final Map<Integer, ArrayDeque<int[]>> freeInts = new HashMap<>();
    private final List<int[]> lentInts = new ArrayList<>();
    private final List<Tensor> intermediates = new ArrayList<>();
    private final float[][] scratch = new float[Scratch.values().length][];
    private boolean recording = true;
    private boolean fp8;
    private long linearInputFloats, linearInputFp8Bytes;

    /** Ops record backward steps only while recording (off for evaluation passes). */
    public boolean recording() { return recording; }

    public void setRecording(boolean on) { this.recording = on; }

    /**
     * FP8 mode: {@link Ops#linear} rounds its GEMM inputs to E4M3 with fine-grained scales (DeepSeek-V3's recipe);
     * {@link Ops#linearExact} (output head, router) stays in fp32.
     */
    public boolean fp8() { return fp8; }

    public void setFp8(boolean on) { this.fp8 = on; }

    /** Counts a Linear input kept for the backward pass (rows x cols), for the activation-memory report. */
    public void countLinearInput(long rows, long cols) {
        linearInputFloats += rows * cols;
        linearInputFp8Bytes += dev.trident.quant.Fp8Tiles.cachedBytes(rows, cols);
    }

    /** Bytes of Linear inputs the last pass kept for backward: {fp32, fp8 with 1x128 scales}. */
    public long[] linearInputBytes() {
        return new long[]{4 * linearInputFloats, linearInputFp8Bytes};
    }

    /** Adds the backward step of an op that just ran. */
    public void record(Runnable backward) {
        if (recording) backwards.add(backward);
    }

    /** A pooled buffer of at least n floats with undefined contents, valid until {@link #reset()}. */
    public float[] buffer(int n) {
        ArrayDeque<float[]> q = free.get(n);
        float[] b = q == null ? null : q.pollFirst();
        if (b == null) b = new float[n];
        lent.add(b);
        return b;
    }

    /** A pooled int buffer of exactly n ints with undefined contents (routing indices), valid until {@link #reset()}. */
    public int[] ints(int n) {
        ArrayDeque<int[]> q = freeInts.get(n);
        int[] b = q == null ? null : q.pollFirst();
        if (b == null) b = new int[n];
        lentInts.add(b);
        return b;
    }

    /**
     * Working memory an op needs only while one of its steps runs (its forward, or one backward step) and that
     * nothing else reads afterwards: the FP8 copies of a Linear's operands, attention's dQ, dK, dV before they are
     * added to the inputs' gradients. Each slot is one buffer reused by every op, grown to the largest request,
     * so such values cost the largest one instead of one per op in the pass. Contents are undefined; the buffer is
     * valid until the same slot is asked for again (backward steps run one after another, never nested).
     */
    public float[] scratch(Scratch slot, int n) {
        float[] b = scratch[slot.ordinal()];
        if (b == null || b.length < n) scratch[slot.ordinal()] = b = new float[n];
        return b;
    }

    /** The {@link #scratch} slots; two values that are alive at the same time use different slots. */
    public enum Scratch { FP8_X, FP8_W, FP8_DY, FP8_DY_T, FP8_X_T, ATTN_DQ, ATTN_DK, ATTN_DV }

    /** A pooled buffer of n zeros. */
    public float[] zeros(int n) {
        float[] b = buffer(n);
        Arrays.fill(b, 0, n, 0f);
        return b;
    }

    /** A new intermediate tensor (pooled storage) that takes part in backward when recording. */
    public Tensor tensor(int... shape) {
        int n = 1;
        for (int d : shape) n = Math.multiplyExact(n, d);
        Tensor t = new Tensor(buffer(n), recording, shape);
        intermediates.add(t);
        return t;
    }

    /**
     * The gradient buffer of t for an op to add into: allocated zeroed on first use. Intermediates get pooled
     * buffers; parameters keep their own (zeroed by the optimizer).
     */
    public float[] grad(Tensor t) {
        if (t.grad == null) t.grad = zeros(t.size());
        return t.grad;
    }

    /** Runs every recorded backward step in reverse order, starting from d(loss)/d(loss) = 1. */
    public void backward(Tensor loss) {
        if (loss.size() != 1) throw new IllegalArgumentException("backward needs a scalar loss, got " + loss);
        grad(loss)[0] = 1f;
        for (int i = backwards.size() - 1; i >= 0; i--) backwards.get(i).run();
        backwards.clear();
    }

    /**
     * Forgets the graph and returns every pooled buffer; intermediates of the last pass become invalid. The pool
     * keeps exactly the buffers the last pass used: a pass like the last allocates nothing, and passes whose shapes
     * change (the BLT's patch counts) do not pile up buffers of every size ever seen.
     */
    public void reset() {
        backwards.clear();
        linearInputFloats = 0;
        linearInputFp8Bytes = 0;
        for (Tensor t : intermediates) t.grad = null;
        intermediates.clear();
        free.clear();
        for (float[] b : lent) free.computeIfAbsent(b.length, k -> new ArrayDeque<>()).addLast(b);
        lent.clear();
        for (int[] b : lentInts) freeInts.computeIfAbsent(b.length, k -> new ArrayDeque<>()).addLast(b);
        lentInts.clear();
    }

    /**
     * {@link #reset}, then also drops the pooled and scratch buffers, for the garbage collector (e.g. before a
     * validation pass).
     */
    public void release() {
        reset();
        free.clear();
        freeInts.clear();
        java.util.Arrays.fill(scratch, null);
    }
}
