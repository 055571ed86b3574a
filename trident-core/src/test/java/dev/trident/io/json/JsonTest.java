package dev.trident.io.json;

import dev.trident.TridentException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JsonTest {

    @Test
    void parsesAllValueTypes() {
        Object v = Json.parse(" {\"a\": [1, -2, 3.5, 1e3, true, false, null, \"x\"], \"b\": {}, \"c\": []} ");
        Map<String, Object> m = Json.asObject(v, "root");
        assertEquals(List.of("a", "b", "c"), new ArrayList<>(m.keySet()));
        List<Object> a = Json.asArray(m.get("a"), "a");
        assertEquals(1L, a.get(0));
        assertEquals(-2L, a.get(1));
        assertEquals(3.5, a.get(2));
        assertEquals(1000.0, a.get(3));
        assertEquals(true, a.get(4));
        assertEquals(false, a.get(5));
        assertNull(a.get(6));
        assertEquals("x", a.get(7));
        assertEquals(Map.of(), m.get("b"));
        assertEquals(List.of(), m.get("c"));
    }

    @Test
    void keepsKeyOrder() {
        Map<String, Object> m = Json.asObject(Json.parse("{\"z\":1,\"a\":2,\"m\":3}"), "root");
        assertInstanceOf(LinkedHashMap.class, m);
        assertEquals(List.of("z", "a", "m"), new ArrayList<>(m.keySet()));
        assertEquals("{\"z\":1,\"a\":2,\"m\":3}", Json.write(m));
    }

    @Test
    void integersThatDoNotFitALongBecomeDoubles() {
        assertEquals(Long.MAX_VALUE, Json.parse("9223372036854775807"));
        assertEquals(Long.MIN_VALUE, Json.parse("-9223372036854775808"));
        assertEquals(9.223372036854775808E18, Json.parse("9223372036854775808"));
        assertEquals(1e30, Json.parse("1000000000000000000000000000000"));
        assertEquals(-0.0, Json.parse("-0.0"));
        assertEquals(0L, Json.parse("-0"));
    }

    @Test
    void decodesEscapes() {
        assertEquals("\"\\/\b\f\n\r\t", Json.parse("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\""));
        assertEquals("é", Json.parse("\"\\u00e9\""));
        assertEquals("😀", Json.parse("\"\\ud83d\\ude00\""));
        assertEquals("😀", Json.parse("\"😀\""));
        assertEquals("\u0000", Json.parse("\"\\u0000\""));
        assertEquals("\ud800", Json.parse("\"\\uD800\""), "lone surrogates are kept");
    }

    @Test
    void escapesOnWrite() {
        assertEquals("\"a\\\"b\\\\c\\n\\t\\u0001\\u001f\u007f/é😀\"", Json.write("a\"b\\c\n\t\u0001\u001f\u007f/é😀"));
        assertEquals("\"\\ud800x\"", Json.write("\ud800x"), "lone surrogate written as escape");
        assertEquals("\"\\udc00\"", Json.write("\udc00"));
    }

    @Test
    void roundTripsEveryCharacter() {
        StringBuilder sb = new StringBuilder();
        for (int c = 0; c < 0x10000; c++) {
            sb.append((char) c);
        }
        sb.append("😀𝄞");
        String s = sb.toString();
        assertEquals(s, Json.parse(Json.write(s)));
        assertEquals(s, Json.parse(Json.writePretty(List.of(s))).equals(List.of(s)) ? s : null);
    }

    @Test
    void roundTripsRandomDocuments() {
        Random rnd = new Random(42);
        for (int i = 0; i < 300; i++) {
            Object doc = randomValue(rnd, 0);
            assertEquals(doc, Json.parse(Json.write(doc)));
            assertEquals(doc, Json.parse(Json.writePretty(doc)));
        }
    }

    private static Object randomValue(Random rnd, int depth) {
        int kind = rnd.nextInt(depth > 4 ? 6 : 8);
        return switch (kind) {
            case 0 -> null;
            case 1 -> rnd.nextBoolean();
            case 2 -> rnd.nextLong() >> rnd.nextInt(64);
            case 3 -> rnd.nextDouble() * Math.pow(10, rnd.nextInt(40) - 20);
            case 4, 5 -> randomString(rnd);
            case 6 -> {
                List<Object> l = new ArrayList<>();
                for (int i = rnd.nextInt(6); i > 0; i--) {
                    l.add(randomValue(rnd, depth + 1));
                }
                yield l;
            }
            default -> {
                Map<String, Object> m = new LinkedHashMap<>();
                for (int i = rnd.nextInt(6); i > 0; i--) {
                    m.put(randomString(rnd), randomValue(rnd, depth + 1));
                }
                yield m;
            }
        };
    }

    private static String randomString(Random rnd) {
        StringBuilder sb = new StringBuilder();
        for (int i = rnd.nextInt(10); i > 0; i--) {
            sb.appendCodePoint(switch (rnd.nextInt(4)) {
                case 0 -> rnd.nextInt(0x20);
                case 1 -> 0x20 + rnd.nextInt(0x60);
                case 2 -> rnd.nextInt(0xD800);
                default -> 0x10000 + rnd.nextInt(0x100000);
            });
        }
        return sb.toString();
    }

    @Test
    void writesPrettyWithShortScalarArraysInline() {
        Map<String, Object> m = Json.obj("a", 1, "merges", List.of(List.of("a", "b"), List.of("c", "d")),
                "empty", Map.of(), "arr", new int[] {1, 2, 3}, "f", 0.1f, "d", 2.5);
        String expected = """
                {
                  "a": 1,
                  "merges": [
                    ["a", "b"],
                    ["c", "d"]
                  ],
                  "empty": {},
                  "arr": [1, 2, 3],
                  "f": 0.1,
                  "d": 2.5
                }""";
        assertEquals(expected, Json.writePretty(m));
    }

    @Test
    void longScalarArraysAreWrittenOnePerLine() {
        List<Object> many = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            many.add("item" + i);
        }
        String s = Json.writePretty(many);
        assertEquals(42, s.split("\n").length);
        assertEquals(many, Json.parse(s));
    }

    @Test
    void refusesNonFiniteNumbersAndNonStringKeys() {
        assertThrows(JsonException.class, () -> Json.write(Double.NaN));
        assertThrows(JsonException.class, () -> Json.write(List.of(Double.POSITIVE_INFINITY)));
        assertThrows(JsonException.class, () -> Json.write(Map.of(1, 2)));
        assertThrows(JsonException.class, () -> Json.write(new Object()));
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "", " ", "{", "[", "[1,", "[1 2]", "{\"a\" 1}", "{\"a\":1,}", "[1,]", "{a:1}", "{'a':1}", "\"abc",
            "\"a\\x\"", "\"\\u12\"", "\"\\u12G4\"", "\"a\nb\"", "01", "1.", ".5", "-", "1e", "+1", "tru", "nul",
            "true false", "{} x", "[] []", "NaN", "Infinity", "\"\\", "[\"\\u00e9", "\u00a0[]", "\"\\u٣٣٣٣\""})
    void rejectsMalformedText(String text) {
        JsonException e = assertThrows(JsonException.class, () -> Json.parse(text));
        assertTrue(e.line() >= 1 && e.column() >= 1, e.getMessage());
        assertTrue(e.getMessage().startsWith("line "), e.getMessage());
    }

    @Test
    void reportsLineAndColumn() {
        JsonException e = assertThrows(JsonException.class, () -> Json.parse("{\n  \"a\": 1,\n  \"b\" 2\n}"));
        assertEquals(3, e.line());
        assertEquals(7, e.column());
        assertEquals("line 3, column 7: expected ':' after object key", e.getMessage());
        assertInstanceOf(TridentException.class, e);
    }

    @Test
    void boundsNestingDepth() {
        String ok = "[".repeat(512) + "]".repeat(512);
        Json.parse(ok);
        String deep = "[".repeat(513) + "]".repeat(513);
        JsonException e = assertThrows(JsonException.class, () -> Json.parse(deep));
        assertTrue(e.getMessage().contains("nesting deeper than 512"), e.getMessage());
        // Hostile input far beyond the stack: still a clean error, not a StackOverflowError.
        assertThrows(JsonException.class, () -> Json.parse("{\"a\":".repeat(1_000_000)));
        assertThrows(JsonException.class, () -> Json.parse("[[[", 2));
    }

    @Test
    void readsAndWritesFilesAtomically(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("config.json");
        Map<String, Object> v = Json.obj("name", "trident", "layers", 4L, "list", List.of(1L, 2L));
        Json.write(f, v);
        assertEquals(v, Json.read(f, 1 << 20));
        assertFalse(Files.exists(dir.resolve("config.json.tmp")));
        assertTrue(Files.readString(f).endsWith("}\n"));
        Json.write(f, List.of());
        assertEquals(List.of(), Json.read(f, 1 << 20));
    }

    @Test
    void fileErrorsNameTheFile(@TempDir Path dir) throws Exception {
        Path missing = dir.resolve("missing.json");
        TridentException e = assertThrows(TridentException.class, () -> Json.read(missing, 100));
        assertTrue(e.getMessage().startsWith(missing + ": no such file"), e.getMessage());

        Path big = dir.resolve("big.json");
        Files.writeString(big, "[" + "1,".repeat(100) + "1]");
        e = assertThrows(TridentException.class, () -> Json.read(big, 100));
        assertTrue(e.getMessage().startsWith(big + ": file is"), e.getMessage());

        Path bad = dir.resolve("bad.json");
        Files.writeString(bad, "{\"a\": }");
        JsonException je = assertThrows(JsonException.class, () -> Json.read(bad, 100));
        assertEquals(bad + ": invalid JSON at line 1, column 7: unexpected '}', expected a value", je.getMessage());

        Path binary = dir.resolve("binary.json");
        Files.write(binary, new byte[] {'"', (byte) 0xff, '"'});
        e = assertThrows(TridentException.class, () -> Json.read(binary, 100));
        assertTrue(e.getMessage().startsWith(binary + ": not UTF-8"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test
    void typedAccessorsExplainShapeErrors() {
        Map<String, Object> m = Json.asObject(Json.parse("{\"n\": 5, \"s\": \"x\"}"), "root");
        assertEquals(5, Json.asInt(m.get("n"), "n", 0, 10));
        JsonException e = assertThrows(JsonException.class, () -> Json.asInt(m.get("n"), "\"n\"", 0, 3));
        assertEquals("\"n\" should be between 0 and 3, got 5", e.getMessage());
        e = assertThrows(JsonException.class, () -> Json.asObject(m.get("s"), "\"s\""));
        assertEquals("\"s\" should be a JSON object, got a string", e.getMessage());
        e = assertThrows(JsonException.class, () -> Json.member(m, "model", "the root object"));
        assertEquals("the root object has no \"model\"", e.getMessage());
        assertArrayEquals(new Object[] {"x"}, new Object[] {Json.asString(m.get("s"), "s")});
    }

    @Test
    void utf8RoundTripThroughFile(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("u.json");
        String s = "héllo 😀 世界 \u2028";
        Json.write(f, List.of(s));
        assertEquals(List.of(s), Json.read(f, 1000));
        assertTrue(Arrays.equals(Files.readAllBytes(f), ("[\"" + s + "\"]\n").getBytes(StandardCharsets.UTF_8)));
    }
}
