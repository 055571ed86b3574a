package dev.trident.io.hf;

import dev.trident.io.safetensors.SafetensorsDType;
import dev.trident.io.safetensors.SafetensorsTensor;

/**
 * DeepSeek-V3's FP8 weights (Hugging Face "fp8" quantization, fine-grained): a weight W [rows, cols] is stored as
 * E4M3 codes q with a companion {@code weight_scale_inv} S [ceil(rows / br), ceil(cols / bc)] of fp32, one per
 * br x bc block (weight_block_size, 128 x 128 in DeepSeek-V3), and
 * <pre>
 *   W[r][c] = e4m3(q[r][c]) * S[r / br][c / bc]
 * </pre>
 * (DeepSeek's weight_dequant; edge blocks are partial). A per-tensor scale (no block size, S of one element) is the
 * case br = rows, bc = cols.
 */
public final class Fp8BlockScales {
    private Fp8BlockScales() {}

    /**
     * Dequantizes q (F8_E4M3 or F8_E5M2, [rows, cols]) with its scales into dst [rows * cols]; block null means one
     * scale for the whole tensor. Throws the tensor's one-line error if the scale grid does not fit.
     */
    public static void dequantize(SafetensorsTensor q, SafetensorsTensor scaleInv, int[] block, float[] dst) {
        if (q.shape().length != 2) throw q.fail("is FP8 with " + q.shape().length + " dimensions; block scales need a matrix");
        if (scaleInv.dtype() != SafetensorsDType.F32 && scaleInv.dtype() != SafetensorsDType.BF16)
            throw scaleInv.fail("is " + scaleInv.dtype() + "; scales are F32 (or BF16)");
        int rows = (int) q.shape()[0], cols = (int) q.shape()[1];
        int br = block == null ? Math.max(1, rows) : block[0], bc = block == null ? Math.max(1, cols) : block[1];
        long gridRows = (rows + br - 1) / br, gridCols = (cols + bc - 1) / bc;
        long[] s = scaleInv.shape();
        boolean fits = block == null ? scaleInv.count() == 1
                : s.length == 2 && s[0] == gridRows && s[1] == gridCols;
        if (!fits)
            throw scaleInv.fail("has shape " + java.util.Arrays.toString(s) + " but a [" + rows + ", " + cols + "] weight in "
                    + (block == null ? "one block needs one scale" : br + "x" + bc + " blocks needs [" + gridRows + ", " + gridCols + "]"));
        float[] scales = scaleInv.toFloats();
        if ((long) rows * cols > dst.length) throw new IllegalArgumentException("destination too small");
        for (int r = 0; r < rows; r++) {
            q.dtype().decode(q.data(), (long) r * cols, dst, r * cols, cols);
            int sRow = (int) ((r / br) * gridCols);
            for (int c0 = 0; c0 < cols; c0 += bc) {
                float scale = scales[sRow + c0 / bc];
                for (int c = c0, end = Math.min(cols, c0 + bc); c < end; c++) dst[r * cols + c] *= scale;
            }
        }
    }
}
