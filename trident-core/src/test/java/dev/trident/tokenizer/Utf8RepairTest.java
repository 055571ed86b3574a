package dev.trident.tokenizer;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Invalid UTF-8 read as llama.cpp's unicode_cpts_from_utf8 reads it, on hand-worked bytes. */
class Utf8RepairTest {
    private static final int R1 = 0xEF, R2 = 0xBF, R3 = 0xBD; // U+FFFD

    private static byte[] b(int... v) {
        byte[] out = new byte[v.length];
        for (int i = 0; i < v.length; i++) out[i] = (byte) v[i];
        return out;
    }

    private static byte[] repair(byte[] s) {
        return Utf8Repair.repair(s, 0, s.length);
    }

    @Test
    void validTextPassesThroughUnchanged() {
        byte[] s = "naïve 日本 🙂 ok".getBytes(StandardCharsets.UTF_8);
        assertTrue(Utf8Repair.isValid(s, 0, s.length));
        assertSame(s, repair(s));
        assertArrayEquals(b(0xC3, 0xAF), Utf8Repair.repair(s, 2, 4), "a valid range is copied");
    }

    @Test
    void strayAndBadLeadBytesBecomeOneReplacementEach() {
        assertArrayEquals(b('a', R1, R2, R3, 'b'), repair(b('a', 0x80, 'b')), "stray continuation byte");
        assertArrayEquals(b(R1, R2, R3, R1, R2, R3), repair(b(0xFF, 0xF8)), "bytes no sequence starts with");
        // A truncated 3-byte sequence: the lead becomes U+FFFD, then its continuation byte on its own does too.
        assertArrayEquals(b(R1, R2, R3, R1, R2, R3, 'x'), repair(b(0xE2, 0x82, 'x')));
        assertArrayEquals(b('!', R1, R2, R3), repair(b('!', 0xC3)), "cut at the end");
    }

    @Test
    void overlongFormsAreReadAsTheirCodePointAndSurrogatesKept() {
        assertArrayEquals(b('/'), repair(b(0xC0, 0xAF)), "overlong '/'");
        assertArrayEquals(b(0xC3, 0xA9), repair(b(0xE0, 0x83, 0xA9)), "overlong U+00E9");
        assertArrayEquals(b(0xED, 0xA0, 0x80), repair(b(0xED, 0xA0, 0x80)), "a surrogate, kept as is");
        assertFalse(Utf8Repair.isValid(b(0xED, 0xA0, 0x80), 0, 3));
    }

    @Test
    void codePointsPastTheLastAreReplacedByteByByte() {
        // F4 90 80 80 would be U+110000: the lead becomes U+FFFD and so does each continuation byte after it.
        assertArrayEquals(b(R1, R2, R3, R1, R2, R3, R1, R2, R3, R1, R2, R3), repair(b(0xF4, 0x90, 0x80, 0x80)));
    }
}
