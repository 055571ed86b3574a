package dev.trident.io.json;

import dev.trident.TridentException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A tiny JSON library for the core module, which may not depend on anything outside the JDK.
 *
 * <p>Values are plain Java objects: {@code Map<String,Object>} (a {@link LinkedHashMap}, keeping key order),
 * {@code List<Object>}, {@code String}, {@code Long} for integers that fit and {@code Double} for every other
 * number, {@code Boolean} and {@code null}. The writer also accepts other {@link Number}s, {@link java.util.Collection}s
 * and Java arrays. Parsing is strict (RFC 8259) and bounded: nesting depth is capped, and {@link #read} caps the
 * file size before reading it.
 */
public final class Json {
    /** Default maximum nesting depth of arrays and objects. */
    public static final int DEFAULT_MAX_DEPTH = 512;

    private Json() {
    }

    /** Parses one JSON value; anything but whitespace after it is an error. */
    public static Object parse(String text) {
        return parse(text, DEFAULT_MAX_DEPTH);
    }

    /** Parses one JSON value, rejecting arrays/objects nested deeper than {@code maxDepth}. */
    public static Object parse(String text, int maxDepth) {
        return new JsonParser(text, maxDepth).parseDocument();
    }

    /**
     * Reads and parses a UTF-8 JSON file of at most {@code maxBytes} bytes. Every failure (missing file, too large,
     * not UTF-8, malformed) is a {@link TridentException} whose message starts with the file name.
     */
    public static Object read(Path file, long maxBytes) {
        String text = readText(file, maxBytes);
        try {
            return parse(text);
        } catch (JsonException e) {
            throw e.inFile(file);
        }
    }

    /** Compact JSON, no whitespace. */
    public static String write(Object value) {
        StringBuilder sb = new StringBuilder();
        new JsonWriter(sb, false).write(value, 0);
        return sb.toString();
    }

    /** Indented JSON (two spaces), short arrays of scalars on one line. */
    public static String writePretty(Object value) {
        StringBuilder sb = new StringBuilder();
        new JsonWriter(sb, true).write(value, 0);
        return sb.toString();
    }

    /** Writes {@code value} as pretty JSON plus a final newline, atomically: readers see the old or the new file. */
    public static void write(Path file, Object value) {
        writeAtomically(file, (writePretty(value) + "\n").getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Writes {@code bytes} to {@code file.tmp} next to the target, then moves it over the target, so a crash never
     * leaves a half-written file under the real name.
     */
    public static void writeAtomically(Path file, byte[] bytes) {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer buf = ByteBuffer.wrap(bytes);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new TridentException(file + ": cannot write (" + e + "); check the directory exists and is writable", e);
        }
    }

    /** Builds an ordered object from alternating keys and values: {@code obj("type", "BPE", "dropout", null)}. */
    public static Map<String, Object> obj(Object... keysAndValues) {
        if (keysAndValues.length % 2 != 0) {
            throw new IllegalArgumentException("obj(...) needs key/value pairs, got an odd count");
        }
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }

    // ---- typed access; 'what' names the value in the error message, e.g. "\"model\"" ----

    @SuppressWarnings("unchecked")
    public static Map<String, Object> asObject(Object value, String what) {
        if (value instanceof Map<?, ?> m) {
            return (Map<String, Object>) m;
        }
        throw new JsonException(what + " should be a JSON object, got " + describe(value));
    }

    @SuppressWarnings("unchecked")
    public static List<Object> asArray(Object value, String what) {
        if (value instanceof List<?> l) {
            return (List<Object>) l;
        }
        throw new JsonException(what + " should be a JSON array, got " + describe(value));
    }

    public static String asString(Object value, String what) {
        if (value instanceof String s) {
            return s;
        }
        throw new JsonException(what + " should be a string, got " + describe(value));
    }

    public static long asLong(Object value, String what) {
        if (value instanceof Long l) {
            return l;
        }
        throw new JsonException(what + " should be an integer, got " + describe(value));
    }

    /** An integer in {@code [min, max]}. */
    public static int asInt(Object value, String what, int min, int max) {
        long v = asLong(value, what);
        if (v < min || v > max) {
            throw new JsonException(what + " should be between " + min + " and " + max + ", got " + v);
        }
        return (int) v;
    }

    public static double asDouble(Object value, String what) {
        if (value instanceof Number n) {
            return n.doubleValue();
        }
        throw new JsonException(what + " should be a number, got " + describe(value));
    }

    public static boolean asBoolean(Object value, String what) {
        if (value instanceof Boolean b) {
            return b;
        }
        throw new JsonException(what + " should be true or false, got " + describe(value));
    }

    /** A required member of an object. */
    public static Object member(Map<String, Object> object, String key, String what) {
        if (!object.containsKey(key)) {
            throw new JsonException(what + " has no \"" + key + "\"");
        }
        return object.get(key);
    }

    private static String describe(Object value) {
        return switch (value) {
            case null -> "null";
            case Map<?, ?> m -> "an object";
            case List<?> l -> "an array";
            case String s -> "a string";
            case Boolean b -> b.toString();
            default -> value.toString();
        };
    }

    private static String readText(Path file, long maxBytes) {
        try {
            long size = Files.size(file);
            if (size > maxBytes) {
                throw new TridentException(file + ": file is " + size + " bytes, more than the limit of " + maxBytes
                        + "; is this the right file?");
            }
            byte[] bytes = Files.readAllBytes(file);
            if (bytes.length > maxBytes) { // grew while we looked
                throw new TridentException(file + ": file is larger than the limit of " + maxBytes + " bytes");
            }
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (NoSuchFileException e) {
            throw new TridentException(file + ": no such file; check the path", e);
        } catch (CharacterCodingException e) {
            throw new TridentException(file + ": not UTF-8 text, so not a JSON file", e);
        } catch (IOException e) {
            throw new TridentException(file + ": cannot read (" + e + ")", e);
        }
    }
}
