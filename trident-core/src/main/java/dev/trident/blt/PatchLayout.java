package dev.trident.blt;

/**
 * Where the patches of a batch of windows are, in the index ranges the model's ops read. Windows are laid out as
 * rows b*T + k of the byte matrices; patches as rows b*P + p of the patch matrices (P = the most patches any window
 * has, shorter windows padded with empty patches at the end, which causal attention keeps away from real ones);
 * each patch is k = d_G / d_L rows of d_L in the cross-attentions.
 *
 * <p>The alignment (BLT's "lag fix"): position k predicts the byte at position k + 1; if that byte lies in patch q,
 * the decoder at position k reads the global output of patch q - 1, the last patch that ends at or before k.
 * So no prediction sees a patch holding its own target, and the first prediction reads the boundary token's patch.
 */
public final class PatchLayout {
    public final int batch, seq, patches, k;
    /** Patches of each window (real ones, without padding). */
    public final int[] patchCount;
    /** Byte rows [segFrom, segTo) of each patch row b*P + p (empty for padding): max-pooling and encoder memory. */
    public final int[] segFrom, segTo;
    /** Encoder cross-attention: query row (b*P + p)*k + j reads byte rows [encLo, encHi). */
    public final int[] encLo, encHi;
    /** Decoder cross-attention: byte row b*T + i reads patch-vector rows [decLo, decHi). */
    public final int[] decLo, decHi;
    /** The patch (within its window) whose global output the prediction at each byte row reads. */
    public final int[] decoderPatch;

    private PatchLayout(int batch, int seq, int patches, int k) {
        this.batch = batch;
        this.seq = seq;
        this.patches = patches;
        this.k = k;
        patchCount = new int[batch];
        segFrom = new int[batch * patches];
        segTo = new int[batch * patches];
        encLo = new int[batch * patches * k];
        encHi = new int[batch * patches * k];
        decLo = new int[batch * seq];
        decHi = new int[batch * seq];
        decoderPatch = new int[batch * seq];
    }

    /**
     * The layout of windows whose patch-start flags are flags[b][0..T] (flags[b][0] and [1] set; flags[b][T] is the
     * byte after the window). crossWindow: patches each decoder position reads (see {@link BltConfig}).
     */
    public static PatchLayout of(boolean[][] flags, int seq, int k, int crossWindow) {
        int batch = flags.length, most = 1;
        int[] counts = new int[batch];
        for (int b = 0; b < batch; b++) {
            if (flags[b].length != seq + 1 || !flags[b][0] || (seq > 1 && !flags[b][1]))
                throw new IllegalArgumentException("window " + b + ": flags must cover positions 0.." + seq + " and start patches at 0 and 1");
            for (int i = 0; i < seq; i++) if (flags[b][i]) counts[b]++;
            most = Math.max(most, counts[b]);
        }
        // Padded to a multiple of 8, so consecutive batches often share the tape's buffer sizes.
        PatchLayout l = new PatchLayout(batch, seq, (most + 7) / 8 * 8, k);
        int pp = l.patches;
        for (int b = 0; b < batch; b++) {
            l.patchCount[b] = counts[b];
            int p = -1;
            for (int i = 0; i < seq; i++) {
                if (flags[b][i]) {
                    p++;
                    l.segFrom[b * pp + p] = b * seq + i;
                }
                l.segTo[b * pp + p] = b * seq + i + 1;
            }
            for (int q = 0; q < pp; q++)
                for (int j = 0; j < k; j++) {
                    l.encLo[(b * pp + q) * k + j] = l.segFrom[b * pp + q];
                    l.encHi[(b * pp + q) * k + j] = l.segTo[b * pp + q];
                }
            int target = 0; // patch of position i + 1
            for (int i = 0; i < seq; i++) {
                if (flags[b][i + 1]) target++;
                int q = target - 1; // position 1 always starts patch 1, so q >= 0
                l.decoderPatch[b * seq + i] = q;
                l.decLo[b * seq + i] = (b * pp + Math.max(0, q - crossWindow + 1)) * k;
                l.decHi[b * seq + i] = (b * pp + q + 1) * k;
            }
        }
        return l;
    }

    /** Bytes predicted per real patch. */
    public double meanPatchSize() {
        long p = 0;
        for (int c : patchCount) p += c;
        return (double) batch * seq / p;
    }

    /** Real patches in the batch. */
    public long realPatches() {
        long p = 0;
        for (int c : patchCount) p += c;
        return p;
    }
}
