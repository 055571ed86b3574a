package dev.trident.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Random;

/** What the file-format fuzz tests share: a chunk spliced out or in, and a failure report that keeps the mutant. */
public final class Mutants {
    private Mutants() {}

    /** Deletes a random chunk of 1-64 bytes, shifting everything after it. */
    public static byte[] deleteChunk(byte[] m, Random rnd) {
        int from = rnd.nextInt(m.length), len = 1 + rnd.nextInt(Math.min(64, m.length - from));
        byte[] out = new byte[m.length - len];
        System.arraycopy(m, 0, out, 0, from);
        System.arraycopy(m, from + len, out, from, m.length - from - len);
        return out;
    }

    /** Deletes or duplicates a random chunk of 1-64 bytes, shifting everything after it. */
    public static byte[] splice(byte[] m, Random rnd) {
        if (rnd.nextBoolean()) return deleteChunk(m, rnd);
        int from = rnd.nextInt(m.length), len = 1 + rnd.nextInt(Math.min(64, m.length - from));
        byte[] out = new byte[m.length + len];
        System.arraycopy(m, 0, out, 0, from + len);
        System.arraycopy(m, from, out, from + len, m.length - from);
        return out;
    }

    /**
     * The failure message of case c (mutation kind): what went wrong, where the mutant was saved (next to dir, as
     * name-failure-c.ext) and its first bytes, so the case can be replayed.
     */
    public static String report(Path dir, String name, String ext, int c, int kind, byte[] m, String what) {
        Path keep = dir.getParent().resolve(name + "-failure-" + c + "." + ext);
        try {
            Files.write(keep, m);
        } catch (IOException ignored) {
            keep = null;
        }
        return "case " + c + " (mutation " + kind + "): " + what + "; mutant saved to " + keep + "; first bytes "
                + HexFormat.of().formatHex(m, 0, Math.min(96, m.length));
    }
}
