package dev.trident.kernels;

/** Fused softmax cross-entropy with its gradient; contract of {@link Reference#crossEntropy}. */
public final class CrossEntropy {
    private CrossEntropy() {}

    /**
     * Mean over counted rows (target >= 0) of logZ - logit[target], logZ = max + log(sum exp(logit - max)).
     * If dLogits is not null it receives (softmax - onehot(target)) / count (zeros on ignored rows). One pass
     * writes exp(logit - max) into dLogits and sums it, a second scales it: the logits row is read twice, not thrice.
     * Rows run in parallel; per-row losses are summed in row order so the result does not depend on thread count.
     */
    public static double forwardBackward(float[] logits, int[] targets, int rows, int vocab, float[] dLogits) {
        int count = 0;
        for (int r = 0; r < rows; r++) {
            int t = targets[r];
            if (t >= vocab) throw new IllegalArgumentException("target " + t + " of row " + r + " >= vocab " + vocab);
            if (t >= 0) count++;
        }
        double[] rowLoss = new double[rows];
        float invCount = count == 0 ? 0f : 1f / count;
        Parallel.forRange(rows, 6L * vocab, (r0, r1, worker) -> {
            for (int r = r0; r < r1; r++) rowLoss[r] = row(logits, targets[r], r * vocab, vocab, dLogits, invCount);
        });
        double total = 0;
        for (int r = 0; r < rows; r++) total += rowLoss[r];
        return count == 0 ? 0 : total / count;
    }

    private static double row(float[] logits, int target, int off, int vocab, float[] dLogits, float invCount) {
        if (target < 0) {
            if (dLogits != null) java.util.Arrays.fill(dLogits, off, off + vocab, 0f);
            return 0;
        }
        float max = VecMath.max(logits, off, vocab);
        float sum = dLogits != null
                ? VecMath.expShiftSum(logits, off, dLogits, off, vocab, max)
                : VecMath.sumExpShift(logits, off, vocab, max);
        double logZ = max + Math.log(sum);
        if (dLogits != null) {
            VecMath.scale(dLogits, off, vocab, invCount / sum); // p_i / count
            dLogits[off + target] -= invCount;                  // - onehot / count
        }
        return logZ - logits[off + target];
    }
}
