package dev.trident.spark.diloco;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The workers' shares of the training bytes: disjoint, together exactly [0, L), each spanning the corpus. */
class WorkerShardsTest {
    @Test
    void sharesAreDisjointAndCoverTheTrainingBytes() {
        for (long bytes : new long[]{1, 1000, 16384 * 7 + 5, 1_003_854})
            for (int workers : new int[]{1, 2, 3, 8})
                for (int block : new int[]{0, 1, 100, 16384}) {
                    byte[] owner = new byte[(int) bytes];
                    for (int w = 0; w < workers; w++) {
                        long last = -1;
                        for (long[] r : WorkerShards.ranges(bytes, workers, w, block)) {
                            assertTrue(r[0] >= last && r[0] <= r[1] && r[1] <= bytes, "in order and in range");
                            last = r[1];
                            for (long i = r[0]; i < r[1]; i++) owner[(int) i]++;
                        }
                    }
                    for (int i = 0; i < bytes; i++) assertEquals(1, owner[i], "byte " + i + " owned once");
                    if (block > 0 && bytes >= (long) workers * block * 3) {
                        List<long[]> last = WorkerShards.ranges(bytes, workers, workers - 1, block);
                        assertTrue(last.get(0)[0] < bytes / 2, "round-robin: the last worker starts in the first half");
                    }
                }
        assertEquals(List.of(0L, 500L), List.of(WorkerShards.ranges(1000, 2, 0, 0).get(0)[0], WorkerShards.ranges(1000, 2, 0, 0).get(0)[1]));
    }
}
