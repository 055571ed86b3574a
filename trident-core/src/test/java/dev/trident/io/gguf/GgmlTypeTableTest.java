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

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Holds {@link GgmlType} to ggml itself: calls {@code ggml_type_name}, {@code ggml_blck_size} and
 * {@code ggml_type_size} in the libggml-base that node-llama-cpp ships (skipped when tools/llama-ref is not
 * installed). Without it, only the hand-checked values below stand guard.
 */
@SuppressWarnings("restricted") // calls into libggml-base through FFM, as intended; surefire enables native access
class GgmlTypeTableTest {

    @Test
    void sizesOfTheCommonTypes() {
        assertEquals(34, GgmlType.Q8_0.typeSize());
        assertEquals(32, GgmlType.Q8_0.blockSize());
        assertEquals(144, GgmlType.Q4_K.typeSize());
        assertEquals(256, GgmlType.Q4_K.blockSize());
        assertEquals(GgmlType.BF16, GgmlType.byId(30));
        assertNull(GgmlType.byId(4));
        assertNull(GgmlType.byId(-1));
        assertNull(GgmlType.byId(1L << 40));
        assertEquals(34L * 2 * 3, GgmlType.Q8_0.byteSize(64, 3));
        assertEquals(-1, GgmlType.Q8_0.byteSize(48, 3));
        assertEquals(-1, GgmlType.F32.byteSize(1L << 62, 2));
    }

    @Test
    void matchesGgml() throws Throwable {
        assumeTrue(Files.isRegularFile(LlamaRef.ggmlBase()), "tools/llama-ref is not installed");
        try (Arena arena = Arena.ofConfined()) {
            SymbolLookup lib = SymbolLookup.libraryLookup(LlamaRef.ggmlBase(), arena);
            Linker linker = Linker.nativeLinker();
            MethodHandle name = linker.downcallHandle(lib.findOrThrow("ggml_type_name"),
                    FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
            MethodHandle blck = linker.downcallHandle(lib.findOrThrow("ggml_blck_size"),
                    FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
            MethodHandle size = linker.downcallHandle(lib.findOrThrow("ggml_type_size"),
                    FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
            // ggml does not bounds-check the type id, so ask only up to the highest id in our table (all older than
            // this build); every id below it that we lack must be one ggml removed (block size 0).
            int maxId = 0;
            for (GgmlType t : GgmlType.values()) maxId = Math.max(maxId, t.id());
            for (int id = 0; id <= maxId; id++) {
                long b = (long) blck.invokeExact(id);
                GgmlType t = GgmlType.byId(id);
                if (t == null) {
                    assertEquals(0, b, "ggml has a type " + id + " that GgmlType lacks");
                    continue;
                }
                String n = ((MemorySegment) name.invokeExact(id)).reinterpret(64).getString(0);
                long s = (long) size.invokeExact(id);
                assertEquals(t.name().toLowerCase(), n.toLowerCase(), "name of type " + id);
                assertEquals(t.blockSize(), b, "block size of " + t);
                assertEquals(t.typeSize(), s, "type size of " + t);
            }
        }
    }
}
