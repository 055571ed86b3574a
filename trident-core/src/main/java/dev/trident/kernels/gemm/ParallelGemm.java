package dev.trident.kernels.gemm;

import dev.trident.kernels.WorkerPool;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The packed GEMM on all pool threads, GotoBLAS style: per (NC, KC) block of B,
 * <ol>
 *   <li>the threads pack the B block once, into one shared buffer (disjoint panel ranges per thread), then</li>
 *   <li>they take work units from a shared counter until none are left. A unit is one MC block of rows of C
 *       times a range of B panels; the thread packs that A block into its own scratch (skipped when its previous
 *       unit had the same rows) and runs the micro-kernels.</li>
 * </ol>
 * Claiming many small units instead of one fixed half per thread keeps both cores busy even when one of them is
 * also running someone else's process: the faster thread simply takes more units. The end of each
 * {@link WorkerPool#parallelFor} is the barrier between the phases; there is no barrier inside a body, which could
 * deadlock when the pool's caller runs a chunk that a busy worker never picked up.
 */
public final class ParallelGemm {
    /** Aim for at least this many units per thread, so a slowed-down thread costs little. */
    private static final int UNITS_PER_THREAD = 4;

    private ParallelGemm() {}

    public static void run(WorkerPool pool, boolean transA, boolean transB, int m, int n, int k,
                           float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                           float beta, float[] c, int cOff, int ldc, Blocking bl) {
        run(pool, transA, m, n, k, a, aOff, lda, PanelSource.of(transB, b, bOff, ldb), beta, c, cOff, ldc, bl);
    }

    /** The same with B's panels from a {@link PanelSource} (packed by the threads in parallel, as above). */
    public static void run(WorkerPool pool, boolean transA, int m, int n, int k,
                           float[] a, int aOff, int lda, PanelSource b,
                           float beta, float[] c, int cOff, int ldc, Blocking bl) {
        final int MR = MicroKernel.MR, NR = MicroKernel.NR;
        int threads = pool.threads();
        // The shared packed B lives in the calling thread's scratch (its .a is still free for its own A blocks).
        PackedGemm.Scratch own = PackedGemm.scratch();
        int kcMax = Math.min(bl.kc(), k);
        own.ensure(0, Blocking.roundUp(Math.min(bl.nc(), n), NR) * kcMax);
        final float[] bp = own.b;
        int icBlocks = (m + bl.mc() - 1) / bl.mc();

        for (int jc = 0; jc < n; jc += bl.nc()) {
            final int jcF = jc, nc = Math.min(bl.nc(), n - jc);
            final int panels = (nc + NR - 1) / NR;
            // Split the panels into chunks so that there are enough units to balance the threads.
            int chunks = Math.min(panels, Math.max(1, (UNITS_PER_THREAD * threads + icBlocks - 1) / icBlocks));
            final int panelsPerChunk = (panels + chunks - 1) / chunks;
            final int jrChunks = (panels + panelsPerChunk - 1) / panelsPerChunk;
            final int units = icBlocks * jrChunks;

            for (int pc = 0; pc < k; pc += bl.kc()) {
                final int pcF = pc, kc = Math.min(bl.kc(), k - pc);
                final float betaBlock = pc == 0 ? beta : 1f;

                pool.parallelFor(panels, (from, to, w) -> b.pack(pcF, jcF + from * NR,
                        kc, Math.min(nc, to * NR) - from * NR, bp, from * NR * kc));

                AtomicInteger next = new AtomicInteger();
                pool.parallelFor(threads, (from, to, w) -> {
                    PackedGemm.Scratch s = PackedGemm.scratch();
                    s.ensure(Math.min(bl.mc(), Blocking.roundUp(m, MR)) * kc, 0);
                    int packedIc = -1;
                    for (int u; (u = next.getAndIncrement()) < units; ) {
                        int ic = (u / jrChunks) * bl.mc(), mc = Math.min(bl.mc(), m - ic);
                        if (ic != packedIc) {
                            Packing.packA(transA, a, aOff, lda, ic, pcF, mc, kc, s.a);
                            packedIc = ic;
                        }
                        int jr0 = (u % jrChunks) * panelsPerChunk * NR, jr1 = Math.min(nc, jr0 + panelsPerChunk * NR);
                        PackedGemm.macroKernel(s, bp, kc, mc, jr0, jr1, c, cOff + ic * ldc + jcF, ldc, betaBlock);
                    }
                });
            }
        }
    }
}
