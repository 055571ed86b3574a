package dev.trident.spark.diloco;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The combined change does not depend on the order or grouping in which Spark merges the workers' results. */
class DeltaSumTest {
    static List<WorkerUpdate> updates(int workers, int size, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<WorkerUpdate> out = new ArrayList<>();
        for (int w = 0; w < workers; w++) {
            float[] d = new float[size];
            // Magnitudes from 1e-9 to 1: a plain float sum of these is order-dependent.
            for (int i = 0; i < size; i++) d[i] = (float) ((r.nextDouble() - 0.5) * Math.pow(10, -r.nextInt(10)));
            out.add(new WorkerUpdate(w, d, w));
        }
        return out;
    }

    @Test
    void everyMergeOrderAndTreeShapeGivesTheSameMean() {
        List<WorkerUpdate> u = updates(5, 1001, 3);
        // Left to right, one partition per worker.
        DeltaSum a = DeltaSum.empty();
        for (WorkerUpdate x : u) a = a.merge(DeltaSum.empty().add(x));
        float[] expected = a.mean();
        SplittableRandom r = new SplittableRandom(4);
        for (int trial = 0; trial < 20; trial++) {
            // A random partition of the workers into groups (seqOp within a group), merged in a random order.
            List<DeltaSum> parts = new ArrayList<>();
            List<WorkerUpdate> shuffled = new ArrayList<>(u);
            java.util.Collections.shuffle(shuffled, new java.util.Random(r.nextLong()));
            DeltaSum current = DeltaSum.empty();
            for (WorkerUpdate x : shuffled) {
                current.add(x);
                if (r.nextBoolean()) {
                    parts.add(current);
                    current = DeltaSum.empty();
                }
            }
            parts.add(current);
            while (parts.size() > 1) {
                int i = r.nextInt(parts.size()), j = r.nextInt(parts.size() - 1);
                if (j >= i) j++;
                DeltaSum merged = parts.get(i).merge(parts.get(j));
                parts.remove(Math.max(i, j));
                parts.remove(Math.min(i, j));
                parts.add(merged);
            }
            assertEquals(5, parts.get(0).count());
            assertArrayEquals(expected, parts.get(0).mean());
        }
        // And the mean is the mean, to float precision.
        for (int i = 0; i < expected.length; i++) {
            double m = 0;
            for (WorkerUpdate x : u) m += x.delta()[i];
            assertEquals(m / 5, expected[i], 1e-12 + Math.abs(m / 5) * 1e-6);
        }
    }

    @Test
    void oneWorkersChangeIsPassedOnUnchanged() {
        WorkerUpdate u = updates(1, 77, 5).get(0);
        assertArrayEquals(u.delta(), DeltaSum.empty().merge(DeltaSum.empty().add(u)).mean());
    }
}
