package dev.trident.cli;

import dev.trident.kernels.Simd;
import picocli.CommandLine.IVersionProvider;

/** --version: Trident's version, and the Java and SIMD width it runs on (the first things a bug report needs). */
final class VersionProvider implements IVersionProvider {
    @Override
    public String[] getVersion() {
        String version = Main.class.getPackage().getImplementationVersion();
        return new String[] {
                "trident " + (version != null ? version : "(development build)"),
                "java " + Runtime.version() + " (" + System.getProperty("java.vendor") + ")",
                simd()
        };
    }

    private static String simd() {
        try {
            return "vector api: " + Simd.LANES + " float lanes (" + Simd.LANES * 32 + "-bit)";
        } catch (LinkageError e) { // started without --add-modules=jdk.incubator.vector
            return "vector api: not available (run with --add-modules=jdk.incubator.vector, as ./trident does)";
        }
    }
}
