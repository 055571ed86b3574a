package dev.trident.io.json;

import java.lang.reflect.Array;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Collection;
import java.util.Iterator;
import java.util.Map;

/**
 * Writes plain Java values as JSON. Pretty mode indents by two spaces and keeps short arrays of scalars on one
 * line, so files such as a tokenizer's merge list stay readable.
 */
final class JsonWriter {
    private static final int INLINE_ARRAY_WIDTH = 100;

    private final StringBuilder out;
    private final boolean pretty;

    JsonWriter(StringBuilder out, boolean pretty) {
        this.out = out;
        this.pretty = pretty;
    }

    void write(Object value, int indent) {
        switch (value) {
            case null -> out.append("null");
            case Boolean b -> out.append(b.booleanValue());
            case CharSequence s -> writeString(out, s);
            case Character c -> writeString(out, String.valueOf(c));
            case Double d -> writeDouble(d);
            case Float f -> writeFloat(f);
            case BigDecimal d -> out.append(d.toString());
            case BigInteger i -> out.append(i.toString());
            case Number n -> out.append(n.longValue());
            case Map<?, ?> m -> writeObject(m, indent);
            case Collection<?> c -> writeArray(c, indent);
            default -> {
                if (value.getClass().isArray()) {
                    writeArray(value, indent);
                } else {
                    throw new JsonException("cannot write a " + value.getClass().getName() + " as JSON");
                }
            }
        }
    }

    private void writeObject(Map<?, ?> map, int indent) {
        if (map.isEmpty()) {
            out.append("{}");
            return;
        }
        out.append('{');
        boolean first = true;
        for (Map.Entry<?, ?> e : map.entrySet()) {
            if (!(e.getKey() instanceof String key)) {
                throw new JsonException("JSON object keys must be strings, got " + e.getKey());
            }
            if (!first) {
                out.append(',');
            }
            first = false;
            newline(indent + 1);
            writeString(out, key);
            out.append(pretty ? ": " : ":");
            write(e.getValue(), indent + 1);
        }
        newline(indent);
        out.append('}');
    }

    private void writeArray(Object array, int indent) {
        if (size(array) == 0) {
            out.append("[]");
            return;
        }
        int mark = out.length();
        if (pretty && allScalars(array)) {
            // Short arrays of scalars read best on one line; fall back if the line gets long.
            out.append('[');
            boolean first = true;
            for (Iterator<?> it = iterator(array); it.hasNext(); ) {
                if (!first) {
                    out.append(", ");
                }
                first = false;
                write(it.next(), indent + 1);
            }
            out.append(']');
            if (out.length() - mark <= INLINE_ARRAY_WIDTH) {
                return;
            }
            out.setLength(mark);
        }
        out.append('[');
        boolean first = true;
        for (Iterator<?> it = iterator(array); it.hasNext(); ) {
            if (!first) {
                out.append(',');
            }
            first = false;
            newline(indent + 1);
            write(it.next(), indent + 1);
        }
        newline(indent);
        out.append(']');
    }

    private static boolean allScalars(Object array) {
        if (size(array) > INLINE_ARRAY_WIDTH / 2) {
            return false;
        }
        for (Iterator<?> it = iterator(array); it.hasNext(); ) {
            if (isContainer(it.next())) {
                return false;
            }
        }
        return true;
    }

    private static int size(Object array) {
        return array instanceof Collection<?> c ? c.size() : Array.getLength(array);
    }

    private static Iterator<?> iterator(Object array) {
        return array instanceof Collection<?> c ? c.iterator() : new ArrayIterator(array);
    }

    private static boolean isContainer(Object item) {
        return item instanceof Map<?, ?> || item instanceof Collection<?> || (item != null && item.getClass().isArray());
    }

    private void writeDouble(double d) {
        if (!Double.isFinite(d)) {
            throw new JsonException("cannot write " + d + " as JSON (only finite numbers)");
        }
        out.append(d);
    }

    private void writeFloat(float f) {
        if (!Float.isFinite(f)) {
            throw new JsonException("cannot write " + f + " as JSON (only finite numbers)");
        }
        out.append(f);
    }

    private void newline(int indent) {
        if (pretty) {
            out.append('\n');
            out.repeat("  ", indent);
        }
    }

    /** Escapes per RFC 8259; lone surrogates become escapes so the UTF-8 output is lossless and valid. */
    static void writeString(StringBuilder out, CharSequence s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20) {
                        out.append("\\u").append(JsonParser.hex4(c));
                    } else if (Character.isHighSurrogate(c) && i + 1 < s.length()
                            && Character.isLowSurrogate(s.charAt(i + 1))) {
                        out.append(c).append(s.charAt(++i));
                    } else if (Character.isSurrogate(c)) {
                        out.append("\\u").append(JsonParser.hex4(c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    private static final class ArrayIterator implements Iterator<Object> {
        private final Object array;
        private int i;

        ArrayIterator(Object array) {
            this.array = array;
        }

        @Override
        public boolean hasNext() {
            return i < Array.getLength(array);
        }

        @Override
        public Object next() {
            return Array.get(array, i++);
        }
    }
}
