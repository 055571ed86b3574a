package dev.trident.kernels.gemm;

/**
 * Where the packed GEMM gets its B micro-panels: fills op(B)[p0 .. p0+kc, j0 .. j0+nc) into dst from dstOff in
 * {@link Packing}'s B layout (panels of NR columns, zero-padded). Usually a plain fp32 matrix ({@link #of}); a
 * quantized weight matrix can instead decode its blocks straight into the panels (the prefill GEMM), so no fp32
 * copy of the weights is ever written out. Threads call it concurrently for disjoint panel ranges.
 */
@FunctionalInterface
public interface PanelSource {
    void pack(int p0, int j0, int kc, int nc, float[] dst, int dstOff);

    /** op(B) of a row-major fp32 b (transposed when transB). */
    static PanelSource of(boolean transB, float[] b, int bOff, int ldb) {
        return (p0, j0, kc, nc, dst, dstOff) -> Packing.packB(transB, b, bOff, ldb, p0, j0, kc, nc, dst, dstOff);
    }
}
