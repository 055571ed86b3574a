package dev.trident.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Turns a stream of token ids into text as it is generated. A token may end in the middle of a UTF-8 character
 * (an emoji is often split across tokens), so bytes of an unfinished character are held back until the rest
 * arrives. Bytes that are not valid UTF-8 come out as U+FFFD, exactly as in {@link Tokenizer#decode}. Not thread-safe: one per stream.
 */
public final class StreamingDecoder {
    private final Tokenizer tokenizer;
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();

    StreamingDecoder(Tokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    /** Adds one token; returns the text that is now complete (possibly empty). */
    public String push(int id) {
        pending.writeBytes(tokenizer.bytesOf(id));
        byte[] bytes = pending.toByteArray();
        int cut = completePrefix(bytes);
        pending.reset();
        pending.write(bytes, cut, bytes.length - cut);
        return new String(bytes, 0, cut, StandardCharsets.UTF_8);
    }

    /** Returns whatever is held back (an unfinished character becomes U+FFFD) and starts afresh. */
    public String flush() {
        String rest = pending.toString(StandardCharsets.UTF_8);
        pending.reset();
        return rest;
    }

    /** Number of bytes held back, waiting for the rest of a character. */
    public int pendingBytes() {
        return pending.size();
    }

    /**
     * Length of the prefix to emit now: everything, unless the last character is still missing bytes, in which
     * case it is held back. Cutting only just before a lead byte means each piece decodes exactly as the whole
     * text would (a malformed sequence never swallows a lead byte), U+FFFD replacements included.
     */
    static int completePrefix(byte[] b) {
        int n = b.length;
        for (int back = 1; back <= 3 && back <= n; back++) {
            int lead = b[n - back] & 0xFF;
            if ((lead & 0xC0) == 0x80) {
                continue; // continuation byte: the lead is further back
            }
            int need = lead >= 0xC2 && lead <= 0xDF ? 2 : lead >= 0xE0 && lead <= 0xEF ? 3
                    : lead >= 0xF0 && lead <= 0xF4 ? 4 : 1;
            return need > back ? n - back : n;
        }
        return n;
    }
}
