package dev.trident.io.safetensors;

import dev.trident.TridentException;
import dev.trident.io.Mutants;
import dev.trident.io.json.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Mutates and truncates valid safetensors files 102,000 times and holds the reader to its contract on every mutant:
 * it either opens (and then every tensor view is readable end to end) or throws a one-line TridentException naming
 * the file; nothing else escapes. The bytes the JVM allocates while parsing (measured per case by the thread's
 * allocation counter, after the first {@link #WARM_UP} cases have loaded and compiled the code) must stay within
 * {@link #ALLOCATION_PER_BYTE} times the mutant's size plus {@link #ALLOCATION_SLACK}: nothing the header claims
 * (shapes, offsets, lengths) is ever allocated; only the header and its parse, a small multiple of its bytes.
 *
 * <p>Mutations: random byte changes, truncation, splicing, the 8-byte header length overwritten with boundary values,
 * and structure-aware edits of the header JSON (dtype, shape, data_offsets, metadata, duplicated, removed or renamed
 * tensors, nesting, stray values), re-serialized with a correct or a wrong header length.
 */
class SafetensorsFuzzTest {
    private static final int WARM_UP = 2_000, CASES = WARM_UP + 100_000;
    private static final String NAME = "fuzz.safetensors";
    /**
     * Parsing allocates the header's bytes, its text and the parsed JSON (at most ~20 bytes of Java objects per header
     * byte for the densest JSON, see {@link #denseHeadersStayWithinTheBound}), plus a constant for the error.
     */
    static final long ALLOCATION_PER_BYTE = 32, ALLOCATION_SLACK = 64 << 10;

    @TempDir
    Path dir;

    private static final String[] DTYPES = {"F32", "F16", "BF16", "F8_E4M3", "F8_E5M2", "I8", "U8", "I16", "U16", "I32",
            "U32", "I64", "U64", "F64", "BOOL", "F4", "F8_E8M0", "C64", "f32", "", "F32 "};

    @Test
    void everyMutantOpensOrFailsWithOneLine() throws IOException {
        List<byte[]> seeds = List.of(seed(0), seed(1), seed(2), seed(3));
        Random rnd = new Random(20261128);
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().threadId();
        float[] scratch = new float[4096];
        int opened = 0, rejected = 0;
        double worstRatio = 0;
        for (int c = 0; c < CASES; c++) {
            byte[] m = seeds.get(rnd.nextInt(seeds.size())).clone();
            int kind = rnd.nextInt(8);
            switch (kind) {
                case 0 -> flipBytes(m, rnd);
                case 1 -> m = Arrays.copyOf(m, rnd.nextInt(m.length));
                case 2 -> headerLength(m, rnd);
                case 3, 4, 5 -> m = mutateHeader(m, rnd);
                case 6 -> m = Mutants.splice(m, rnd);
                default -> m = textEdit(m, rnd);
            }
            long before = mx.getThreadAllocatedBytes(tid);
            try {
                try (SafetensorsFile f = SafetensorsFile.parse(MemorySegment.ofArray(m), NAME)) {
                    long after = mx.getThreadAllocatedBytes(tid);
                    if (c >= WARM_UP) {
                        checkAllocation(c, kind, m, after - before);
                        if (m.length >= 1024) worstRatio = Math.max(worstRatio, (after - before) / (double) m.length);
                    }
                    use(f, scratch);
                }
                opened++;
            } catch (TridentException e) {
                if (c >= WARM_UP) checkAllocation(c, kind, m, mx.getThreadAllocatedBytes(tid) - before);
                String msg = e.getMessage();
                if (!msg.startsWith(NAME + ": ") || msg.indexOf('\n') >= 0 || msg.indexOf('\r') >= 0 || msg.length() > 500)
                    fail(Mutants.report(dir, "safetensors-fuzz", "safetensors", c, kind, m, "bad message: " + msg));
                rejected++;
            } catch (Throwable t) {
                fail(Mutants.report(dir, "safetensors-fuzz", "safetensors", c, kind, m, t.toString()), t);
            }
        }
        System.out.printf("safetensors fuzz: %d cases, %d opened, %d rejected; opening a file of 1 KB or more allocated at most %.1f bytes per file byte%n",
                CASES, opened, rejected, worstRatio);
        assertTrue(opened > CASES / 50, "opened " + opened);
        assertTrue(rejected > CASES / 2, "rejected " + rejected);
    }

    /** Headers of the JSON that costs the most Java objects per byte: the bound holds for them too. */
    @Test
    void denseHeadersStayWithinTheBound() {
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().threadId();
        String[] units = {"\"k%d\":{},", "\"k%d\":[],", "\"k%d\":0,", "\"k%d\":\"\\u0000\","};
        for (int round = 0; round < 2; round++) { // the first round loads and compiles, the second measures
            for (String unit : units) {
                StringBuilder b = new StringBuilder("{");
                for (int i = 0; b.length() < (1 << 20); i++) b.append(unit.formatted(i));
                b.setCharAt(b.length() - 1, '}');
                byte[] h = b.toString().getBytes(StandardCharsets.UTF_8);
                byte[] m = ByteBuffer.allocate(8 + h.length).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).put(h).array();
                long before = mx.getThreadAllocatedBytes(tid);
                try {
                    SafetensorsFile.parse(MemorySegment.ofArray(m), NAME).close();
                    fail("a header of empty values cannot be valid");
                } catch (TridentException expected) {
                    long allocated = mx.getThreadAllocatedBytes(tid) - before;
                    if (round == 1) {
                        System.out.printf("dense header %s: %.1f bytes allocated per file byte%n", unit, allocated / (double) m.length);
                        checkAllocation(-1, -1, m, allocated);
                    }
                }
            }
        }
    }

    private void checkAllocation(int c, int kind, byte[] m, long allocated) {
        if (allocated > ALLOCATION_PER_BYTE * m.length + ALLOCATION_SLACK)
            fail(Mutants.report(dir, "safetensors-fuzz", "safetensors", c, kind, m, "parsing allocated " + allocated + " bytes for a " + m.length + "-byte file"));
    }

    /** A file that opens must be usable: every view readable at both ends, counts consistent, small ones decoded. */
    private static void use(SafetensorsFile f, float[] scratch) {
        for (SafetensorsTensor t : f.tensors().values()) {
            long n = t.count();
            if (n * t.dtype().bytes() != t.data().byteSize()) throw new AssertionError(t + " has " + t.data().byteSize() + " bytes");
            if (n > 0) {
                t.getFloat(0);
                t.getFloat(n - 1);
            }
            if (n <= scratch.length) t.readFloats(scratch, 0);
        }
        f.metadata().forEach((k, v) -> {
            if (k == null || v == null) throw new AssertionError("null metadata");
        });
    }

    /** Valid files of different shapes: several dtypes, metadata or not, scalars and empty tensors. */
    private byte[] seed(int variant) throws IOException {
        Random rnd = new Random(variant);
        List<SafetensorsWriter.Entry> entries = new ArrayList<>();
        SafetensorsDType[] writable = {SafetensorsDType.F32, SafetensorsDType.F16, SafetensorsDType.BF16, SafetensorsDType.F8_E4M3};
        int count = 1 + variant * 3;
        for (int i = 0; i < count; i++) {
            int[] shape = switch ((i + variant) % 4) {
                case 0 -> new int[]{1 + rnd.nextInt(5), 1 + rnd.nextInt(7)};
                case 1 -> new int[]{1 + rnd.nextInt(9)};
                case 2 -> new int[0];
                default -> new int[]{2, 0, 3};
            };
            int n = 1;
            for (int d : shape) n *= d;
            float[] v = new float[n];
            for (int j = 0; j < n; j++) v[j] = (float) rnd.nextGaussian();
            entries.add(SafetensorsWriter.floats("model.layers." + i + ".w", shape, v, writable[(i + variant) % writable.length]));
        }
        if (variant == 3) entries.add(SafetensorsWriter.raw("ids", SafetensorsDType.I64, new long[]{2}, MemorySegment.ofArray(new long[]{1, -1})));
        Path f = dir.resolve("seed" + variant + ".safetensors");
        SafetensorsWriter.write(f, entries, variant % 2 == 0 ? Map.of("format", "pt") : null);
        return Files.readAllBytes(f);
    }

    private static long headerLen(byte[] m) {
        return m.length < 8 ? -1 : ByteBuffer.wrap(m).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
    }

    private static void flipBytes(byte[] m, Random rnd) {
        int n = 1 + rnd.nextInt(8);
        long h = headerLen(m);
        for (int i = 0; i < n; i++) {
            // Half the flips land in the header, where they matter most.
            int at = rnd.nextBoolean() && h > 0 && h < m.length ? 8 + rnd.nextInt((int) Math.min(h, m.length - 8)) : rnd.nextInt(m.length);
            m[at] = rnd.nextBoolean() ? (byte) (m[at] ^ (1 << rnd.nextInt(8))) : (byte) rnd.nextInt(256);
        }
    }

    private static void headerLength(byte[] m, Random rnd) {
        long old = headerLen(m);
        long v = switch (rnd.nextInt(10)) {
            case 0 -> 0;
            case 1 -> -1;
            case 2 -> Long.MAX_VALUE;
            case 3 -> Long.MIN_VALUE;
            case 4 -> SafetensorsFile.MAX_HEADER_BYTES + 1;
            case 5 -> m.length - 8;
            case 6 -> old + 1 + rnd.nextInt(8);
            case 7 -> old - 1 - rnd.nextInt(8);
            case 8 -> 1;
            default -> rnd.nextLong();
        };
        ByteBuffer.wrap(m).order(ByteOrder.LITTLE_ENDIAN).putLong(0, v);
    }

    /** Parses the seed's header, edits one thing in it, and writes the file back around the same data. */
    @SuppressWarnings("unchecked")
    private static byte[] mutateHeader(byte[] m, Random rnd) {
        int h = (int) headerLen(m);
        Map<String, Object> header = (Map<String, Object>) Json.parse(new String(m, 8, h, StandardCharsets.UTF_8));
        byte[] data = Arrays.copyOfRange(m, 8 + h, m.length);
        List<String> names = new ArrayList<>(header.keySet());
        names.remove("__metadata__");
        int edits = 1 + (rnd.nextInt(4) == 0 ? rnd.nextInt(3) : 0);
        for (int e = 0; e < edits && !names.isEmpty(); e++) {
            String name = names.get(rnd.nextInt(names.size()));
            if (!(header.get(name) instanceof Map<?, ?> current)) continue; // an earlier edit replaced or removed it
            Map<String, Object> t = new LinkedHashMap<>((Map<String, Object>) current);
            header.put(name, t);
            switch (rnd.nextInt(12)) {
                case 0 -> t.put("dtype", rnd.nextInt(4) == 0 ? (Object) 7L : DTYPES[rnd.nextInt(DTYPES.length)]);
                case 1 -> t.put("shape", shape(rnd, t.get("shape")));
                case 2 -> t.put("data_offsets", offsets(rnd, t.get("data_offsets"), data.length));
                case 3 -> t.remove(List.of("dtype", "shape", "data_offsets").get(rnd.nextInt(3)));
                case 4 -> header.remove(name);
                case 5 -> header.put(name + "_copy", new LinkedHashMap<>(t)); // overlaps the original's bytes
                case 6 -> {
                    header.remove(name);
                    header.put(rnd.nextBoolean() ? "__metadata__" : name + "\n\u0000\u2028", t);
                }
                case 7 -> header.put("__metadata__", switch (rnd.nextInt(4)) {
                    case 0 -> Map.of("a", 1L);
                    case 1 -> List.of("x");
                    case 2 -> "text";
                    default -> Map.of("format", "pt", "k".repeat(rnd.nextInt(300)), "v");
                });
                case 8 -> header.put(name, switch (rnd.nextInt(4)) {
                    case 0 -> 5L;
                    case 1 -> List.of();
                    case 2 -> null;
                    default -> "F32";
                });
                case 9 -> t.put("extra", List.of(1L, 2L));
                case 10 -> {
                    // Grow or shrink the data section to match (or not) an edited tensor.
                    int delta = rnd.nextInt(33) - 16;
                    data = Arrays.copyOf(data, Math.max(0, data.length + delta));
                }
                default -> t.put("shape", List.of((long) rnd.nextInt(1 << 20), Long.MAX_VALUE / (1 + rnd.nextInt(1000))));
            }
        }
        byte[] json = Json.write(header).getBytes(StandardCharsets.UTF_8);
        long len = rnd.nextInt(8) == 0 ? json.length + rnd.nextInt(9) - 4 : json.length;
        ByteBuffer out = ByteBuffer.allocate(8 + json.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(len).put(json).put(data);
        return out.array();
    }

    private static List<Object> shape(Random rnd, Object old) {
        List<Object> s = new ArrayList<>(old instanceof List<?> l ? l : List.of());
        switch (rnd.nextInt(9)) {
            case 0 -> s.add(1L << rnd.nextInt(63));
            case 1 -> s.add(-1L);
            case 2 -> s.add(0L);
            case 3 -> s.add(1.5);
            case 4 -> s.add("3");
            case 5 -> { for (int i = 0; i < 20; i++) s.add(1L); }
            case 6 -> { if (!s.isEmpty()) s.removeLast(); }
            case 7 -> { if (!s.isEmpty() && s.getFirst() instanceof Long d) s.set(0, d * 2 + 1); }
            default -> s.add(Integer.MAX_VALUE + 1L);
        }
        return s;
    }

    private static List<Object> offsets(Random rnd, Object value, int dataLen) {
        List<?> old = value instanceof List<?> l && l.size() == 2 ? l : List.of(0L, 0L);
        long b = old.get(0) instanceof Long x ? x : 0;
        long e = old.get(1) instanceof Long y ? y : 0;
        return switch (rnd.nextInt(9)) {
            case 0 -> List.of(e, b);
            case 1 -> List.of(b - 1, e);
            case 2 -> List.of(b, e + 1);
            case 3 -> List.of(b, (long) dataLen + rnd.nextInt(100));
            case 4 -> List.of(Long.MAX_VALUE - 4, Long.MAX_VALUE);
            case 5 -> List.of(Long.MIN_VALUE, e);
            case 6 -> List.of(b);
            case 7 -> List.of(b, e, e);
            default -> List.of(b + 4, e + 4);
        };
    }

    /** Inserts JSON-significant characters, or a deep nest, into the header text. */
    private static byte[] textEdit(byte[] m, Random rnd) {
        long h = headerLen(m);
        if (h <= 0 || h > m.length - 8) return m;
        String[] bits = {"{", "}", "[", "]", "\"", "\\", ",", ":", "0", "-", "1e999", "\\u0000", "[".repeat(2000), "\u00e9", "\ud83d\ude00"};
        byte[] ins = bits[rnd.nextInt(bits.length)].getBytes(StandardCharsets.UTF_8);
        int at = 8 + rnd.nextInt((int) h);
        byte[] out = new byte[m.length + ins.length];
        System.arraycopy(m, 0, out, 0, at);
        System.arraycopy(ins, 0, out, at, ins.length);
        System.arraycopy(m, at, out, at + ins.length, m.length - at);
        if (rnd.nextBoolean()) ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN).putLong(0, h + ins.length);
        return out;
    }
}
