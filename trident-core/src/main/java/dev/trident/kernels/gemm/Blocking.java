package dev.trident.kernels.gemm;

/**
 * Cache block sizes for {@link PackedGemm} (GotoBLAS / BLIS loop nest), tuned on AMD EPYC Zen 4 with
 * 32 KB L1d and 1 MB L2 per core and a shared L3.
 *
 * <ul>
 *   <li>KC: depth of one packed block; a B micro-panel (KC x NR) should sit in L1 while the A block streams.</li>
 *   <li>MC: rows of the packed A block (MC x KC), sized to stay in L2.</li>
 *   <li>NC: columns of the packed B block (KC x NC), sized for L2/L3.</li>
 * </ul>
 */
public record Blocking(int kc, int mc, int nc) {
    public Blocking {
        if (kc < 1 || mc < 1 || nc < 1) throw new IllegalArgumentException("block sizes must be positive");
        mc = roundUp(mc, MicroKernel.MR);
        nc = roundUp(nc, MicroKernel.NR);
    }

    public static final Blocking DEFAULT = new Blocking(
            Integer.getInteger("trident.gemm.kc", 256),
            Integer.getInteger("trident.gemm.mc", 144),
            Integer.getInteger("trident.gemm.nc", 2048));

    static int roundUp(int x, int to) {
        return (x + to - 1) / to * to;
    }
}
