package dev.trident.kernels.gemm;

/**
 * Cache block sizes for {@link PackedGemm} (GotoBLAS / BLIS loop nest), tuned on AMD EPYC Zen 4 with
 * 32 KB L1d and 1 MB L2 per core and a shared L3.
 *
 * <ul>
 *   <li>KC: depth of one packed block. Deep blocks win here: Zen 4's L2 feeds the kernel's two B vectors per
 *       24 FMAs easily, so a B micro-panel (KC x NR = 128 KB) may live in L2, and a deep KC amortizes the per-tile
 *       cost of zeroing, spilling and merging the C tile (measured: KC 1024 beats 256 by ~10% at 1024^3).</li>
 *   <li>MC: rows of the packed A block (MC x KC = 192 KB), which stays in L2 while all B micro-panels pass.</li>
 *   <li>NC: columns of the packed B block (KC x NC = 4 MB), which lives in L3.</li>
 * </ul>
 * Override with -Dtrident.gemm.kc / .mc / .nc for tuning.
 */
public record Blocking(int kc, int mc, int nc) {
    public Blocking {
        if (kc < 1 || mc < 1 || nc < 1) throw new IllegalArgumentException("block sizes must be positive");
        mc = roundUp(mc, MicroKernel.MR);
        nc = roundUp(nc, MicroKernel.NR);
    }

    public static final Blocking DEFAULT = new Blocking(
            Integer.getInteger("trident.gemm.kc", 1024),
            Integer.getInteger("trident.gemm.mc", 48),
            Integer.getInteger("trident.gemm.nc", 1024));

    static int roundUp(int x, int to) {
        return (x + to - 1) / to * to;
    }
}
