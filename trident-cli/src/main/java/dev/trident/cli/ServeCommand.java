package dev.trident.cli;

import dev.trident.TridentException;
import dev.trident.chat.ChatTemplate;
import dev.trident.engine.Engine;
import dev.trident.engine.EngineOptions;
import dev.trident.engine.EngineStats;
import dev.trident.infer.LoadedModel;
import dev.trident.server.ServerOptions;
import dev.trident.server.TridentServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.net.BindException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** trident serve: the OpenAI-compatible HTTP API and a chat page, over the continuous-batching engine. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Serve a model over the OpenAI API (/v1/models, /v1/completions, /v1/chat/completions) with a chat page at /.",
                "Requests are decoded together (continuous batching). Listens on loopback unless --host says otherwise."})
final class ServeCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ThreadsOption threads;
    @Mixin WeightsOption weights;

    @Parameters(index = "0", paramLabel = "MODEL", description = "A model directory from `trident train`, or a GGUF file.")
    Path model;

    @Option(names = "--port", paramLabel = "N", defaultValue = "8080", description = "Port (default: ${DEFAULT-VALUE}; 0 = any free port).")
    int port;

    @Option(names = "--host", paramLabel = "ADDR", defaultValue = "127.0.0.1",
            description = "Address to listen on (default: ${DEFAULT-VALUE}, this machine only; 0.0.0.0 = every interface).")
    String host;

    @Option(names = "--api-key", paramLabel = "KEY",
            description = "Require 'Authorization: Bearer KEY' on /v1 (default: the TRIDENT_API_KEY environment variable, else none).")
    String apiKey;

    @Option(names = "--chat-template", paramLabel = "NAME",
            description = "Chat layout instead of the model's own: chatml, llama3, llama2, gemma, phi3, deepseek, deepseek2, deepseek3.")
    String chatTemplate;

    @Option(names = "--batch-rows", paramLabel = "N", defaultValue = "8",
            description = "Token rows per forward pass, shared by decoding requests and prompt chunks (default: ${DEFAULT-VALUE}; "
                    + "up to 8 a request's tokens never depend on the load).")
    int batchRows;

    @Option(names = "--max-sequences", paramLabel = "N", defaultValue = "32", description = "Requests generating at once (default: ${DEFAULT-VALUE}).")
    int maxSequences;

    @Option(names = "--max-queued", paramLabel = "N", defaultValue = "64",
            description = "Requests waiting for a place; more get HTTP 429 (default: ${DEFAULT-VALUE}).")
    int maxQueued;

    @Option(names = "--kv-cache-mb", paramLabel = "MB", defaultValue = "2048",
            description = "Memory for all KV caches; lowers --max-sequences if they do not fit (default: ${DEFAULT-VALUE}).")
    long kvCacheMb;

    @Option(names = "--speculative",
            description = "Greedy requests decode self-speculatively with the model's first MTP module: each pass carries the module's "
                    + "draft beside the pending token and keeps it when the model agrees (output unchanged). Needs a model trained with --mtp.")
    boolean speculative;

    @Option(names = "--max-body-kb", paramLabel = "KB", defaultValue = "1024",
            description = "Largest request body accepted; larger ones get HTTP 413 (default: ${DEFAULT-VALUE}).")
    int maxBodyKb;

    @Override
    public Integer call() throws InterruptedException {
        threads.apply();
        Checks.positive(spec, "--batch-rows", batchRows);
        Checks.positive(spec, "--max-sequences", maxSequences);
        Checks.nonNegative(spec, "--max-queued", maxQueued);
        Checks.positive(spec, "--kv-cache-mb", kvCacheMb);
        Checks.positive(spec, "--max-body-kb", maxBodyKb);
        if (port < 0 || port > 65535) throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--port must be in 0..65535, got " + port);
        if (batchRows > 256) throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--batch-rows must be at most 256, got " + batchRows);
        Checks.model(model);
        String key = apiKey != null ? apiKey : System.getenv("TRIDENT_API_KEY");
        PrintWriter err = spec.commandLine().getErr();
        EngineOptions eo = new EngineOptions(batchRows, maxSequences, maxQueued, kvCacheMb << 20, speculative);
        LoadedModel m = weights.open(model, err);
        ChatTemplate template;
        try {
            template = chatTemplate != null ? ChatTemplate.named(chatTemplate, m.tokenizer()) : ChatTemplate.forModel(model, m.tokenizer());
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
        Path name = model.toAbsolutePath().normalize().getFileName();
        Engine engine;
        try {
            engine = Engine.of(m, template, name == null ? "trident" : name.toString(), eo);
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
        TridentServer server = new TridentServer(engine, new ServerOptions(host, port, key, Math.multiplyExact(maxBodyKb, 1024)));
        try {
            server.start();
        } catch (RuntimeException e) {
            engine.close();
            for (Throwable t = e; t != null; t = t.getCause())
                if (t instanceof BindException) throw new TridentException("cannot listen on " + host + ":" + port + " (" + t.getMessage() + ")");
            throw e;
        }
        EngineStats s = engine.stats();
        err.printf(Locale.ROOT, "serving %s (context %d tokens, chat template %s) at http://%s:%d/  (OpenAI API at /v1%s)%n",
                engine.id(), engine.contextLength(), template.format().id, host.contains(":") ? "[" + host + "]" : host, server.port(),
                key != null ? ", API key required" : "");
        err.printf(Locale.ROOT, "up to %d requests at once (%.1f MB of KV cache each), %d waiting, %d token rows per pass%s; Ctrl-C stops%n",
                s.maxSequences(), s.kvCacheBytesPerSequence() / 1e6, s.maxQueued(), batchRows,
                speculative ? ", greedy requests speculative (MTP drafts)" : "");
        err.flush();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            engine.close();
            stopped.countDown();
        }));
        stopped.await();
        return ExitCodes.OK;
    }
}
