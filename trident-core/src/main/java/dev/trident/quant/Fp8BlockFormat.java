package dev.trident.quant;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * FP8-block, the layout of DeepSeek-V3's released weights: one E4M3 byte per weight and a separate fp32 grid
 * {@code weight_scale_inv[ceil(rows/128)][ceil(cols/128)]} in {@code scales}, one per 128x128 tile:
 * <pre>
 *   w[r][c] = e4m3(code[r][c]) * scale_inv[r / 128][c / 128]
 * </pre>
 * Quantizing picks {@code scale_inv = max|w| / 448} per tile (the tile's largest weight lands on E4M3's largest
 * finite value) and stores {@code e4m3(w / scale_inv)}; an all-zero tile gets scale_inv 0.
 *
 * <p>In memory the codes are row-major, {@code data} being the safetensors {@code weight} tensor as is, for rows of
 * up to {@link #PANEL} columns. Longer rows are cut into column panels of whole tiles ({@link #panelWidth}), stored
 * one after the other, each row-major: a GEMV then streams one panel for all rows against that panel of x, and x's
 * slice stays in L1 beside the weight stream where a whole row of x (11,008 bf16 values, 22 KB, plus an 11 KB weight
 * row) did not (4096 x 11008 at 2 threads: 17-18 GB/s row-major, 25 GB/s in panels; docs/quantization.md).
 * {@link #offset} maps (r, c) to its byte; {@link #rowMajorCodes} gives the safetensors layout back.
 */
public record Fp8BlockFormat() implements WeightFormat {
    public static final int TILE = 128;

    @Override public String name() { return "FP8_BLOCK"; }
    @Override public int blockSize() { return TILE; }
    @Override public int ggmlType() { return -1; }
    /** One byte per weight: a tile's row is 128 bytes, but a row need not be whole tiles (hence rowBytes). */
    @Override public int blockBytes() { return TILE; }
    @Override public long rowBytes(int cols) { return cols; }
    @Override public double bytesPerWeight() { return 1 + 4.0 / (TILE * TILE); }

    /** Any row length works: edge tiles are partial, as in DeepSeek-V3's weight_dequant. */
    @Override
    public void checkCols(int cols) {}

    /** Longest row stored row-major; longer rows go in panels. */
    public static final int PANEL = 4096;

    /** Columns per panel: cols itself up to {@link #PANEL}, else the fewest panels of at most PANEL, as even as whole tiles allow. */
    public static int panelWidth(int cols) {
        if (cols <= PANEL) return cols;
        int panels = (cols + PANEL - 1) / PANEL;
        return (tilesAcross(cols) + panels - 1) / panels * TILE;
    }

    /** Index in {@code data} of the code of weight (r, c) of a rows x cols matrix. */
    public static long offset(int rows, int cols, int r, int c) {
        int p = panelWidth(cols), c0 = c / p * p;
        return (long) rows * c0 + (long) r * Math.min(p, cols - c0) + (c - c0);
    }

    /** The codes row-major (the safetensors {@code weight} tensor): m's data itself when rows are one panel, else a reordered copy. */
    public static MemorySegment rowMajorCodes(QuantizedMatrix m) {
        int rows = m.rows(), cols = m.cols(), p = panelWidth(cols);
        if (p == cols) return m.data().asSlice(0, (long) rows * cols);
        MemorySegment out = java.lang.foreign.Arena.ofAuto().allocate(Math.max(1, (long) rows * cols));
        for (int r = 0; r < rows; r++)
            for (int c0 = 0; c0 < cols; c0 += p)
                MemorySegment.copy(m.data(), offset(rows, cols, r, c0), out, (long) r * cols + c0, Math.min(p, cols - c0));
        return out;
    }

    public static int tilesAcross(int cols) {
        return (cols + TILE - 1) / TILE;
    }

    @Override
    public long scaleBytes(int rows, int cols) {
        return 4L * ((rows + TILE - 1) / TILE) * tilesAcross(cols);
    }

    /** scale_inv of the tile holding (row, col). */
    public static float scaleInv(QuantizedMatrix m, int row, int col) {
        return m.scales().getAtIndex(Le.FLOAT, (long) (row / TILE) * tilesAcross(m.cols()) + col / TILE);
    }

    @Override
    public QuantizedMatrix quantize(float[] w, int rows, int cols) {
        QuantizedMatrix m = QuantizedMatrix.allocate(this, rows, cols);
        int across = tilesAcross(cols);
        byte[] codes = new byte[TILE];
        float[] scaled = new float[TILE];
        for (int tr = 0; tr * TILE < rows; tr++) {
            int r0 = tr * TILE, r1 = Math.min(rows, r0 + TILE);
            for (int tc = 0; tc < across; tc++) {
                int c0 = tc * TILE, c1 = Math.min(cols, c0 + TILE);
                float amax = 0;
                for (int r = r0; r < r1; r++)
                    for (int c = c0; c < c1; c++) amax = Math.max(amax, Math.abs(w[r * cols + c]));
                float scaleInv = amax / Fp8E4M3.MAX;
                m.scales().setAtIndex(Le.FLOAT, (long) tr * across + tc, scaleInv);
                for (int r = r0; r < r1; r++) {
                    for (int c = c0; c < c1; c++) scaled[c - c0] = scaleInv == 0 ? 0 : w[r * cols + c] / scaleInv;
                    Fp8E4M3.encode(scaled, 0, codes, 0, c1 - c0);
                    MemorySegment.copy(codes, 0, m.data(), ValueLayout.JAVA_BYTE, offset(rows, cols, r, c0), c1 - c0);
                }
            }
        }
        return m;
    }

    @Override
    public void dequantizeRow(QuantizedMatrix m, int row, float[] dst, int dstOff) {
        int cols = m.cols();
        for (int c = 0; c < cols; c++) {
            byte q = m.data().get(ValueLayout.JAVA_BYTE, offset(m.rows(), cols, row, c));
            dst[dstOff + c] = Fp8E4M3.decode(q) * scaleInv(m, row, c);
        }
    }
}
