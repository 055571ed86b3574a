package dev.trident.kernels.quant;

import dev.trident.kernels.gemm.MicroKernel;
import dev.trident.kernels.gemm.Packing;
import dev.trident.kernels.gemm.PanelSource;
import dev.trident.quant.QuantizedMatrix;

/**
 * The B operand of the prefill GEMM {@code Y = X W^T}, W quantized: each packed panel (NR rows of W, kc columns) is
 * decoded into a small per-thread tile that stays in L2 and transposed from there into the panel, instead of
 * dequantizing whole blocks of W into an fp32 copy (16 MB through L3 and DRAM) that the GEMM then reads and packs
 * again (one less pass over W through memory, and no 16 MB scratch per decoder). The values are {@link Dequantize}'s,
 * so the product is that of the dequantized fp32 W bit for bit.
 */
final class DequantizedPanels implements PanelSource {
    private static final int NR = MicroKernel.NR;
    private static final ThreadLocal<float[][]> TILE = ThreadLocal.withInitial(() -> new float[][]{new float[0]});

    private final QuantizedMatrix w;

    DequantizedPanels(QuantizedMatrix w) {
        this.w = w;
    }

    @Override
    public void pack(int p0, int j0, int kc, int nc, float[] dst, int dstOff) {
        // Tile rows kc + 16 floats apart: at a stride of a multiple of 4 KB the transpose's 16 row reads would all
        // fall in one L1 set (more lines than its ways), missing every time.
        int ld = kc + 16;
        float[][] holder = TILE.get();
        if (holder[0].length < NR * ld) holder[0] = new float[NR * ld];
        float[] tile = holder[0];
        for (int jr = 0; jr < nc; jr += NR) {
            int rows = Math.min(NR, nc - jr);
            for (int j = 0; j < rows; j++) Dequantize.range(w, j0 + jr + j, p0, kc, tile, j * ld);
            Packing.packB(true, tile, 0, ld, 0, 0, kc, rows, dst, dstOff + jr * kc);
        }
    }
}
