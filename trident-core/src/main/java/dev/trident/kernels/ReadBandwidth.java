package dev.trident.kernels;

import jdk.incubator.vector.FloatVector;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * A STREAM-style read kernel: the sum of a large off-heap float array, split over the worker pool. It does the
 * least work per byte a GEMV could do, so its bytes/s is the ceiling a memory-bound decode is measured against
 * (`trident bench`, the GEMV bandwidth report). The array should be much larger than the last-level cache.
 */
public final class ReadBandwidth implements AutoCloseable {
    private static final int CHUNK = 64 * 1024;

    private final Arena arena = Arena.ofShared();
    private final MemorySegment data;
    private final float[] partial = new float[256];

    public ReadBandwidth(long bytes) {
        data = arena.allocate(Math.max(CHUNK, bytes / CHUNK * CHUNK), 4096);
        // touch every page (and give it non-zero content) so the first timed pass does not pay for page faults
        for (long i = 0; i < data.byteSize(); i += 4) data.set(ValueLayout.JAVA_FLOAT_UNALIGNED, i, (float) (i & 1023));
    }

    public long bytes() {
        return data.byteSize();
    }

    /** Reads every byte once; returns the sum so the JIT cannot drop the loads. */
    public float sum() {
        int chunks = (int) (data.byteSize() / CHUNK);
        java.util.Arrays.fill(partial, 0f);
        WorkerPool.global().parallelFor(chunks, (from, to, worker) -> partial[worker] += sumRange(data, (long) from * CHUNK, (long) to * CHUNK));
        float s = 0;
        for (float p : partial) s += p;
        return s;
    }

    /** The sum of the floats in bytes [start, end): a static method of its own, so C2 compiles the loop with intrinsics. */
    private static float sumRange(MemorySegment data, long start, long end) {
        var f = Simd.F;
        int step = f.vectorByteSize();
        FloatVector a0 = FloatVector.zero(f), a1 = a0, a2 = a0, a3 = a0;
        for (long off = start; off < end; off += 4L * step) {
            a0 = a0.add(FloatVector.fromMemorySegment(f, data, off, ByteOrder.LITTLE_ENDIAN));
            a1 = a1.add(FloatVector.fromMemorySegment(f, data, off + step, ByteOrder.LITTLE_ENDIAN));
            a2 = a2.add(FloatVector.fromMemorySegment(f, data, off + 2L * step, ByteOrder.LITTLE_ENDIAN));
            a3 = a3.add(FloatVector.fromMemorySegment(f, data, off + 3L * step, ByteOrder.LITTLE_ENDIAN));
        }
        return VecMath.sum(a0.add(a1).add(a2.add(a3)));
    }

    /** Median GB/s (1e9 bytes/s) over rounds passes, after one warm-up pass. */
    public double medianGbPerSecond(int rounds) {
        double[] gbs = new double[rounds];
        float sink = sum();
        for (int r = 0; r < rounds; r++) {
            long t0 = System.nanoTime();
            sink += sum();
            gbs[r] = bytes() / ((System.nanoTime() - t0) * 1e-9) * 1e-9;
        }
        if (sink == 42.4242f) System.out.print(""); // keep the sums alive
        java.util.Arrays.sort(gbs);
        return rounds % 2 == 1 ? gbs[rounds / 2] : (gbs[rounds / 2 - 1] + gbs[rounds / 2]) / 2;
    }

    /** Frees the array now rather than at the next GC. */
    @Override
    public void close() {
        arena.close();
    }
}
