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
 * {@link WorkerPool} when the cache is long enough to pay for it. Memory: scores for one tile (4 x len floats) in a
 * per-thread scratch that grows to the longest context seen and is then reused.
 */
public final class DecodeAttention {
    /** Query heads per tile (the register tiling of {@link AttentionTiles}). */
    private static final int TILE = 4;
    /** Keys per block of the P V accumulation, so the value rows being summed stay in L1. */
    private static final int BC = 64;

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private DecodeAttention() {}

    private static final class Scratch {
        float[] s = new float[0];   // TILE rows of len scores, then probabilities
        float[] acc = new float[0]; // TILE output rows of headDim

        static Scratch get(int len, int headDim) {
            Scratch sc = SCRATCH.get();
            // grows by doubling, so a context growing one token at a time reallocates log(len) times, not per token
            if (sc.s.length < TILE * len) sc.s = new float[TILE * Math.max(2 * len, 256)];
            if (sc.acc.length < TILE * headDim) sc.acc = new float[TILE * headDim];
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
            for (int unit = u0; unit < u1; unit++) {
                int i = unit / (kvHeads * tiles), rest = unit % (kvHeads * tiles);
                int g = rest / tiles, h0 = g * group + (rest % tiles) * TILE;
                int rows = Math.min(TILE, (g + 1) * group - h0);
                attendTile(q, qOff + i * qStride, h0, rows, kCache, vCache, cacheOff + g * headDim, kvStride,
                        p0 + i + 1, headDim, scale, out, outOff + i * outStride, sc);
            }
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
        // The units read each cache row in pieces, one kv head at a time: a strided walk that the hardware
        // prefetcher does not follow, so a cache evicted to DRAM (by the weights streamed between layers) costs a
        // memory latency per line. A small cache is first read in order, every line once, and then sits in L2.
        long rowsBytes = 4L * (p0 + nq) * kvStride;
        if (rowsBytes <= TOUCH_MAX_BYTES) {
            int from = cacheOff, to = cacheOff + (p0 + nq - 1) * kvStride + kvHeads * headDim;
            sink += touch(kCache, from, to) + touch(vCache, from, to);
        }
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

    /** Largest K (and V) range read in order before a call: both together well inside a 1 MB L2. */
    private static final long TOUCH_MAX_BYTES = 256 << 10;
    /** Keeps the touching reads alive (the JIT drops loads whose values go nowhere). */
    private static volatile float sink;

    /** Reads one float per 64-byte line of a[from, to), in order; returns their sum. */
    private static float touch(float[] a, int from, int to) {
        float sum = 0;
        for (int i = from; i < to; i += 16) sum += a[i];
        return sum;
    }

    /** Query heads [h0, h0 + rows) of one token against kv rows [0, n) starting at kvBase. */
    private static void attendTile(float[] q, int qBase, int h0, int rows, float[] kCache, float[] vCache,
                                   int kvBase, int kvStride, int n, int d, float scale,
                                   float[] out, int oBase, Scratch sc) {
        float[] s = sc.s;
        if (rows == 1) { // no GQA sharing: plain dot products, no padded rows
            int qo = qBase + h0 * d, oo = oBase + h0 * d;
            for (int u = 0; u < n; u++) s[u] = scale * VecMath.dot(q, qo, kCache, kvBase + u * kvStride, d);
            Softmax.inPlace(s, 0, n);
            Arrays.fill(out, oo, oo + d, 0f);
            for (int u0 = 0; u0 < n; u0 += BC) {
                AttentionTiles.rowTimesMatrix(s, u0, vCache, kvBase + u0 * kvStride, kvStride,
                        Math.min(BC, n - u0), out, oo, d);
            }
            return;
        }
        // Padding rows (rows < 4) re-read the last real query and get zero probabilities.
        int q0 = qBase + h0 * d;
        int q1 = qBase + (h0 + Math.min(1, rows - 1)) * d;
        int q2 = qBase + (h0 + Math.min(2, rows - 1)) * d;
        int q3 = qBase + (h0 + Math.min(3, rows - 1)) * d;
        for (int u = 0; u < n; u++) {
            AttentionTiles.dots4(q, q0, q1, q2, q3, kCache, kvBase + u * kvStride, d, scale, s, u, n);
        }
        for (int r = 0; r < TILE; r++) {
            if (r < rows) Softmax.inPlace(s, r * n, n);
            else Arrays.fill(s, r * n, (r + 1) * n, 0f);
        }
        float[] acc = sc.acc;
        Arrays.fill(acc, 0, TILE * d, 0f);
        for (int u0 = 0; u0 < n; u0 += BC) {
            AttentionTiles.rowsTimesMatrix(s, u0, n, vCache, kvBase + u0 * kvStride, kvStride, Math.min(BC, n - u0),
                    acc, 0, d, 2 * d, 3 * d, d);
        }
        for (int r = 0; r < rows; r++) System.arraycopy(acc, r * d, out, oBase + (h0 + r) * d, d);
    }
}
