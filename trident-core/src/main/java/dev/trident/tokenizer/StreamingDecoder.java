package dev.trident.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Turns a stream of token ids into text as it is generated. A token may end in the middle of a UTF-8 character
 * (an emoji is often split across tokens), so bytes of an unfinished character are held back until the rest
 * arrives. Bytes that can never form a valid character are emitted as U+FFFD. Not thread-safe: one per stream.
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
     * Length of the longest prefix that does not end inside a character that could still be completed: only a
     * trailing, so far well-formed, partial sequence is held back.
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
            if (need <= back || !validSecondByte(lead, back >= 2 ? b[n - back + 1] & 0xFF : -1)) {
                return n; // complete, or can never complete: emit all
            }
            return n - back;
        }
        return n;
    }

    /** The second byte of E0/ED/F0/F4 sequences has a narrower range (no overlongs, surrogates, > U+10FFFF). */
    private static boolean validSecondByte(int lead, int second) {
        if (second < 0) {
            return true;
        }
        return switch (lead) {
            case 0xE0 -> second >= 0xA0;
            case 0xED -> second <= 0x9F;
            case 0xF0 -> second >= 0x90;
            case 0xF4 -> second <= 0x8F;
            default -> true;
        };
    }
}
