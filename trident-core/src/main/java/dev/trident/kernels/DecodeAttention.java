package dev.trident.kernels;

import java.util.Arrays;

/**
 * Attention of one or a few new query tokens over a KV cache (inference); contract of
 * {@link Reference#decodeAttention} / {@link Reference#decodeAttentionMany}.
 *
 * <p>Cache layout: one flat float array per cache (keys, values), row p = position p, holding kvHeads vectors of
 * headDim: element x of kv head g at position p is at {@code cacheOff + p*kvStride + g*headDim + x}. kvStride is
 * normally kvHeads*headDim; it may be larger (e.g. keys and values interleaved in one array, or rows padded).
 * Queries and outputs hold heads*headDim floats per token, head h at {@code h*headDim}; query head h reads kv
 * head h / (heads / kvHeads).
 *
 * <p>Work is split into units of (query token, kv head, tile of up to four query heads sharing that kv head): each
 * cached key and value row is loaded once per tile, not once per head (GQA). Units run in parallel on the
 * {@link WorkerPool} when the cache is long enough to pay for it.
 *
 * <p>A cache row holds every kv head, so a unit alone reads each row in pieces: a strided walk that the hardware
 * prefetcher follows poorly, and in decode the cache has usually been evicted to DRAM by the weights streamed since
 * its last use (a 64-position cache of the demo model: 19 us a call from DRAM against 5 from L2). So a thread runs
 * its units a batch at a time, block by block of {@link #BC} positions: it first reads the block's rows in order,
 * one load per cache line, then computes every unit's scores on them (and later, the same way, every unit's P V),
 * so the rows come in as one sequential stream and are in L1/L2 when the units use them. The arithmetic of each
 * unit is unchanged (keys in order, P V in blocks of BC), so results do not depend on the batching.
 * Memory: scores and accumulators for a batch of units in a per-thread scratch that grows to the longest context
 * seen and is then reused.
 */
public final class DecodeAttention {
    /** Query heads per tile (the register tiling of {@link AttentionTiles}). */
    private static final int TILE = 4;
    /** Keys per block of the P V accumulation, so the value rows being summed stay in L1. */
    private static final int BC = 64;

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private DecodeAttention() {}

    /** Units run together block by block (their scores: UNIT_BATCH x TILE rows of len floats). */
    private static final int UNIT_BATCH = 16;

    private static final class Scratch {
        float[] s = new float[0];   // per unit of a batch: TILE rows of len scores, then probabilities
        float[] acc = new float[0]; // per unit of a batch: TILE output rows of headDim
        float touched;              // the sum of the in-order reads ({@link #touch}): stored, so the JIT keeps them

        static Scratch get(int len, int headDim) {
            Scratch sc = SCRATCH.get();
            // grows by doubling, so a context growing one token at a time reallocates log(len) times, not per token
            if (sc.s.length < UNIT_BATCH * TILE * len) sc.s = new float[UNIT_BATCH * TILE * Math.max(2 * len, 256)];
            if (sc.acc.length < UNIT_BATCH * TILE * headDim) sc.acc = new float[UNIT_BATCH * TILE * headDim];
            return sc;
        }
    }

    /**
     * The arguments of one attendMany call as a pool body, one per calling thread, reused (parallelFor returns only
     * when every chunk is done), so a call allocates nothing.
     */
    private static final class Units implements WorkerPool.RangeBody {
        float[] q, kCache, vCache, out;
        int qOff, qStride, p0, cacheOff, kvStride, kvHeads, headDim, group, tiles, maxLen, outOff, outStride;
        float scale;

        @Override
        public void run(int u0, int u1, int worker) {
            Scratch sc = Scratch.get(maxLen, headDim);
            for (int b = u0; b < u1; b += UNIT_BATCH) batch(b, Math.min(u1, b + UNIT_BATCH), sc);
        }

        /** Units [g0, g1): scores block by block, softmax, P V block by block; each block's rows read in order first. */
        private void batch(int g0, int g1, Scratch sc) {
            int len = p0 + (unitQuery(g1 - 1)) + 1, stride = TILE * maxLen; // the last unit's query sees the most
            for (int b0 = 0; b0 < len; b0 += BC) {
                int b1 = Math.min(len, b0 + BC);
                sc.touched += touch(kCache, cacheOff + b0 * kvStride, cacheOff + (b1 - 1) * kvStride + kvHeads * headDim);
                for (int unit = g0; unit < g1; unit++) {
                    int n = p0 + unitQuery(unit) + 1;
                    if (b0 < n) scores(unit, b0, Math.min(b1, n), n, sc.s, (unit - g0) * stride);
                }
            }
            for (int unit = g0; unit < g1; unit++) {
                int n = p0 + unitQuery(unit) + 1, rows = unitRows(unit), so = (unit - g0) * stride;
                for (int r = 0; r < rows; r++) Softmax.inPlace(sc.s, so + r * n, n);
                if (rows > 1) Arrays.fill(sc.s, so + rows * n, so + TILE * n, 0f); // padding rows: zero probabilities
            }
            Arrays.fill(sc.acc, 0, (g1 - g0) * TILE * headDim, 0f);
            for (int b0 = 0; b0 < len; b0 += BC) {
                int b1 = Math.min(len, b0 + BC);
                sc.touched += touch(vCache, cacheOff + b0 * kvStride, cacheOff + (b1 - 1) * kvStride + kvHeads * headDim);
                for (int unit = g0; unit < g1; unit++) {
                    int n = p0 + unitQuery(unit) + 1;
                    if (b0 < n) values(unit, b0, Math.min(b1, n), n, sc.s, (unit - g0) * stride, sc.acc, (unit - g0) * TILE * headDim);
                }
            }
            for (int unit = g0; unit < g1; unit++) {
                int i = unitQuery(unit), h0 = unitHead(unit), a = (unit - g0) * TILE * headDim;
                for (int r = 0; r < unitRows(unit); r++)
                    System.arraycopy(sc.acc, a + r * headDim, out, outOff + i * outStride + (h0 + r) * headDim, headDim);
            }
        }

        private int unitQuery(int unit) { return unit / (kvHeads * tiles); }

        private int unitKvHead(int unit) { return unit % (kvHeads * tiles) / tiles; }

        /** The unit's first query head. */
        private int unitHead(int unit) { return unitKvHead(unit) * group + (unit % (kvHeads * tiles) % tiles) * TILE; }

        /** Query heads in the unit's tile: TILE, or fewer in the last tile of a kv head's query heads. */
        private int unitRows(int unit) { return Math.min(TILE, (unitKvHead(unit) + 1) * group - unitHead(unit)); }

        /** s[so + r * n + u] = scale * q_r . k_u for the unit's heads r and keys u in [b0, b1). */
        private void scores(int unit, int b0, int b1, int n, float[] s, int so) {
            int qBase = qOff + unitQuery(unit) * qStride, h0 = unitHead(unit), rows = unitRows(unit), d = headDim;
            int kvBase = cacheOff + unitKvHead(unit) * d;
            if (rows == 1) {
                int qo = qBase + h0 * d;
                for (int u = b0; u < b1; u++) s[so + u] = scale * VecMath.dot(q, qo, kCache, kvBase + u * kvStride, d);
                return;
            }
            // Padding rows (rows < 4) re-read the last real query; their probabilities are zeroed before P V.
            int q0 = qBase + h0 * d;
            int q1 = qBase + (h0 + Math.min(1, rows - 1)) * d;
            int q2 = qBase + (h0 + Math.min(2, rows - 1)) * d;
            int q3 = qBase + (h0 + Math.min(3, rows - 1)) * d;
            for (int u = b0; u < b1; u++) AttentionTiles.dots4(q, q0, q1, q2, q3, kCache, kvBase + u * kvStride, d, scale, s, so + u, n);
        }

        /** acc rows of the unit += sum_{u in [b0, b1)} p_u v_u. */
        private void values(int unit, int b0, int b1, int n, float[] s, int so, float[] acc, int ao) {
            int d = headDim, vBase = cacheOff + unitKvHead(unit) * d + b0 * kvStride;
            if (unitRows(unit) == 1) AttentionTiles.rowTimesMatrix(s, so + b0, vCache, vBase, kvStride, b1 - b0, acc, ao, d);
            else AttentionTiles.rowsTimesMatrix(s, so + b0, n, vCache, vBase, kvStride, b1 - b0, acc, ao, ao + d, ao + 2 * d, ao + 3 * d, d);
        }
    }

    private static final ThreadLocal<Units> UNITS = ThreadLocal.withInitial(Units::new);

    /**
     * out = softmax(scale * q K^T) V per head, for one query token over cache positions [0, len).
     *
     * @param q       query, heads*headDim floats from qOff
     * @param kCache  keys, position p / kv head g / element x at cacheOff + p*kvStride + g*headDim + x
     * @param vCache  values, same layout as kCache
     * @param len     number of cached positions to attend to (including the query's own, if already appended)
     * @param out     heads*headDim floats from outOff, overwritten
     */
    public static void attend(float[] q, int qOff, float[] kCache, float[] vCache, int cacheOff, int kvStride,
                              int len, int heads, int kvHeads, int headDim, float scale, float[] out, int outOff) {
        if (len <= 0) throw new IllegalArgumentException("len must be positive: " + len);
        attendMany(q, qOff, 0, 1, len - 1, kCache, vCache, cacheOff, kvStride, heads, kvHeads, headDim, scale,
                out, outOff, 0);
    }

    /**
     * Several query tokens at once (verifying draft tokens, chunked prefill): query i, at qOff + i*qStride, sits at
     * absolute position p0 + i and sees cache positions [0, p0 + i] (causal among the new tokens, whose keys and
     * values must already be in the cache); its output goes to outOff + i*outStride.
     */
    public static void attendMany(float[] q, int qOff, int qStride, int nq, int p0,
                                  float[] kCache, float[] vCache, int cacheOff, int kvStride,
                                  int heads, int kvHeads, int headDim, float scale,
                                  float[] out, int outOff, int outStride) {
        if (kvHeads <= 0 || heads % kvHeads != 0) {
            throw new IllegalArgumentException("heads " + heads + " is not a multiple of kvHeads " + kvHeads);
        }
        if (kvStride < kvHeads * headDim) {
            throw new IllegalArgumentException("kvStride " + kvStride + " < kvHeads * headDim " + kvHeads * headDim);
        }
        int group = heads / kvHeads;
        int tiles = (group + TILE - 1) / TILE;
        int units = nq * kvHeads * tiles;
        int maxLen = p0 + nq;
        long work = 4L * maxLen * headDim * Math.min(group, TILE); // two passes of ~2 flops per key and element
        Units u = UNITS.get();
        u.q = q; u.qOff = qOff; u.qStride = qStride; u.p0 = p0; u.kCache = kCache; u.vCache = vCache;
        u.cacheOff = cacheOff; u.kvStride = kvStride; u.kvHeads = kvHeads; u.headDim = headDim; u.group = group;
        u.tiles = tiles; u.maxLen = maxLen; u.scale = scale; u.out = out; u.outOff = outOff; u.outStride = outStride;
        try {
            Parallel.forRange(units, work, u);
        } finally {
            u.q = u.kCache = u.vCache = u.out = null; // do not keep the caller's arrays alive
        }
    }

    /** Reads one float per 64-byte line of a[from, to), in order; returns their sum. */
    private static float touch(float[] a, int from, int to) {
        float sum = 0;
        for (int i = from; i < to; i += 16) sum += a[i];
        return sum;
    }
}
