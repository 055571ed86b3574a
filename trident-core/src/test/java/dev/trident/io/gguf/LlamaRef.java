package dev.trident.io.gguf;

import dev.trident.io.json.Json;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

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

    /**
     * Runs a tools/llama-ref script on one thread and parses the JSON object it prints; its stderr goes to
     * scratch/SCRIPT.stderr and is quoted if it fails.
     */
    static Map<String, Object> run(Path scratch, String script, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("node", script));
        cmd.addAll(List.of(args));
        cmd.addAll(List.of("--threads", "1"));
        Path err = scratch.resolve(script + ".stderr");
        Process p = new ProcessBuilder(cmd).directory(dir().toFile()).redirectError(err.toFile()).start();
        byte[] stdout = p.getInputStream().readAllBytes();
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(script + " did not finish in 300 s");
        }
        if (p.exitValue() != 0) throw new AssertionError(script + " exited " + p.exitValue() + ": " + Files.readString(err));
        return Json.asObject(Json.parse(new String(stdout, StandardCharsets.UTF_8)), script);
    }
}
