package dev.trident.io.json;

import dev.trident.TridentException;

/**
 * Malformed JSON text, or a JSON value of the wrong shape. When the problem is in the text, {@link #line()} and
 * {@link #column()} (1-based) locate it and the message starts with them; otherwise both are 0.
 */
public final class JsonException extends TridentException {
    private final int line;
    private final int column;

    public JsonException(String message) {
        super(message);
        this.line = 0;
        this.column = 0;
    }

    public JsonException(String detail, int line, int column) {
        super("line " + line + ", column " + column + ": " + detail);
        this.line = line;
        this.column = column;
    }

    /** The same problem, located in {@code file}: the message then names the file first. */
    JsonException inFile(Object file) {
        return new JsonException(file + ": invalid JSON at " + getMessage(), line, column, this);
    }

    private JsonException(String message, int line, int column, Throwable cause) {
        super(message, cause);
        this.line = line;
        this.column = column;
    }

    public int line() {
        return line;
    }

    public int column() {
        return column;
    }
}
