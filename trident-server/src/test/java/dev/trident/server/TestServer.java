package dev.trident.server;

import dev.trident.chat.ChatTemplate;
import dev.trident.engine.Engine;
import dev.trident.engine.EngineOptions;
import dev.trident.engine.TestModels;
import dev.trident.model.Model;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A server on a free loopback port over a small random model, and a plain HTTP client for it. */
final class TestServer implements AutoCloseable {
    static final String MODEL = "tiny-test";
    final Model model;
    final Engine engine;
    final TridentServer server;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    TestServer(int context, EngineOptions engineOptions, ServerOptions serverOptions) {
        model = TestModels.model(11, context);
        engine = Engine.of(model, ChatTemplate.defaultFor(model.tokenizer()), MODEL, engineOptions);
        server = new TridentServer(engine, serverOptions).start();
    }

    static TestServer standard() {
        return new TestServer(128, EngineOptions.defaults(), ServerOptions.loopback(0));
    }

    String base() { return "http://127.0.0.1:" + server.port(); }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(base() + path)).timeout(Duration.ofSeconds(60)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> post(String path, String body, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base() + path)).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode json(String text) {
        return OpenAiJson.MAPPER.readTree(text);
    }

    @Override
    public void close() {
        server.close();
        engine.close();
        http.close();
    }
}
