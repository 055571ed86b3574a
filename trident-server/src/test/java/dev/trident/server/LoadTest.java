package dev.trident.server;

import dev.trident.engine.EngineOptions;
import dev.trident.engine.EngineStats;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * 32 streaming completion clients at once, 64 tokens each (end of text ignored, so each asks for exactly 64): every stream completes, and each carries exactly the text the same
 * request gets when it is sent alone with the same seed (none lost, none mixed up with another's).
 */
class LoadTest {
    private static final int CLIENTS = 32, TOKENS = 64;
    private static final String[] PROMPTS = {"the", "ROMEO: Hello", "User: what light", "fox", "the quick brown fox jumps over the lazy dog."};

    private static String body(int i) {
        return """
                {"prompt": "%s %d", "max_tokens": %d, "temperature": %s, "top_p": %s,
                 "seed": %d, "ignore_eos": true, "stream": true, "stream_options": {"include_usage": true}}"""
                .formatted(PROMPTS[i % PROMPTS.length], i, TOKENS, i % 4 == 0 ? "0" : "0.9", i % 3 == 0 ? "0.95" : "1", 100 + i);
    }

    /** The text of a stream, checking its shape: one id, finish "length", usage of TOKENS completion tokens. */
    private static String text(String sse) {
        List<JsonNode> events = ServerApiTest.events(sse);
        StringBuilder text = new StringBuilder();
        String id = events.getFirst().get("id").stringValue(), finish = null;
        int completionTokens = -1;
        for (JsonNode e : events) {
            assertEquals(id, e.get("id").stringValue(), "a stream carries one request's chunks only");
            if (e.has("usage")) completionTokens = e.get("usage").get("completion_tokens").intValue();
            if (e.get("choices").isEmpty()) continue;
            JsonNode c = e.get("choices").get(0);
            text.append(c.get("text").stringValue());
            if (!c.get("finish_reason").isNull()) finish = c.get("finish_reason").stringValue();
        }
        assertEquals("length", finish);
        assertEquals(TOKENS, completionTokens);
        return text.toString();
    }

    @Test
    void thirtyTwoConcurrentStreamsEachEqualTheirRequestAlone() throws Exception {
        try (TestServer s = new TestServer(128, EngineOptions.defaults().withMaxSequences(CLIENTS), ServerOptions.loopback(0))) {
            EngineStats before = s.engine.stats();
            List<CompletableFuture<HttpResponse<String>>> streams = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++)
                streams.add(s.http.sendAsync(HttpRequest.newBuilder(URI.create(s.base() + "/v1/completions"))
                        .timeout(Duration.ofSeconds(120)).POST(HttpRequest.BodyPublishers.ofString(body(i))).build(),
                        HttpResponse.BodyHandlers.ofString()));
            List<String> together = new ArrayList<>();
            for (var f : streams) {
                HttpResponse<String> r = f.get();
                assertEquals(200, r.statusCode(), r.body());
                together.add(text(r.body()));
            }
            EngineStats during = s.engine.stats();
            long rows = during.rows() - before.rows(), passes = during.forwards() - before.forwards();
            assertTrue(rows >= 4 * passes, "the streams shared passes: " + rows + " rows in " + passes + " passes");
            for (int i = 0; i < CLIENTS; i++) {
                HttpResponse<String> alone = s.post("/v1/completions", body(i));
                assertEquals(text(alone.body()), together.get(i), "client " + i + ": the same text as its request alone");
            }
        }
    }
}
