package dev.trident.io.gguf;

import dev.trident.TridentException;
import dev.trident.io.Mutants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Mutates valid GGUF files 120,000 times and holds the reader to its contract on every mutant: it either parses
 * or throws a one-line TridentException naming the file; nothing else escapes, and it never allocates more
 * items (string bytes, list slots) than the mutant has bytes, so no file can make it run out of memory.
 *
 * <p>Mutations: random byte changes, truncation, and structure-aware ones that overwrite a count, length, type
 * id, dim or offset (positions reported by the reader's probe while parsing the original) with extreme values.
 */
class GgufFuzzTest {
    private static final int CASES = 120_000;
    private static final String NAME = "fuzz.gguf";

    @TempDir
    Path dir;

    /** A valid file and the positions of its structural fields. */
    private record Seed(byte[] bytes, long[] fieldOffsets, int[] fieldWidths) {}

    @Test
    void everyMutantParsesOrFailsWithOneLine() throws IOException {
        List<Seed> seeds = List.of(seed(GgufSamples.everything(1, 32, null)), seed(GgufSamples.everything(2, 64, null)),
                seed(GgufSamples.minimal()), seed(GgufSamples.vocabulary(3)));
        Random rnd = new Random(20240607);
        int parsed = 0;
        int rejected = 0;
        for (int c = 0; c < CASES; c++) {
            Seed seed = seeds.get(rnd.nextInt(seeds.size()));
            byte[] m = seed.bytes.clone();
            int kind = rnd.nextInt(6);
            switch (kind) {
                case 0 -> flipBytes(m, rnd);
                case 1 -> m = Arrays.copyOf(m, rnd.nextInt(m.length));
                case 2, 3 -> overwriteField(m, seed, rnd);
                case 4 -> {
                    overwriteField(m, seed, rnd);
                    overwriteField(m, seed, rnd);
                    if (rnd.nextBoolean()) flipBytes(m, rnd);
                }
                default -> m = Mutants.splice(m, rnd);
            }
            try {
                if (parse(m)) parsed++;
            } catch (TridentException e) {
                String msg = e.getMessage();
                if (!msg.startsWith(NAME + ": ") || msg.indexOf('\n') >= 0 || msg.indexOf('\r') >= 0 || msg.length() > 400) {
                    fail(Mutants.report(dir, "gguf-fuzz", "gguf", c, kind, m, "bad message: " + msg));
                }
                rejected++;
            } catch (Throwable t) {
                fail(Mutants.report(dir, "gguf-fuzz", "gguf", c, kind, m, t.toString()), t);
            }
        }
        System.out.printf("GGUF fuzz: %d cases, %d parsed, %d rejected%n", CASES, parsed, rejected);
        // Both outcomes must be common, or the mutations are not exercising the reader.
        assertTrue(parsed > CASES / 50, "parsed " + parsed);
        assertTrue(rejected > CASES / 2, "rejected " + rejected);
    }

    /** Parses with a probe that fails the test if the reader would allocate more items than the file has bytes. */
    private static boolean parse(byte[] m) {
        long[] allocated = {0};
        GgufReader.Probe budget = new GgufReader.Probe() {
            @Override
            public void allocating(long elements) {
                allocated[0] += elements;
                if (elements < 0 || allocated[0] > m.length) {
                    throw new AssertionError("reader asked for " + elements + " items (" + allocated[0]
                            + " in all) from a " + m.length + "-byte file");
                }
            }

            @Override
            public void field(long offset, int width) {}
        };
        GgufFile g = GgufReader.read(MemorySegment.ofArray(m), NAME, null, budget);
        // A file that parses must be usable: every tensor slice readable end to end, every value rendered.
        for (GgufTensor t : g.tensors()) {
            if (t.byteSize() > 0) t.data().get(ValueLayout.JAVA_BYTE, t.byteSize() - 1);
            if (t.elementCount() < 0 || t.offset() % g.alignment() != 0) throw new AssertionError(t.toString());
        }
        g.metadata().values().forEach(GgufValue::brief);
        return true;
    }

    private static Seed seed(GgufWriter w) throws IOException {
        Path f = Files.createTempFile("seed", ".gguf");
        try {
            w.write(f);
            byte[] bytes = Files.readAllBytes(f);
            List<long[]> fields = new ArrayList<>();
            GgufReader.read(MemorySegment.ofArray(bytes), NAME, null, new GgufReader.Probe() {
                @Override public void allocating(long elements) {}
                @Override public void field(long offset, int width) { fields.add(new long[] {offset, width}); }
            });
            return new Seed(bytes, fields.stream().mapToLong(x -> x[0]).toArray(),
                    fields.stream().mapToInt(x -> (int) x[1]).toArray());
        } finally {
            Files.deleteIfExists(f);
        }
    }

    private static void flipBytes(byte[] m, Random rnd) {
        int n = 1 + rnd.nextInt(8);
        for (int i = 0; i < n; i++) {
            int at = rnd.nextInt(m.length);
            m[at] = rnd.nextBoolean() ? (byte) (m[at] ^ (1 << rnd.nextInt(8))) : (byte) rnd.nextInt(256);
        }
    }

    /** Overwrites one structural field with a value chosen to hit a boundary. */
    private static void overwriteField(byte[] m, Seed seed, Random rnd) {
        int f = rnd.nextInt(seed.fieldOffsets.length);
        int at = (int) seed.fieldOffsets[f];
        int width = seed.fieldWidths[f];
        if (at + width > m.length) return;
        ByteBuffer buf = ByteBuffer.wrap(m).order(ByteOrder.LITTLE_ENDIAN);
        long old = width == 4 ? buf.getInt(at) & 0xFFFF_FFFFL : buf.getLong(at);
        long v = switch (rnd.nextInt(16)) {
            case 0 -> 0;
            case 1 -> -1;
            case 2 -> Long.MAX_VALUE;
            case 3 -> Long.MIN_VALUE;
            case 4 -> Integer.MAX_VALUE;
            case 5 -> 0x8000_0000L;
            case 6 -> 0xFFFF_FFFFL;
            case 7 -> 1L << 32;
            case 8 -> m.length;
            case 9 -> m.length + rnd.nextInt(64) - 32;
            case 10 -> old + 1;
            case 11 -> old - 1;
            case 12 -> old * 2;
            case 13 -> rnd.nextInt(64);
            case 14 -> 1L << rnd.nextInt(64);
            default -> rnd.nextLong();
        };
        if (width == 4) buf.putInt(at, (int) v);
        else buf.putLong(at, v);
    }
}
