package dev.trident.io.gguf;

import dev.trident.quant.Le;
import dev.trident.quant.Q4_KFormat;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Reads the ggml block types that Trident does not write but that GGUF files from elsewhere carry (llama.cpp's
 * Q4_K_M mixes in Q6_K and Q5_0, older files use Q4_1 / Q5_x, small quants Q2_K / Q3_K), as fp32: the arithmetic
 * of ggml's {@code dequantize_row_*} in the same float operations, so values agree bit for bit
 * ({@code GgmlDequantizerTest} holds each to the libggml-base that node-llama-cpp ships). Layouts (bytes):
 *
 * <pre>
 *   Q4_1  32 values / 20:  d, m (fp16), qs[16]                       x = q d + m, q in 0..15
 *   Q5_0  32 values / 22:  d, qh[4], qs[16]                          x = (q - 16) d, q 5 bits (high bit from qh)
 *   Q5_1  32 values / 24:  d, m, qh[4], qs[16]                       x = q d + m
 *   Q2_K 256 values / 84:  scales[16], qs[64], d, dmin               16 groups of 16: x = d sc q - dmin m, q 2 bits
 *   Q3_K 256 values / 110: hmask[32], qs[64], scales[12], d          x = d (sc - 32) (q - 4 unless the high bit)
 *   Q5_K 256 values / 176: d, dmin, scales[12], qh[32], qs[128]      as Q4_K with a fifth bit from qh
 *   Q6_K 256 values / 210: ql[128], qh[64], scales[16] (int8), d     x = d sc (q - 32), q 6 bits
 * </pre>
 */
public final class GgmlDequantizer {
    private GgmlDequantizer() {}

    /** Whether type t is decoded here. */
    public static boolean supports(GgmlType t) {
        return switch (t) {
            case Q4_1, Q5_0, Q5_1, Q2_K, Q3_K, Q5_K, Q6_K -> true;
            default -> false;
        };
    }

    /** Decodes n values (a whole number of t's blocks) from s at off into y[yOff ..]. */
    public static void dequantize(GgmlType t, MemorySegment s, long off, float[] y, int yOff, int n) {
        int blocks = n / t.blockSize();
        for (int b = 0; b < blocks; b++) {
            long at = off + (long) b * t.typeSize();
            int o = yOff + b * t.blockSize();
            switch (t) {
                case Q4_1 -> q4_1(s, at, y, o);
                case Q5_0 -> q5(s, at, y, o, false);
                case Q5_1 -> q5(s, at, y, o, true);
                case Q2_K -> q2_K(s, at, y, o);
                case Q3_K -> q3_K(s, at, y, o);
                case Q5_K -> q5_K(s, at, y, o);
                case Q6_K -> q6_K(s, at, y, o);
                default -> throw new IllegalArgumentException(t + " is not decoded here");
            }
        }
    }

    private static int u8(MemorySegment s, long at) {
        return s.get(ValueLayout.JAVA_BYTE, at) & 0xFF;
    }

    private static void q4_1(MemorySegment s, long at, float[] y, int o) {
        float d = Le.half(s, at), m = Le.half(s, at + 2);
        for (int j = 0; j < 16; j++) {
            int q = u8(s, at + 4 + j);
            y[o + j] = (q & 0x0F) * d + m;
            y[o + j + 16] = (q >>> 4) * d + m;
        }
    }

    /** Q5_0 (x = (q - 16) d) and Q5_1 (x = q d + m). */
    private static void q5(MemorySegment s, long at, float[] y, int o, boolean withMin) {
        float d = Le.half(s, at), m = withMin ? Le.half(s, at + 2) : 0;
        long qhAt = at + (withMin ? 4 : 2), qsAt = qhAt + 4;
        int qh = s.get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN), qhAt);
        for (int j = 0; j < 16; j++) {
            int high0 = ((qh >>> j) << 4) & 0x10, high1 = (qh >>> (j + 12)) & 0x10;
            int q = u8(s, qsAt + j);
            int x0 = (q & 0x0F) | high0, x1 = (q >>> 4) | high1;
            if (withMin) {
                y[o + j] = x0 * d + m;
                y[o + j + 16] = x1 * d + m;
            } else {
                y[o + j] = (x0 - 16) * d;
                y[o + j + 16] = (x1 - 16) * d;
            }
        }
    }

    private static void q2_K(MemorySegment s, long at, float[] y, int o) {
        long scales = at, qs = at + 16;
        float d = Le.half(s, at + 80), min = Le.half(s, at + 82);
        int is = 0;
        for (int n = 0; n < 256; n += 128) {
            long q = qs + n / 4;
            for (int shift = 0; shift < 8; shift += 2) {
                for (int half = 0; half < 2; half++) {
                    int sc = u8(s, scales + is++);
                    float dl = d * (sc & 0xF), ml = min * (sc >>> 4);
                    for (int l = 0; l < 16; l++) y[o++] = dl * ((u8(s, q + half * 16 + l) >>> shift) & 3) - ml;
                }
            }
        }
    }

    private static void q3_K(MemorySegment s, long at, float[] y, int o) {
        long hm = at, qs = at + 32, sc = at + 96;
        float dAll = Le.half(s, at + 108);
        int[] scales = q3Scales(s, sc);
        int is = 0, m = 1;
        for (int n = 0; n < 256; n += 128) {
            long q = qs + n / 4;
            for (int shift = 0; shift < 8; shift += 2, m <<= 1) {
                for (int half = 0; half < 2; half++) {
                    float dl = dAll * (scales[is++] - 32);
                    for (int l = 0; l < 16; l++) {
                        int k = half * 16 + l;
                        y[o++] = dl * (((u8(s, q + k) >>> shift) & 3) - ((u8(s, hm + k) & m) != 0 ? 0 : 4));
                    }
                }
            }
        }
    }

    /** Q3_K's sixteen 6-bit scales from 12 bytes: low 4 bits in bytes 0..7, high 2 bits in bytes 8..11. */
    private static int[] q3Scales(MemorySegment s, long at) {
        int[] out = new int[16];
        for (int j = 0; j < 16; j++) {
            int low = j < 8 ? u8(s, at + j) & 0x0F : u8(s, at + j - 8) >>> 4;
            int high = (u8(s, at + 8 + (j % 4)) >>> (2 * (j / 4))) & 3;
            out[j] = (byte) (low | high << 4); // an int8 in ggml; values 0..63, so the cast keeps them
        }
        return out;
    }

    private static void q5_K(MemorySegment s, long at, float[] y, int o) {
        float d = Le.half(s, at), min = Le.half(s, at + 2);
        long scales = at + 4, qh = at + 16, ql = at + 48;
        int u1 = 1, u2 = 2;
        for (int j = 0, is = 0; j < 256; j += 64, is += 2, u1 <<= 2, u2 <<= 2) {
            int a = Q4_KFormat.scaleMin(s, scales, is), b = Q4_KFormat.scaleMin(s, scales, is + 1);
            float d1 = d * (a & 0xFF), m1 = min * (a >>> 8), d2 = d * (b & 0xFF), m2 = min * (b >>> 8);
            long q = ql + j / 2;
            for (int l = 0; l < 32; l++) y[o++] = d1 * ((u8(s, q + l) & 0xF) + ((u8(s, qh + l) & u1) != 0 ? 16 : 0)) - m1;
            for (int l = 0; l < 32; l++) y[o++] = d2 * ((u8(s, q + l) >>> 4) + ((u8(s, qh + l) & u2) != 0 ? 16 : 0)) - m2;
        }
    }

    private static void q6_K(MemorySegment s, long at, float[] y, int o) {
        float d = Le.half(s, at + 208);
        for (int n = 0; n < 2; n++) {
            long ql = at + 64L * n, qh = at + 128 + 32L * n, sc = at + 192 + 8L * n;
            int base = o + 128 * n;
            for (int l = 0; l < 32; l++) {
                int is = l / 16, h = u8(s, qh + l), lo = u8(s, ql + l), hi = u8(s, ql + l + 32);
                int q1 = ((lo & 0xF) | ((h & 3) << 4)) - 32, q2 = ((hi & 0xF) | (((h >>> 2) & 3) << 4)) - 32;
                int q3 = ((lo >>> 4) | (((h >>> 4) & 3) << 4)) - 32, q4 = ((hi >>> 4) | (((h >>> 6) & 3) << 4)) - 32;
                y[base + l] = d * s.get(ValueLayout.JAVA_BYTE, sc + is) * q1;
                y[base + l + 32] = d * s.get(ValueLayout.JAVA_BYTE, sc + is + 2) * q2;
                y[base + l + 64] = d * s.get(ValueLayout.JAVA_BYTE, sc + is + 4) * q3;
                y[base + l + 96] = d * s.get(ValueLayout.JAVA_BYTE, sc + is + 6) * q4;
            }
        }
    }
}
