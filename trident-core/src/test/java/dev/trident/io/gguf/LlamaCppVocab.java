package dev.trident.io.gguf;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BOOLEAN;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * llama.cpp's own tokenizer, called in-process through FFM on the libllama that node-llama-cpp ships, so that raw
 * bytes (invalid UTF-8 included, which a JavaScript string cannot carry) reach {@code llama_tokenize} unchanged.
 * The model is loaded with {@code vocab_only}. {@code llama_model_params} is laid out as llama.h of that build
 * declares it; {@link #open} checks the defaults llama.cpp fills in before trusting the layout.
 */
@SuppressWarnings("restricted") // FFM downcalls into libllama, as intended; surefire enables native access
final class LlamaCppVocab implements AutoCloseable {
    /** struct llama_model_params (llama.h of the bundled llama.cpp). */
    private static final StructLayout PARAMS = MemoryLayout.structLayout(
            ADDRESS.withName("devices"), ADDRESS.withName("tensor_buft_overrides"),
            JAVA_INT.withName("n_gpu_layers"), JAVA_INT.withName("split_mode"), JAVA_INT.withName("load_mode"),
            JAVA_INT.withName("lazy_mode"), JAVA_INT.withName("main_gpu"), MemoryLayout.paddingLayout(4),
            ADDRESS.withName("tensor_split"), ADDRESS.withName("progress_callback"),
            ADDRESS.withName("progress_callback_user_data"), ADDRESS.withName("kv_overrides"),
            JAVA_BOOLEAN.withName("vocab_only"), JAVA_BOOLEAN.withName("check_tensors"),
            JAVA_BOOLEAN.withName("use_extra_bufts"), JAVA_BOOLEAN.withName("no_host"), JAVA_BOOLEAN.withName("no_alloc"),
            JAVA_BOOLEAN.withName("load_mtp"), MemoryLayout.paddingLayout(2));

    private final Arena arena = Arena.ofShared();
    private final MethodHandle tokenize, free, logSet;
    private final MemorySegment model, vocab;

    static Path library() {
        return LlamaRef.dir().resolve("node_modules/@node-llama-cpp/linux-x64/bins/linux-x64/libllama.v0.4.0.so");
    }

    static boolean available() {
        return Files.isRegularFile(library());
    }

    private LlamaCppVocab(Path gguf) throws Throwable {
        Linker linker = Linker.nativeLinker();
        SymbolLookup lib = SymbolLookup.libraryLookup(library(), arena);
        MethodHandle init = linker.downcallHandle(lib.findOrThrow("llama_backend_init"), FunctionDescriptor.ofVoid());
        MethodHandle defaults = linker.downcallHandle(lib.findOrThrow("llama_model_default_params"), FunctionDescriptor.of(PARAMS));
        MethodHandle load = linker.downcallHandle(lib.findOrThrow("llama_model_load_from_file"), FunctionDescriptor.of(ADDRESS, ADDRESS, PARAMS));
        MethodHandle getVocab = linker.downcallHandle(lib.findOrThrow("llama_model_get_vocab"), FunctionDescriptor.of(ADDRESS, ADDRESS));
        this.tokenize = linker.downcallHandle(lib.findOrThrow("llama_tokenize"),
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, JAVA_BOOLEAN, JAVA_BOOLEAN));
        this.free = linker.downcallHandle(lib.findOrThrow("llama_model_free"), FunctionDescriptor.ofVoid(ADDRESS));
        // Silence llama.cpp's loader log (it would fill the test output): llama_log_set(no-op, NULL).
        this.logSet = linker.downcallHandle(lib.findOrThrow("llama_log_set"), FunctionDescriptor.ofVoid(ADDRESS, ADDRESS));
        MemorySegment quiet = linker.upcallStub(java.lang.invoke.MethodHandles.lookup().findStatic(LlamaCppVocab.class, "ignoreLog",
                java.lang.invoke.MethodType.methodType(void.class, int.class, MemorySegment.class, MemorySegment.class)),
                FunctionDescriptor.ofVoid(JAVA_INT, ADDRESS, ADDRESS), arena);
        logSet.invokeExact(quiet, MemorySegment.NULL);
        init.invokeExact();
        MemorySegment params = (MemorySegment) defaults.invokeExact((java.lang.foreign.SegmentAllocator) arena);
        // The defaults llama_model_default_params sets: if these read back, the struct layout is right.
        if (params.get(JAVA_INT, PARAMS.byteOffset(MemoryLayout.PathElement.groupElement("n_gpu_layers"))) != -1
                || !params.get(JAVA_BOOLEAN, PARAMS.byteOffset(MemoryLayout.PathElement.groupElement("use_extra_bufts")))
                || params.get(JAVA_BOOLEAN, PARAMS.byteOffset(MemoryLayout.PathElement.groupElement("vocab_only"))))
            throw new IllegalStateException("llama_model_params does not have the expected layout in " + library());
        params.set(JAVA_BOOLEAN, PARAMS.byteOffset(MemoryLayout.PathElement.groupElement("vocab_only")), true);
        this.model = (MemorySegment) load.invokeExact(arena.allocateFrom(gguf.toString()), params);
        if (model.equals(MemorySegment.NULL)) throw new IllegalStateException("llama.cpp could not load " + gguf);
        this.vocab = (MemorySegment) getVocab.invokeExact(model);
    }

    private static void ignoreLog(int level, MemorySegment text, MemorySegment user) {}

    /** Loads the vocabulary of a GGUF file. */
    static LlamaCppVocab open(Path gguf) {
        try {
            return new LlamaCppVocab(gguf);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** llama_tokenize(text, add_special = false, parse_special). */
    int[] tokenize(byte[] text, boolean parseSpecial) {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment in = call.allocate(Math.max(1, text.length));
            MemorySegment.copy(text, 0, in, ValueLayout.JAVA_BYTE, 0, text.length);
            int max = text.length * 2 + 16;
            MemorySegment out = call.allocate(JAVA_INT, max);
            int n = (int) tokenize.invokeExact(vocab, in, text.length, out, max, false, parseSpecial);
            if (n < 0) throw new IllegalStateException("llama_tokenize needs " + -n + " slots");
            return Arrays.copyOf(out.toArray(JAVA_INT), n);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    @Override
    public void close() {
        try {
            free.invokeExact(model);
            logSet.invokeExact(MemorySegment.NULL, MemorySegment.NULL); // before the no-op stub is freed
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        } finally {
            arena.close();
        }
    }
}
