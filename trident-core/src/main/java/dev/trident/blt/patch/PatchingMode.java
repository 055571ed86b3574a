package dev.trident.blt.patch;

/** How patch boundaries are chosen (BLT section 2). */
public enum PatchingMode {
    /** Global threshold: byte i starts a patch when H(x_i) > theta. */
    ENTROPY,
    /** Approximately monotonic: byte i starts a patch when H(x_i) - H(x_{i-1}) > theta_r. */
    MONOTONIC,
    /** After the first of a run of space-like bytes (BLT's space patching). */
    SPACE,
    /** Every k bytes. */
    STATIC;

    /** Whether the mode needs an entropy model. */
    public boolean usesEntropy() {
        return this == ENTROPY || this == MONOTONIC;
    }

    public String cliName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    public static PatchingMode parse(String s) {
        for (PatchingMode m : values()) if (m.cliName().equals(s)) return m;
        throw new dev.trident.TridentException("unknown patching '" + s + "'; choose entropy, monotonic, space or static");
    }
}
