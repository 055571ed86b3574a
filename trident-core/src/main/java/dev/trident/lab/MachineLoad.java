package dev.trident.lab;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;

/** What the machine was doing: load average and the JVM heap's peak use after collections (the lab's "peak memory"). */
final class MachineLoad {
    private MachineLoad() {}

    /** The 1-minute load average (Linux /proc/loadavg; the JVM's figure elsewhere), NaN if unknown. */
    static double loadAverage() {
        try {
            String s = Files.readString(Path.of("/proc/loadavg"));
            return Double.parseDouble(s.substring(0, s.indexOf(' ')));
        } catch (IOException | RuntimeException e) {
            double v = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
            return v < 0 ? Double.NaN : v;
        }
    }

    /** The largest heap use right after a collection since {@link #resetPeakHeap}, bytes; -1 before any. */
    private static final java.util.concurrent.atomic.AtomicLong maxAfterGc = new java.util.concurrent.atomic.AtomicLong(-1);
    private static volatile boolean listening;
    /** Each collector's count of collections when the peak was last reset. */
    private static final java.util.Map<String, Long> countAtReset = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * Collects garbage, restarts the heap pools' peak counters and starts tracking the heap in use after each
     * collection (what survived it: the live data, plus old-generation garbage a young collection leaves behind).
     */
    static void resetPeakHeap() {
        listen();
        System.gc();
        // Only collections after this point count (the notification of the one just forced may still be on its way).
        for (var gc : ManagementFactory.getGarbageCollectorMXBeans()) countAtReset.put(gc.getName(), gc.getCollectionCount());
        maxAfterGc.set(-1);
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans())
            if (p.getType() == MemoryType.HEAP) p.resetPeakUsage();
    }

    /**
     * The heap's peak use since {@link #resetPeakHeap}: the most it held right after any collection (an upper bound
     * of the live heap that leaves out the garbage of the allocation between collections). Without a collection
     * in between, the sum of the heap pools' peak use, garbage included.
     */
    static long peakHeapBytes() {
        long after = maxAfterGc.get();
        if (after >= 0) return after;
        long sum = 0;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans())
            if (p.getType() == MemoryType.HEAP && p.getPeakUsage() != null) sum += p.getPeakUsage().getUsed();
        return sum;
    }

    private static synchronized void listen() {
        if (listening) return;
        listening = true;
        java.util.Set<String> heapPools = new java.util.HashSet<>();
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans())
            if (p.getType() == MemoryType.HEAP) heapPools.add(p.getName());
        for (var gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (!(gc instanceof javax.management.NotificationEmitter emitter)) continue;
            emitter.addNotificationListener((n, handback) -> {
                if (!com.sun.management.GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())) return;
                var info = com.sun.management.GarbageCollectionNotificationInfo.from((javax.management.openmbean.CompositeData) n.getUserData());
                if (info.getGcInfo().getId() <= countAtReset.getOrDefault(info.getGcName(), Long.MAX_VALUE)) return;
                long used = 0;
                for (var e : info.getGcInfo().getMemoryUsageAfterGc().entrySet())
                    if (heapPools.contains(e.getKey())) used += e.getValue().getUsed();
                long u = used;
                maxAfterGc.accumulateAndGet(u, Math::max);
            }, null, null);
        }
    }
}
