package dev.trident.blt;

/**
 * The Byte Latent Transformer's vocabulary: the 256 byte values as ids 0-255 and one boundary token, id 256
 * ({@code <|endoftext|>}), that begins every context window (BLT's BOS) and pads n-grams before it. It is the
 * vocabulary of a byte-level tokenizer with no merges, so the entropy model is an ordinary Trident model.
 */
public final class ByteVocab {
    /** Token ids: bytes 0-255, then the boundary token. */
    public static final int SIZE = 257;
    public static final int BOS = 256;
    public static final String BOS_TEXT = "<|endoftext|>";

    private ByteVocab() {}

    /** The id of byte b (its unsigned value). */
    public static int id(byte b) {
        return b & 0xFF;
    }

    /**
     * BLT's "space-like" bytes for space patching: everything but ASCII letters and digits and UTF-8 continuation
     * bytes (0x80-0xBF), so a multi-byte character is never split.
     */
    public static boolean spaceLike(int b) {
        b &= 0xFF;
        boolean alnum = (b >= '0' && b <= '9') || (b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z');
        boolean continuation = b >= 0x80 && b < 0xC0;
        return !alnum && !continuation;
    }
}
