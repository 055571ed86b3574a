package dev.trident.quant;

/**
 * DeepSeek-V3's fine-grained FP8 scaling, as fake quantization: values are rounded to E4M3 with one scale
 * s = amax / 448 per tile (computed online from the tile itself), then multiplied back, so an fp32 GEMM over the
 * result computes exactly what an FP8 GEMM with fp32 accumulation would (E4M3 x E4M3 products are exact in fp32).
 * Tiles: activations and output gradients 1 x 128 along the reduction dimension; weights 128 x 128 blocks; for the
 * weight-gradient GEMM, whose reduction runs over tokens, 128 x 1 tiles down the columns.
 */
public final class Fp8Tiles {
    public static final int TILE = 128;

    private Fp8Tiles() {}

    /** dst[r, c] = q(src[r, c]) with one scale per row and 128 consecutive columns. */
    public static void rowTiles(float[] src, int rows, int cols, float[] dst, byte[] scratch) {
        rowTiles(src, 0, rows, cols, dst, 0, scratch);
    }

    /** {@link #rowTiles} on the rows x cols matrix at src[srcOff], written to dst[dstOff]. */
    public static void rowTiles(float[] src, int srcOff, int rows, int cols, float[] dst, int dstOff, byte[] scratch) {
        for (int r = 0; r < rows; r++)
            for (int c0 = 0; c0 < cols; c0 += TILE) {
                int n = Math.min(TILE, cols - c0), off = r * cols + c0;
                float amax = absMax(src, srcOff + off, n, 0f);
                roundTrip(src, srcOff + off, n, amax, dst, dstOff + off, scratch);
            }
    }

    /** dst[r, c] = q(src[r, c]) with one scale per 128 consecutive rows of one column. */
    public static void columnTiles(float[] src, int rows, int cols, float[] dst) {
        columnTiles(src, 0, rows, cols, dst, 0);
    }

    /** {@link #columnTiles} on the rows x cols matrix at src[srcOff], written to dst[dstOff]. */
    public static void columnTiles(float[] src, int srcOff, int rows, int cols, float[] dst, int dstOff) {
        // Row-major passes (the column-strided walk missed the cache on every element): the amax of each column's
        // tile first, then every element with its column's scale.
        float[] scales = new float[cols];
        for (int r0 = 0; r0 < rows; r0 += TILE) {
            int n = Math.min(TILE, rows - r0);
            java.util.Arrays.fill(scales, 0f);
            for (int i = 0; i < n; i++) {
                int row = (r0 + i) * cols;
                absMaxInto(src, srcOff + row, scales, cols);
            }
            for (int c = 0; c < cols; c++) scales[c] = scale(scales[c]);
            for (int i = 0; i < n; i++) {
                int row = (r0 + i) * cols;
                Fp8E4M3.perLaneScaledRoundTrip(src, srcOff + row, scales, dst, dstOff + row, cols);
            }
        }
    }

    /** dst = q(src) with one scale per 128 x 128 block (the weight layout of DeepSeek-V3's FP8 checkpoints). */
    public static void blocks(float[] src, int rows, int cols, float[] dst, byte[] scratch) {
        blocks(src, rows, cols, dst, 0, scratch);
    }

    /** {@link #blocks} written to dst[dstOff]. */
    public static void blocks(float[] src, int rows, int cols, float[] dst, int dstOff, byte[] scratch) {
        for (int r0 = 0; r0 < rows; r0 += TILE)
            for (int c0 = 0; c0 < cols; c0 += TILE) {
                int nr = Math.min(TILE, rows - r0), nc = Math.min(TILE, cols - c0);
                float amax = 0;
                for (int r = r0; r < r0 + nr; r++) amax = absMax(src, r * cols + c0, nc, amax);
                for (int r = r0; r < r0 + nr; r++) roundTrip(src, r * cols + c0, nc, amax, dst, dstOff + r * cols + c0, scratch);
            }
    }

    private static final jdk.incubator.vector.VectorSpecies<Float> F = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED;

    /**
     * max(acc, |x[off..off+n)|), vectorized. max is exact and order-free, so this equals the sequential
     * Math.max loop, NaN included (Math.max semantics: a NaN anywhere gives NaN, and the tile then gets scale 1).
     */
    static float absMax(float[] x, int off, int n, float acc) {
        int i = 0;
        if (n >= F.length()) {
            var m = jdk.incubator.vector.FloatVector.zero(F);
            for (int bound = n - F.length(); i <= bound; i += F.length())
                m = m.max(jdk.incubator.vector.FloatVector.fromArray(F, x, off + i).abs());
            acc = Math.max(acc, m.reduceLanes(jdk.incubator.vector.VectorOperators.MAX));
        }
        for (; i < n; i++) acc = Math.max(acc, Math.abs(x[off + i]));
        return acc;
    }

    /** into[c] = max(into[c], |x[off + c]|) for c < n, vectorized. */
    private static void absMaxInto(float[] x, int off, float[] into, int n) {
        int c = 0;
        for (int bound = n - F.length(); c <= bound; c += F.length())
            jdk.incubator.vector.FloatVector.fromArray(F, into, c).max(jdk.incubator.vector.FloatVector.fromArray(F, x, off + c).abs()).intoArray(into, c);
        for (; c < n; c++) into[c] = Math.max(into[c], Math.abs(x[off + c]));
    }

    private static float scale(float amax) {
        return amax > 0 && Float.isFinite(amax) ? amax / Fp8E4M3.MAX : 1f;
    }

    /**
     * n contiguous values: multiply by 1 / the tile's scale, round to E4M3, multiply back, in one vectorized pass
     * ({@link Fp8E4M3#scaledRoundTrip}; the same floats as encoding to bytes and decoding them). scratch is no longer
     * used; the parameter stays for the callers.
     */
    private static void roundTrip(float[] src, int srcOff, int n, float amax, float[] dst, int dstOff, byte[] scratch) {
        float s = scale(amax), inv = 1 / s;
        Fp8E4M3.scaledRoundTrip(src, srcOff, inv, s, dst, dstOff, n);
    }

    /** Scalar twin of the row-tile round trip (encode to bytes, decode), for tests of the fused vector pass. */
    static void roundTripViaBytes(float[] src, int srcOff, int n, float amax, float[] dst, int dstOff) {
        float s = scale(amax), inv = 1 / s;
        for (int i = 0; i < n; i++) dst[dstOff + i] = Fp8E4M3.decode(Fp8E4M3.encode(src[srcOff + i] * inv)) * s;
    }

    /** Bytes a tensor of rows x cols takes cached in FP8 with one fp32 scale per 128 values. */
    public static long cachedBytes(long rows, long cols) {
        return rows * cols + 4 * rows * ((cols + TILE - 1) / TILE);
    }
}
