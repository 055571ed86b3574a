package dev.trident.quant;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * FP8-block, the layout of DeepSeek-V3's released weights: the weight as row-major E4M3 bytes (one byte per
 * weight, rows contiguous, so {@code data} is the safetensors {@code weight} tensor as is) and a separate fp32
 * grid {@code weight_scale_inv[ceil(rows/128)][ceil(cols/128)]} in {@code scales}, one per 128x128 tile:
 * <pre>
 *   w[r][c] = e4m3(data[r * cols + c]) * scale_inv[r / 128][c / 128]
 * </pre>
 * Quantizing picks {@code scale_inv = max|w| / 448} per tile (the tile's largest weight lands on E4M3's largest
 * finite value) and stores {@code e4m3(w / scale_inv)}; an all-zero tile gets scale_inv 0.
 */
public record Fp8BlockFormat() implements WeightFormat {
    public static final int TILE = 128;

    @Override public String name() { return "FP8_BLOCK"; }
    @Override public int blockSize() { return TILE; }
    @Override public int ggmlType() { return -1; }
    @Override public long rowBytes(int cols) { return cols; }
    @Override public double bytesPerWeight() { return 1 + 4.0 / (TILE * TILE); }

    /** Any row length works: edge tiles are partial, as in DeepSeek-V3's weight_dequant. */
    @Override
    public void checkCols(int cols) {}

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
                    MemorySegment.copy(codes, 0, m.data(), ValueLayout.JAVA_BYTE, (long) r * cols + c0, c1 - c0);
                }
            }
        }
        return m;
    }

    @Override
    public void dequantizeRow(QuantizedMatrix m, int row, float[] dst, int dstOff) {
        int cols = m.cols();
        for (int c = 0; c < cols; c++) {
            byte q = m.data().get(ValueLayout.JAVA_BYTE, (long) row * cols + c);
            dst[dstOff + c] = Fp8E4M3.decode(q) * scaleInv(m, row, c);
        }
    }
}
