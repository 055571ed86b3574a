package dev.trident.server;

import dev.trident.engine.Completion;
import dev.trident.engine.Engine;
import dev.trident.engine.EngineBusyException;
import dev.trident.engine.EngineStats;
import dev.trident.engine.FinishReason;
import dev.trident.engine.Generation;
import dev.trident.engine.PromptTooLongException;
import io.javalin.Javalin;
import io.javalin.compression.CompressionStrategy;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import jakarta.servlet.ServletOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * The OpenAI-compatible HTTP API over an {@link Engine}: {@code GET /v1/models}, {@code POST /v1/completions},
 * {@code POST /v1/chat/completions} (streamed as Server-Sent Events with {@code stream: true}), {@code GET /health}
 * and a chat page at {@code /}. Every request shares the engine's continuous batch; a streaming client that goes
 * away cancels its generation at the next token.
 */
public final class TridentServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TridentServer.class);
    private final Engine engine;
    private final ServerOptions options;
    private final ApiKey apiKey;
    private final long created = System.currentTimeMillis() / 1000;
    private final byte[] page;
    private Javalin app;

    public TridentServer(Engine engine, ServerOptions options) {
        this.engine = engine;
        this.options = options;
        this.apiKey = options.apiKey() == null ? null : new ApiKey(options.apiKey());
        try (InputStream in = TridentServer.class.getResourceAsStream("/web/index.html")) {
            if (in == null) throw new IllegalStateException("the chat page web/index.html is missing from the jar");
            this.page = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts listening; returns this. */
    public TridentServer start() {
        app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.startup.showOldJavalinVersionWarning = false;
            config.concurrency.useVirtualThreads = true;
            config.http.maxRequestSize = options.maxBodyBytes();
            config.http.compressionStrategy = CompressionStrategy.NONE; // streamed events must not wait in a gzip buffer
            config.http.prefer405over404 = true;
            config.jetty.host = options.host();
            config.jetty.port = options.port();
            config.routes.before("/v1/*", this::authorize);
            config.routes.get("/", ctx -> ctx.contentType("text/html; charset=utf-8").result(page));
            config.routes.get("/health", this::health);
            config.routes.get("/v1/models", ctx -> json(ctx, 200, models()));
            config.routes.get("/v1/models/{model}", ctx -> {
                checkModel(ctx.pathParam("model"));
                json(ctx, 200, model());
            });
            config.routes.post("/v1/completions", ctx -> generate(ctx, false));
            config.routes.post("/v1/chat/completions", ctx -> generate(ctx, true));
            config.routes.exception(ApiError.class, (e, ctx) -> json(ctx, e.status, OpenAiJson.error(e)));
            config.routes.exception(HttpResponseException.class, (e, ctx) -> json(ctx, e.getStatus(), OpenAiJson.error(fromJavalin(e, ctx))));
            config.routes.exception(Exception.class, (e, ctx) -> {
                LOG.error("internal error on {} {}", ctx.method(), ctx.path(), e);
                json(ctx, 500, OpenAiJson.error(new ApiError(500, "server_error", null, null, "internal error: " + e.getClass().getSimpleName())));
            });
        }).start();
        return this;
    }

    public int port() { return app.port(); }

    public Engine engine() { return engine; }

    @Override
    public void close() {
        if (app != null) app.stop();
    }

    private void authorize(Context ctx) {
        if (apiKey != null && !apiKey.accepts(ctx.header("Authorization")))
            throw new ApiError(401, "invalid_request_error", "invalid_api_key", null,
                    "Incorrect API key provided; send it as 'Authorization: Bearer KEY'");
    }

    private void health(Context ctx) {
        EngineStats s = engine.stats();
        ObjectNode o = OpenAiJson.MAPPER.createObjectNode();
        o.put("status", "ok");
        o.put("model", engine.id());
        o.put("running", s.running());
        o.put("queued", s.queued());
        o.put("max_sequences", s.maxSequences());
        o.put("max_queued", s.maxQueued());
        o.put("requests", s.requests());
        o.put("cancelled", s.cancelled());
        o.put("generated_tokens", s.generatedTokens());
        o.put("forward_passes", s.forwards());
        o.put("rows", s.rows());
        o.put("scheduler_cpu_seconds", s.schedulerCpuSeconds());
        o.put("drafts_proposed", s.draftsProposed());
        o.put("drafts_accepted", s.draftsAccepted());
        json(ctx, 200, o);
    }

    private ObjectNode model() {
        ObjectNode m = OpenAiJson.MAPPER.createObjectNode();
        m.put("id", engine.id());
        m.put("object", "model");
        m.put("created", created);
        m.put("owned_by", "trident");
        m.put("max_model_len", engine.contextLength());
        return m;
    }

    private ObjectNode models() {
        ObjectNode list = OpenAiJson.MAPPER.createObjectNode();
        list.put("object", "list");
        list.putArray("data").add(model());
        return list;
    }

    private void checkModel(String name) {
        if (name != null && !name.equals(engine.id()))
            throw new ApiError(404, "invalid_request_error", "model_not_found", "model",
                    "The model '" + name + "' does not exist; this server serves '" + engine.id() + "'");
    }

    private void generate(Context ctx, boolean chat) throws IOException {
        JsonNode body = readJson(ctx);
        if (body.isObject() && body.hasNonNull("model")) {
            if (!body.get("model").isString()) throw ApiError.invalid("model", "'model' must be a string");
            checkModel(body.get("model").stringValue());
        }
        ApiRequest r = chat ? ApiRequest.chat(body, engine.contextLength()) : ApiRequest.completion(body, engine.contextLength());
        Generation g;
        try {
            g = chat ? engine.submitChat(r.messages(), r.sampling()) : engine.submit(r.prompt(), r.sampling());
        } catch (PromptTooLongException e) {
            throw new ApiError(400, "invalid_request_error", "context_length_exceeded", chat ? "messages" : "prompt", e.getMessage());
        } catch (EngineBusyException e) {
            throw new ApiError(429, "rate_limit_error", "rate_limit_exceeded", null, e.getMessage());
        }
        String id = (chat ? "chatcmpl-" : "cmpl-") + UUID.randomUUID().toString().replace("-", "");
        if (!r.stream()) {
            Completion c = g.await();
            json(ctx, 200, chat ? OpenAiJson.chatCompletion(id, created(), engine.id(), c) : OpenAiJson.completion(id, created(), engine.id(), c));
        } else {
            stream(ctx, g, r, chat, id);
        }
    }

    /** Server-Sent Events: a chunk per piece of text, the finish, optionally the usage, then [DONE]. */
    private void stream(Context ctx, Generation g, ApiRequest r, boolean chat, String id) throws IOException {
        long t = created();
        ctx.status(200);
        ctx.res().setContentType("text/event-stream; charset=utf-8");
        ctx.res().setHeader("Cache-Control", "no-cache");
        ctx.res().setHeader("X-Accel-Buffering", "no");
        ServletOutputStream out = ctx.res().getOutputStream();
        String model = engine.id();
        boolean[] first = {true};
        if (chat) { // the role first, as OpenAI does, so clients can show the turn at once
            event(out, OpenAiJson.chunk(true, id, t, model, "", null, true));
            first[0] = false;
        }
        Completion c;
        try {
            c = g.await(piece -> {
                try {
                    event(out, OpenAiJson.chunk(chat, id, t, model, piece, null, first[0]));
                    first[0] = false;
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (UncheckedIOException gone) { // the client went away; await cancelled the generation
            LOG.debug("client left during a stream: {}", gone.getMessage());
            return;
        } catch (RuntimeException e) { // headers are sent: report in the stream
            LOG.error("generation failed", e);
            event(out, OpenAiJson.error(new ApiError(500, "server_error", null, null, "internal error: " + e.getClass().getSimpleName())));
            return;
        }
        if (c.finishReason() == FinishReason.CANCELLED) return;
        event(out, OpenAiJson.chunk(chat, id, t, model, null, c.finishReason().openAiName, false));
        if (r.streamUsage()) event(out, OpenAiJson.usageChunk(chat, id, t, model, c));
        out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static void event(ServletOutputStream out, ObjectNode data) throws IOException {
        out.write(("data: " + OpenAiJson.MAPPER.writeValueAsString(data) + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** The body as JSON, read with a bound: 413 past the limit, 400 if it is not JSON. */
    private JsonNode readJson(Context ctx) throws IOException {
        long declared = ctx.req().getContentLengthLong();
        if (declared > options.maxBodyBytes()) throw tooLarge();
        byte[] bytes = ctx.req().getInputStream().readNBytes(options.maxBodyBytes() + 1);
        if (bytes.length > options.maxBodyBytes()) throw tooLarge();
        if (bytes.length == 0) throw ApiError.invalid(null, "the request has no body; send a JSON object");
        try {
            return OpenAiJson.MAPPER.readTree(bytes);
        } catch (JacksonException e) {
            throw ApiError.invalid(null, "the body is not valid JSON: " + e.getOriginalMessage());
        }
    }

    private ApiError tooLarge() {
        return new ApiError(413, "invalid_request_error", "request_too_large", null,
                "the request body is larger than the limit of " + options.maxBodyBytes() + " bytes");
    }

    private static ApiError fromJavalin(HttpResponseException e, Context ctx) {
        return switch (e.getStatus()) {
            case 404 -> new ApiError(404, "invalid_request_error", "unknown_url", null, "Unknown request URL: " + ctx.method() + " " + ctx.path());
            case 405 -> new ApiError(405, "invalid_request_error", "method_not_allowed", null, "Method " + ctx.method() + " is not allowed on " + ctx.path());
            case 413 -> new ApiError(413, "invalid_request_error", "request_too_large", null, "the request body is too large");
            default -> new ApiError(e.getStatus(), e.getStatus() >= 500 ? "server_error" : "invalid_request_error", null, null, e.getMessage());
        };
    }

    private static long created() { return System.currentTimeMillis() / 1000; }

    private static void json(Context ctx, int status, ObjectNode body) {
        ctx.status(status).contentType("application/json").result(OpenAiJson.MAPPER.writeValueAsString(body));
    }
}
