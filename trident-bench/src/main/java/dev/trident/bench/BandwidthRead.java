package dev.trident.bench;

import dev.trident.kernels.WorkerPool;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * A STREAM-style read kernel: the sum of a large off-heap float array, split over the worker pool. It does the
 * least work per byte a GEMV could do, so its bytes/s is the ceiling a memory-bound GEMV is measured against.
 */
public final class BandwidthRead {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_256;

    private final MemorySegment data;

    public BandwidthRead(long bytes) {
        data = Arena.ofAuto().allocate(bytes, 4096);
        // touch every page (and give it non-zero content) so the first timed pass does not pay for page faults
        for (long i = 0; i < bytes; i += 4) data.set(java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED, i, (float) (i & 1023));
    }

    public long bytes() {
        return data.byteSize();
    }

    /** Reads every byte once; returns the sum so the JIT cannot drop the loads. */
    public float sum() {
        long chunks = data.byteSize() / (64L * 1024);
        float[] partial = new float[WorkerPool.global().threads()];
        WorkerPool.global().parallelFor((int) chunks, (from, to, worker) -> {
            FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
            long end = (long) to * 64 * 1024;
            for (long off = (long) from * 64 * 1024; off < end; off += 128) {
                a0 = a0.add(FloatVector.fromMemorySegment(F, data, off, ByteOrder.LITTLE_ENDIAN));
                a1 = a1.add(FloatVector.fromMemorySegment(F, data, off + 32, ByteOrder.LITTLE_ENDIAN));
                a2 = a2.add(FloatVector.fromMemorySegment(F, data, off + 64, ByteOrder.LITTLE_ENDIAN));
                a3 = a3.add(FloatVector.fromMemorySegment(F, data, off + 96, ByteOrder.LITTLE_ENDIAN));
            }
            partial[worker] += a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
        });
        float s = 0;
        for (float p : partial) s += p;
        return s;
    }
}
