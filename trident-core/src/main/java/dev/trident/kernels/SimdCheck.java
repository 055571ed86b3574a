package dev.trident.kernels;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds out whether the Vector API will really run as SIMD code. It touches no jdk.incubator.vector class itself,
 * so it works (and can say what is wrong) even when that module is missing. {@link Simd#checkOrWarn()} is the
 * entry point callers use.
 */
public final class SimdCheck {
    static final String MODULE = "jdk.incubator.vector";
    private static final Pattern TIER_STOP = Pattern.compile("-XX:TieredStopAtLevel=(\\d+)");

    private SimdCheck() {}

    /** True if the incubator module is resolved in the boot layer (--add-modules=jdk.incubator.vector). */
    public static boolean moduleEnabled() {
        return ModuleLayer.boot().findModule(MODULE).isPresent();
    }

    /**
     * Problems that would make the kernels slow, as one line, or null if none.
     *
     * @param lanes   float lanes of the preferred species, or -1 when the module is missing
     * @param jvmArgs the JVM's input arguments
     * @param vmInfo  the {@code java.vm.info} property ("mixed mode", "interpreted mode", ...)
     */
    public static String diagnose(int lanes, List<String> jvmArgs, String vmInfo) {
        List<String> problems = new ArrayList<>();
        if (lanes < 0) {
            problems.add("the Vector API module is not enabled: add --add-modules=" + MODULE
                    + " to the java command (or to JDK_JAVA_OPTIONS)");
        } else if (lanes < 4) {
            problems.add("the Vector API has only " + lanes + " float lane(s) (no usable SIMD: check -XX:UseAVX, "
                    + "-XX:MaxVectorSize, or run on a CPU with AVX2/AVX-512/NEON)");
        }
        boolean interpreted = jvmArgs.contains("-Xint") || (vmInfo != null && vmInfo.contains("interpreted mode"));
        if (interpreted) {
            problems.add("the JVM runs interpreter-only (-Xint): every vector is a heap object; remove -Xint");
        }
        for (String arg : jvmArgs) {
            Matcher m = TIER_STOP.matcher(arg);
            if (m.matches() && Integer.parseInt(m.group(1)) < 4) {
                problems.add("C2 is disabled (" + arg + "): Vector API intrinsics need C2; remove that flag");
            }
            if (arg.equals("-XX:-EnableVectorSupport") || arg.equals("-XX:-UseCompiler")) {
                problems.add(arg + " turns off vector intrinsics; remove that flag");
            }
        }
        if (problems.isEmpty()) return null;
        return "TRIDENT WARNING: the Vector API will not run as fast SIMD code: " + String.join("; ", problems) + ".";
    }

    /** {@link #diagnose} for this JVM; lanes are only read when the module is there. */
    static String diagnoseThisJvm(java.util.function.IntSupplier lanes) {
        List<String> args;
        try {
            args = ManagementFactory.getRuntimeMXBean().getInputArguments();
        } catch (RuntimeException | LinkageError e) { // java.management may be absent from a jlinked image
            args = List.of();
        }
        return diagnose(moduleEnabled() ? lanes.getAsInt() : -1, args, System.getProperty("java.vm.info"));
    }

    /** Called first thing in {@link Simd}'s initializer: if the module is missing, say so before the class fails. */
    static void warnIfModuleMissing() {
        if (!moduleEnabled()) System.err.println(diagnoseThisJvm(() -> -1));
    }
}
