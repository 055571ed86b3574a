package dev.trident.blt.patch;

import dev.trident.blt.ByteVocab;

/**
 * Decides where patches start, from the bytes and their entropies. Every rule is causal: whether byte i starts a
 * patch depends on bytes before i only (its entropy H(x_i) is the entropy model's uncertainty about x_i given the
 * bytes before it), so boundaries can be found while generating, one byte at a time.
 *
 * <p>A context window of the model holds T token positions: position 0 is the boundary token, position k >= 1 is
 * byte s + k - 1 of the text. Position 0 is a patch of its own and position 1 always starts a patch (BLT forces its
 * first two patch starts the same way); the window's flags cover positions 0..T, where T is the position of the
 * byte after the window, whose flag tells which patch the last prediction belongs to.
 */
public final class Patcher {
    private final PatcherSpec spec;

    public Patcher(PatcherSpec spec) {
        this.spec = spec;
    }

    public PatcherSpec spec() {
        return spec;
    }

    /**
     * Whether byte i of text starts a patch by the rule alone (i >= 1; entropies[i] = H(x_i), NaN where unknown).
     */
    public boolean rule(byte[] text, float[] entropies, int i) {
        return switch (spec.mode()) {
            case ENTROPY -> entropies[i] > spec.threshold();
            case MONOTONIC -> i >= 1 && entropies[i] - entropies[i - 1] > spec.threshold();
            case SPACE -> ByteVocab.spaceLike(text[i - 1]) && (i < 2 || !ByteVocab.spaceLike(text[i - 2]));
            case STATIC -> false; // by position in the window, see flags
        };
    }

    /**
     * Patch-start flags of the window whose position 1 is byte s: flags[k] for k in [0, T], T = flags.length - 1;
     * byte s + T - 1 must exist (its flag is flags[T]).
     */
    public void flags(byte[] text, float[] entropies, int s, boolean[] flags) {
        int t = flags.length - 1;
        if (s + t - 1 > text.length) throw new IllegalArgumentException("window at " + s + " of " + t + " positions runs past " + text.length + " bytes");
        flags[0] = true;
        if (t >= 1) flags[1] = true;
        int length = 1, max = spec.maxPatchLength(), size = (int) spec.targetPatchSize();
        for (int k = 2; k <= t; k++) {
            boolean start = spec.mode() == PatchingMode.STATIC ? (k - 1) % size == 0 : rule(text, entropies, s + k - 1);
            if (!start && max > 0 && length >= max) start = true;
            flags[k] = start;
            length = start ? 1 : length + 1;
        }
    }

    /** Start flags of a whole text as one stream (the first byte starts a patch): for display and calibration. */
    public boolean[] flags(byte[] text, float[] entropies) {
        boolean[] out = new boolean[text.length];
        int length = 0, max = spec.maxPatchLength(), size = (int) spec.targetPatchSize();
        for (int i = 0; i < text.length; i++) {
            boolean start = i == 0 || (spec.mode() == PatchingMode.STATIC ? i % size == 0 : rule(text, entropies, i));
            if (!start && max > 0 && length >= max) start = true;
            out[i] = start;
            length = start ? 1 : length + 1;
        }
        return out;
    }
}
