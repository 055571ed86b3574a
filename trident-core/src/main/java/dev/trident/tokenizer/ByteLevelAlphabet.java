package dev.trident.tokenizer;

/**
 * GPT-2's reversible mapping from the 256 byte values to 256 printable Unicode characters, used to store
 * byte-level tokens as JSON strings in {@code tokenizer.json}: printable Latin-1 bytes map to themselves, the
 * others (controls, space, 0x7F-0xA0, 0xAD) to U+0100 upwards in byte order. So the space byte is {@code 'Ġ'}
 * and newline is {@code 'Ċ'}.
 */
public final class ByteLevelAlphabet {
    private static final char[] BYTE_TO_CHAR = new char[256];
    private static final int[] CHAR_TO_BYTE = new int[512];

    static {
        int next = 256;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            BYTE_TO_CHAR[b] = (char) (printable ? b : next++);
        }
        java.util.Arrays.fill(CHAR_TO_BYTE, -1);
        for (int b = 0; b < 256; b++) {
            CHAR_TO_BYTE[BYTE_TO_CHAR[b]] = b;
        }
    }

    private ByteLevelAlphabet() {
    }

    /** The printable character standing for byte {@code b} (0-255). */
    public static char charOf(int b) {
        return BYTE_TO_CHAR[b & 0xFF];
    }

    /** The byte a character stands for, or -1 if it is not in the alphabet. */
    public static int byteOf(char c) {
        return c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : -1;
    }

    /** Bytes to their byte-level string, e.g. {@code " the"} to {@code "Ġthe"}. */
    public static String encode(byte[] bytes) {
        char[] chars = new char[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            chars[i] = BYTE_TO_CHAR[bytes[i] & 0xFF];
        }
        return new String(chars);
    }

    /** A byte-level string back to bytes, or null if it contains a character outside the alphabet. */
    public static byte[] decode(String symbol) {
        byte[] bytes = new byte[symbol.length()];
        for (int i = 0; i < bytes.length; i++) {
            int b = byteOf(symbol.charAt(i));
            if (b < 0) {
                return null;
            }
            bytes[i] = (byte) b;
        }
        return bytes;
    }
}
