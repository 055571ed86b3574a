package dev.trident.io.gguf;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the llama.cpp reference runner (tools/llama-ref, installed with npm ci) lives, if it is installed. */
final class LlamaRef {
    private LlamaRef() {}

    /** The repository root: the nearest folder above the working directory that has tools/llama-ref. */
    static Path dir() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("tools/llama-ref"))) return p.resolve("tools/llama-ref");
        }
        return Path.of("tools/llama-ref").toAbsolutePath();
    }

    static boolean installed() {
        return Files.isDirectory(dir().resolve("node_modules/node-llama-cpp"));
    }

    /** libggml-base.so from node-llama-cpp's prebuilt Linux x64 binaries. */
    static Path ggmlBase() {
        return dir().resolve("node_modules/@node-llama-cpp/linux-x64/bins/linux-x64/libggml-base.so");
    }
}
