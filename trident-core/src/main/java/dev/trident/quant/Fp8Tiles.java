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
                float amax = 0;
                for (int i = 0; i < n; i++) amax = Math.max(amax, Math.abs(src[srcOff + off + i]));
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
                for (int c = 0; c < cols; c++) scales[c] = Math.max(scales[c], Math.abs(src[srcOff + row + c]));
            }
            for (int c = 0; c < cols; c++) scales[c] = scale(scales[c]);
            for (int i = 0; i < n; i++) {
                int row = (r0 + i) * cols;
                for (int c = 0; c < cols; c++)
                    dst[dstOff + row + c] = Fp8E4M3.decode(Fp8E4M3.encode(src[srcOff + row + c] / scales[c])) * scales[c];
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
                for (int r = r0; r < r0 + nr; r++)
                    for (int c = c0; c < c0 + nc; c++) amax = Math.max(amax, Math.abs(src[r * cols + c]));
                for (int r = r0; r < r0 + nr; r++) roundTrip(src, r * cols + c0, nc, amax, dst, dstOff + r * cols + c0, scratch);
            }
    }

    private static float scale(float amax) {
        return amax > 0 && Float.isFinite(amax) ? amax / Fp8E4M3.MAX : 1f;
    }

    /** n contiguous values: divide by the tile's scale, encode and decode (vectorized), multiply back. */
    private static void roundTrip(float[] src, int srcOff, int n, float amax, float[] dst, int dstOff, byte[] scratch) {
        float s = scale(amax), inv = 1 / s;
        for (int i = 0; i < n; i++) dst[dstOff + i] = src[srcOff + i] * inv;
        Fp8E4M3.encode(dst, dstOff, scratch, 0, n);
        Fp8E4M3.decode(scratch, 0, dst, dstOff, n);
        for (int i = 0; i < n; i++) dst[dstOff + i] *= s;
    }

    /** Bytes a tensor of rows x cols takes cached in FP8 with one fp32 scale per 128 values. */
    public static long cachedBytes(long rows, long cols) {
        return rows * cols + 4 * rows * ((cols + TILE - 1) / TILE);
    }
}
