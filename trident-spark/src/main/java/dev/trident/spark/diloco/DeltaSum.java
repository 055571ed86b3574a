package dev.trident.spark.diloco;

import dev.trident.TridentException;

import java.io.Serial;
import java.io.Serializable;
import java.util.Map;
import java.util.TreeMap;

/**
 * The sum of the workers' parameter changes, as Spark's treeAggregate builds it. Spark merges partial sums in
 * whatever order tasks finish (a retried task finishes last), and float addition is not associative, so a plain
 * float sum could differ between two runs. Instead every change is rounded once to a multiple of 2^-40 and summed as
 * a long: integer addition is associative, so the sum, and hence the run, is the same in any order. 2^-40 (~1e-12)
 * is far below a float's resolution at the size of any trained weight. A single worker's change travels as its
 * floats (4 bytes per parameter); only merged sums are longs.
 */
final class DeltaSum implements Serializable {
    @Serial
    private static final long serialVersionUID = 1L;
    private static final double SCALE = 0x1p40, LIMIT = 0x1p22;

    private float[] single;
    private long[] fixed;
    private int count;
    /** Serialized bytes of the workers' results summed here: what they sent. */
    private long sentBytes;
    /** Each worker's mean inner loss, by worker index (so reports do not depend on the merge order either). */
    private final TreeMap<Integer, Double> losses = new TreeMap<>();

    static DeltaSum empty() {
        return new DeltaSum();
    }

    /** treeAggregate's seqOp: adds one worker's change. */
    DeltaSum add(WorkerUpdate u) {
        losses.put(u.worker(), u.meanLoss());
        sentBytes += SerializedSize.of(u);
        if (count == 0) single = u.delta();
        else addFixed(u.delta());
        count++;
        return this;
    }

    /** treeAggregate's combOp. */
    DeltaSum merge(DeltaSum o) {
        if (o.count == 0) return this;
        if (count == 0) return o;
        if (o.fixed != null) {
            toFixed();
            for (int i = 0; i < fixed.length; i++) fixed[i] = Math.addExact(fixed[i], o.fixed[i]);
        } else {
            addFixed(o.single);
        }
        count += o.count;
        sentBytes += o.sentBytes;
        losses.putAll(o.losses);
        return this;
    }

    int count() {
        return count;
    }

    /** The mean change, (1/k) sum_i Delta_i. */
    float[] mean() {
        if (count == 0) throw new IllegalStateException("no worker reported a change");
        if (fixed == null) return single.clone();
        float[] out = new float[fixed.length];
        for (int i = 0; i < out.length; i++) out[i] = (float) (fixed[i] / SCALE / count);
        return out;
    }

    long sentBytes() {
        return sentBytes;
    }

    Map<Integer, Double> losses() {
        return losses;
    }

    private void addFixed(float[] d) {
        toFixed();
        if (d.length != fixed.length) throw new IllegalStateException("changes of " + d.length + " and " + fixed.length + " parameters");
        for (int i = 0; i < d.length; i++) fixed[i] = Math.addExact(fixed[i], quantize(d[i]));
    }

    private void toFixed() {
        if (fixed != null) return;
        fixed = new long[single.length];
        for (int i = 0; i < single.length; i++) fixed[i] = quantize(single[i]);
        single = null;
    }

    private static long quantize(float v) {
        if (!(Math.abs(v) < LIMIT)) throw new TridentException("a worker's parameter change is " + v + "; training diverged (lower --lr)");
        return Math.round(v * SCALE);
    }
}
