package dev.trident.lab;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;

/** What the machine was doing: load average and the JVM heap's peak use (the lab's "peak memory"). */
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

    /** Collects garbage and restarts the heap pools' peak counters. */
    static void resetPeakHeap() {
        System.gc();
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans())
            if (p.getType() == MemoryType.HEAP) p.resetPeakUsage();
    }

    /**
     * Sum of the heap pools' peak use since {@link #resetPeakHeap}: an upper bound of the live heap at its highest
     * (the pools peak at different moments, and garbage not yet collected counts).
     */
    static long peakHeapBytes() {
        long sum = 0;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans())
            if (p.getType() == MemoryType.HEAP && p.getPeakUsage() != null) sum += p.getPeakUsage().getUsed();
        return sum;
    }
}
