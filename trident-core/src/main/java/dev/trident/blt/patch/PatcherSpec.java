package dev.trident.blt.patch;

/**
 * How a Byte Latent Transformer cuts bytes into patches.
 *
 * @param mode            the boundary rule
 * @param threshold       theta (ENTROPY) or theta_r (MONOTONIC), in nats; calibrated to targetPatchSize
 * @param targetPatchSize the mean bytes per patch the threshold was calibrated for (STATIC: the patch length)
 * @param maxPatchLength  a patch never grows beyond this many bytes (0 = no limit)
 * @param resetAtNewline  the entropy model's context restarts at every newline (BLT's large runs), so a byte's
 *                        entropy does not drift with how much text precedes it
 */
public record PatcherSpec(PatchingMode mode, double threshold, double targetPatchSize, int maxPatchLength,
                          boolean resetAtNewline) {
    public PatcherSpec {
        if (!(targetPatchSize >= 1)) throw new IllegalArgumentException("target patch size " + targetPatchSize + " below 1 byte");
        if (maxPatchLength < 0) throw new IllegalArgumentException("negative max patch length");
        if (mode == PatchingMode.STATIC && targetPatchSize != Math.rint(targetPatchSize))
            throw new IllegalArgumentException("static patches need a whole patch size, got " + targetPatchSize);
    }

    public PatcherSpec withThreshold(double t) {
        return new PatcherSpec(mode, t, targetPatchSize, maxPatchLength, resetAtNewline);
    }

    public PatcherSpec withTarget(double size) {
        return new PatcherSpec(mode, threshold, size, maxPatchLength, resetAtNewline);
    }

    public PatcherSpec withMode(PatchingMode m) {
        return new PatcherSpec(m, threshold, targetPatchSize, maxPatchLength, resetAtNewline);
    }

    public PatcherSpec withResetAtNewline(boolean r) {
        return new PatcherSpec(mode, threshold, targetPatchSize, maxPatchLength, r);
    }

    public PatcherSpec withMaxPatchLength(int m) {
        return new PatcherSpec(mode, threshold, targetPatchSize, m, resetAtNewline);
    }
}
