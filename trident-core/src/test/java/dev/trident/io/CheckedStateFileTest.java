package dev.trident.io;

import dev.trident.TridentException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The shared state-file frame: what is written reads back; a flipped byte, a cut or a foreign file is refused. */
class CheckedStateFileTest {
    private static final CheckedStateFile.Kind KIND = new CheckedStateFile.Kind(0x1234_5678_9ABC_DEF0L, 3, "test state", "; a hint", "test state");

    private static Path write(Path dir, float[] v) {
        Path f = dir.resolve("state.bin");
        CheckedStateFile.write(f, KIND, 7, Map.of("name", "run", "n", 5L), out -> {
            out.data().writeInt(v.length);
            out.floats(v, v.length);
        });
        return f;
    }

    private static float[] read(Path f) {
        return CheckedStateFile.read(f, KIND, (in, h) -> {
            float[] v = new float[in.data().readInt()];
            in.floats(v, v.length);
            return v;
        });
    }

    @Test
    void roundTripsAndRefusesDamage(@TempDir Path dir) throws IOException {
        float[] v = new float[40_003]; // more than one 64 kB buffer
        for (int i = 0; i < v.length; i++) v[i] = (float) Math.sin(i) * 1e3f;
        Path f = write(dir, v);
        assertArrayEquals(v, read(f));
        CheckedStateFile.Header h = CheckedStateFile.readHeader(f, KIND);
        assertEquals(7, h.counter());
        assertEquals(Map.of("name", "run", "n", 5L), h.run());

        byte[] good = Files.readAllBytes(f);
        for (int at : new int[]{30, good.length / 2, good.length - 3}) {
            byte[] bad = good.clone();
            bad[at] ^= 0x10;
            Files.write(f, bad);
            TridentException e = assertThrows(TridentException.class, () -> read(f));
            assertTrue(e.getMessage().startsWith(f + ": damaged test state"), e.getMessage());
        }
        Files.write(f, Arrays.copyOf(good, good.length - 100));
        assertThrows(TridentException.class, () -> read(f));
        Files.write(f, Arrays.copyOf(good, good.length + 1));
        assertTrue(assertThrows(TridentException.class, () -> read(f)).getMessage().contains("trailing"));
        byte[] foreign = good.clone();
        foreign[0] ^= 1;
        Files.write(f, foreign);
        assertTrue(assertThrows(TridentException.class, () -> read(f)).getMessage().contains("not a Trident test state (bad magic); a hint"));
    }
}
