package dev.trident.io.gguf;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.util.Locale;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@link GgmlDequantizer} against ggml itself: blocks are made by ggml's own {@code quantize_row_*_ref} from
 * random rows (so they are the blocks real files hold) and also filled with random bytes (every bit pattern of
 * the packed fields, finite fp16 scales), then decoded by {@code dequantize_row_*} in the libggml-base that
 * node-llama-cpp ships and by Trident: the floats must be identical. Skipped without tools/llama-ref.
 */
@SuppressWarnings("restricted") // FFM downcalls into libggml-base, as intended; surefire enables native access
class GgmlDequantizerTest {
    private static final GgmlType[] TYPES = {GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.Q2_K, GgmlType.Q3_K,
            GgmlType.Q5_K, GgmlType.Q6_K};

    @Test
    void matchesGgmlBitForBit() throws Throwable {
        assumeTrue(Files.isRegularFile(LlamaRef.ggmlBase()), "tools/llama-ref is not installed");
        Random rnd = new Random(5);
        try (Arena arena = Arena.ofConfined()) {
            SymbolLookup lib = SymbolLookup.libraryLookup(LlamaRef.ggmlBase(), arena);
            Linker linker = Linker.nativeLinker();
            FunctionDescriptor rowFn = FunctionDescriptor.ofVoid(ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG);
            for (GgmlType t : TYPES) {
                String name = t.name().toLowerCase(Locale.ROOT).replace("_k", "_K");
                MethodHandle quantize = linker.downcallHandle(lib.findOrThrow("quantize_row_" + name + "_ref"), rowFn);
                MethodHandle dequantize = linker.downcallHandle(lib.findOrThrow("dequantize_row_" + name), rowFn);
                int n = t.blockSize() * 16;
                MemorySegment x = arena.allocate(4L * n), q = arena.allocate((long) n / t.blockSize() * t.typeSize()), y = arena.allocate(4L * n);
                for (int trial = 0; trial < 40; trial++) {
                    if (trial % 2 == 0) {
                        float scale = (float) Math.pow(10, rnd.nextInt(7) - 3);
                        for (int i = 0; i < n; i++) x.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) rnd.nextGaussian() * scale);
                        quantize.invokeExact(x, q, (long) n);
                    } else {
                        randomBlocks(t, q, n / t.blockSize(), rnd);
                    }
                    dequantize.invokeExact(q, y, (long) n);
                    float[] ours = new float[n];
                    GgmlDequantizer.dequantize(t, q, 0, ours, 0, n);
                    for (int i = 0; i < n; i++) {
                        float theirs = y.getAtIndex(ValueLayout.JAVA_FLOAT, i);
                        assertEquals(Float.floatToRawIntBits(theirs), Float.floatToRawIntBits(ours[i]),
                                t + " trial " + trial + " value " + i + ": ggml " + theirs + ", Trident " + ours[i]);
                    }
                }
            }
        }
    }

    /**
     * Q5_K and Q6_K are also weight formats Trident runs (Q5_KFormat, Q6_KFormat): their quantizers give ggml's
     * quantize_row_q5_K_ref / q6_K_ref bytes exactly, and their row decoders (which the GEMV kernels' scalar twin
     * uses) ggml's values bit for bit.
     */
    @Test
    void q5_KAndQ6_KFormatsQuantizeAndDecodeAsGgml() throws Throwable {
        assumeTrue(Files.isRegularFile(LlamaRef.ggmlBase()), "tools/llama-ref is not installed");
        Random rnd = new Random(6);
        try (Arena arena = Arena.ofConfined()) {
            SymbolLookup lib = SymbolLookup.libraryLookup(LlamaRef.ggmlBase(), arena);
            FunctionDescriptor rowFn = FunctionDescriptor.ofVoid(ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG);
            for (GgmlType type : new GgmlType[]{GgmlType.Q5_K, GgmlType.Q6_K}) {
            dev.trident.quant.WeightFormat format = GgufTensorData.format(type);
            MethodHandle quantize = Linker.nativeLinker().downcallHandle(
                    lib.findOrThrow("quantize_row_" + type.name().toLowerCase(Locale.ROOT).replace("_k", "_K") + "_ref"), rowFn);
            int rows = 3, cols = 256 * 5, n = rows * cols;
            MemorySegment x = arena.allocate(4L * n), q = arena.allocate(type.byteSize(cols, rows));
            for (int trial = 0; trial < 30; trial++) {
                float scale = (float) Math.pow(10, rnd.nextInt(7) - 3);
                float[] w = new float[n];
                for (int i = 0; i < n; i++) w[i] = (float) rnd.nextGaussian() * scale;
                if (trial % 3 == 1) for (int i = 0; i < 40; i++) w[rnd.nextInt(n)] *= 30; // outliers
                if (trial % 3 == 2) java.util.Arrays.fill(w, 256, 512, 0f); // an all-zero super-block
                MemorySegment.copy(w, 0, x, ValueLayout.JAVA_FLOAT, 0, n);
                quantize.invokeExact(x, q, (long) n);
                dev.trident.quant.QuantizedMatrix ours = format.quantize(w, rows, cols);
                long mismatch = q.mismatch(ours.data());
                assertEquals(-1L, mismatch, type + " trial " + trial + ": first differing byte " + mismatch);
                float[] want = new float[n], got = ours.dequantize();
                GgmlDequantizer.dequantize(type, q, 0, want, 0, n);
                for (int i = 0; i < n; i++)
                    assertEquals(Float.floatToRawIntBits(want[i]), Float.floatToRawIntBits(got[i]), type + " trial " + trial + " value " + i);
            }
            }
        }
    }

    /** Random bytes, with every fp16 scale replaced by a finite one (ggml and Java agree on NaN payloads only loosely). */
    private static void randomBlocks(GgmlType t, MemorySegment q, int blocks, Random rnd) {
        byte[] b = new byte[blocks * t.typeSize()];
        rnd.nextBytes(b);
        MemorySegment.copy(b, 0, q, ValueLayout.JAVA_BYTE, 0, b.length);
        int[] halves = switch (t) {
            case Q4_1, Q5_1 -> new int[] {0, 2};
            case Q5_0 -> new int[] {0};
            case Q2_K -> new int[] {80, 82};
            case Q3_K -> new int[] {108};
            case Q5_K -> new int[] {0, 2};
            case Q6_K -> new int[] {208};
            default -> throw new IllegalArgumentException(t.name());
        };
        for (int k = 0; k < blocks; k++)
            for (int h : halves) dev.trident.quant.Le.putHalf(q, (long) k * t.typeSize() + h, (float) rnd.nextGaussian());
    }
}
