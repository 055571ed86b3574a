package dev.trident.tokenizer;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** {@link StreamingDecoder}: text appears as soon as characters are complete, and nothing is lost. */
class TokenizerStreamingTest {
    private final Tokenizer tok = Shakespeare.tokenizer();

    @Test
    void holdsBackSplitCharactersUntilComplete() {
        // Byte tokens only: the emoji's four bytes arrive one token at a time.
        byte[] emoji = "😀".getBytes(StandardCharsets.UTF_8);
        StreamingDecoder d = tok.streamingDecoder();
        assertEquals("a", d.push('a'));
        assertEquals("", d.push(emoji[0] & 0xFF));
        assertEquals("", d.push(emoji[1] & 0xFF));
        assertEquals("", d.push(emoji[2] & 0xFF));
        assertEquals(3, d.pendingBytes());
        assertEquals("😀", d.push(emoji[3] & 0xFF));
        assertEquals(0, d.pendingBytes());
        assertEquals("", d.flush());
    }

    @Test
    void emitsInvalidBytesAndFlushesLeftovers() {
        StreamingDecoder d = tok.streamingDecoder();
        assertEquals("\uFFFD", d.push(0xFF)); // can never become valid: emitted at once
        assertEquals("x", d.push('x'));
        assertEquals("", d.push(0xE2));
        assertEquals("\uFFFDy", d.push('y')); // the E2 was never completed
        assertEquals("", d.push(0xF0));
        assertEquals("\uFFFD", d.flush());
        assertEquals("", d.push(0xED));
        assertEquals("", d.push(0xA0)); // a surrogate, never valid, but pieces must decode as the whole would
        assertEquals(new String(new byte[] {(byte) 0xED, (byte) 0xA0, 'z'}, StandardCharsets.UTF_8), d.push('z'));
    }

    @Test
    void streamedTextEqualsDecodedText() {
        Random rnd = new Random(2);
        for (String s : List.of("Hello 😀 world 中文 naïve", "🇯🇵🇯🇵👨‍👩‍👧 ok", "plain ascii")) {
            byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
            int[] ids = tok.encode(bytes);
            StreamingDecoder d = tok.streamingDecoder();
            StringBuilder sb = new StringBuilder();
            for (int id : ids) {
                String piece = d.push(id);
                assertFalse(piece.contains("\uFFFD"), s);
                sb.append(piece);
            }
            sb.append(d.flush());
            assertEquals(s, sb.toString());
        }
        for (int iter = 0; iter < 500; iter++) {
            byte[] bytes = PreTokenizerTest.randomBytes(rnd, rnd.nextInt(60));
            StreamingDecoder d = tok.streamingDecoder();
            StringBuilder sb = new StringBuilder();
            for (int b : bytes) {
                sb.append(d.push(b & 0xFF));
            }
            sb.append(d.flush());
            assertEquals(new String(bytes, StandardCharsets.UTF_8), sb.toString());
        }
    }
}
