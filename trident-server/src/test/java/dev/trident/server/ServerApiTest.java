package dev.trident.server;

import dev.trident.chat.ChatMessage;
import dev.trident.engine.Completion;
import dev.trident.engine.EngineOptions;
import dev.trident.engine.Sampling;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every endpoint and every error over plain HTTP, checked field by field against the OpenAI API's shapes. */
class ServerApiTest {
    private static TestServer s;

    @BeforeAll
    static void start() {
        s = TestServer.standard();
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    @Test
    void modelsAndHealth() throws Exception {
        HttpResponse<String> r = s.get("/v1/models");
        assertEquals(200, r.statusCode());
        assertEquals("application/json", r.headers().firstValue("Content-Type").orElse("").split(";")[0]);
        JsonNode m = TestServer.json(r.body());
        assertEquals("list", m.get("object").stringValue());
        assertEquals(TestServer.MODEL, m.get("data").get(0).get("id").stringValue());
        assertEquals("model", m.get("data").get(0).get("object").stringValue());
        assertEquals(128, m.get("data").get(0).get("max_model_len").intValue());
        assertEquals(200, s.get("/v1/models/" + TestServer.MODEL).statusCode());
        assertError(s.get("/v1/models/gpt-4"), 404, "model_not_found");
        JsonNode h = TestServer.json(s.get("/health").body());
        assertEquals("ok", h.get("status").stringValue());
        assertTrue(h.has("running") && h.has("queued"));
        HttpResponse<String> page = s.get("/");
        assertEquals(200, page.statusCode());
        assertTrue(page.headers().firstValue("Content-Type").orElse("").startsWith("text/html"));
        assertTrue(page.body().contains("/v1/chat/completions"), "the page talks to the chat API");
    }

    @Test
    void completionMatchesTheEngineAndCountsUsage() throws Exception {
        HttpResponse<String> r = s.post("/v1/completions", """
                {"model": "tiny-test", "prompt": "the quick", "max_tokens": 12, "temperature": 0.7, "top_p": 0.9, "seed": 5}""");
        assertEquals(200, r.statusCode(), r.body());
        JsonNode j = TestServer.json(r.body());
        assertEquals("text_completion", j.get("object").stringValue());
        assertTrue(j.get("id").stringValue().startsWith("cmpl-"));
        JsonNode choice = j.get("choices").get(0);
        Completion want = s.engine.complete("the quick", new Sampling(12, 0.7, 0.9, 0, 5, List.of(), false));
        assertEquals(want.text(), choice.get("text").stringValue());
        assertEquals(want.finishReason().openAiName, choice.get("finish_reason").stringValue());
        JsonNode u = j.get("usage");
        assertEquals(want.promptTokens(), u.get("prompt_tokens").intValue());
        assertEquals(want.completionTokens(), u.get("completion_tokens").intValue());
        assertEquals(want.promptTokens() + want.completionTokens(), u.get("total_tokens").intValue());
        // A one-element prompt array is the same prompt; OpenAI's default for completions is 16 tokens.
        JsonNode d = TestServer.json(s.post("/v1/completions", "{\"prompt\": [\"the quick\"], \"temperature\": 0, \"ignore_eos\": true}").body());
        assertEquals(16, d.get("usage").get("completion_tokens").intValue());
    }

    @Test
    void chatCompletionUsesTheTemplateAndStopsAtTheStopText() throws Exception {
        HttpResponse<String> r = s.post("/v1/chat/completions", """
                {"model": "tiny-test", "messages": [{"role": "system", "content": "Be brief."},
                 {"role": "user", "content": [{"type": "text", "text": "Hello"}]}], "max_tokens": 20, "seed": 9, "temperature": 0.9}""");
        assertEquals(200, r.statusCode(), r.body());
        JsonNode j = TestServer.json(r.body());
        assertEquals("chat.completion", j.get("object").stringValue());
        assertTrue(j.get("id").stringValue().startsWith("chatcmpl-"));
        JsonNode msg = j.get("choices").get(0).get("message");
        assertEquals("assistant", msg.get("role").stringValue());
        List<ChatMessage> conv = List.of(ChatMessage.system("Be brief."), ChatMessage.user("Hello"));
        Completion want = s.engine.chat(conv, new Sampling(20, 0.9, 1, 0, 9, List.of(), false));
        assertEquals(want.text(), msg.get("content").stringValue());
        assertEquals(s.engine.countChatTokens(conv), j.get("usage").get("prompt_tokens").intValue());

        String full = want.text();
        if (full.length() > 4) { // a stop text taken from the answer itself cuts it just before
            String stop = full.substring(2, 4);
            JsonNode cut = TestServer.json(s.post("/v1/chat/completions", """
                    {"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hello"}],
                     "max_tokens": 20, "seed": 9, "temperature": 0.9, "stop": [%s]}""".formatted(OpenAiJson.MAPPER.writeValueAsString(stop))).body());
            assertEquals(full.substring(0, full.indexOf(stop)), cut.get("choices").get(0).get("message").get("content").stringValue());
            assertEquals("stop", cut.get("choices").get(0).get("finish_reason").stringValue());
        }
    }

    @Test
    void streamsAreServerSentEventsEndingWithDone() throws Exception {
        String body = """
                {"messages": [{"role": "user", "content": "Hello"}], "max_tokens": 10, "seed": 3, "stream": true,
                 "stream_options": {"include_usage": true}}""";
        HttpResponse<String> r = s.post("/v1/chat/completions", body);
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
        List<JsonNode> events = events(r.body());
        assertEquals("assistant", events.getFirst().get("choices").get(0).get("delta").get("role").stringValue());
        StringBuilder text = new StringBuilder();
        String finish = null;
        JsonNode usage = null;
        for (JsonNode e : events) {
            assertEquals("chat.completion.chunk", e.get("object").stringValue());
            assertEquals(events.getFirst().get("id").stringValue(), e.get("id").stringValue(), "one id per stream");
            if (e.has("usage")) usage = e.get("usage");
            if (e.get("choices").isEmpty()) continue;
            JsonNode c = e.get("choices").get(0);
            if (c.get("delta").has("content")) text.append(c.get("delta").get("content").stringValue());
            if (!c.get("finish_reason").isNull()) finish = c.get("finish_reason").stringValue();
        }
        JsonNode plain = TestServer.json(s.post("/v1/chat/completions", body.replace("\"stream\": true", "\"stream\": false")).body());
        assertEquals(plain.get("choices").get(0).get("message").get("content").stringValue(), text.toString(), "streamed = not streamed");
        assertEquals(plain.get("choices").get(0).get("finish_reason").stringValue(), finish);
        assertEquals(plain.get("usage"), usage);

        // Completions stream too, without usage unless asked.
        HttpResponse<String> c = s.post("/v1/completions", "{\"prompt\": \"the\", \"max_tokens\": 5, \"seed\": 1, \"stream\": true}");
        List<JsonNode> ce = events(c.body());
        assertTrue(ce.stream().allMatch(e -> e.get("object").stringValue().equals("text_completion") && !e.has("usage")));
        assertFalse(ce.getLast().get("choices").get(0).get("finish_reason").isNull());
    }

    /** The data: lines of an event stream, which must end with [DONE]. */
    static List<JsonNode> events(String sse) {
        List<JsonNode> out = new ArrayList<>();
        String[] blocks = sse.split("\n\n");
        assertEquals("data: [DONE]", blocks[blocks.length - 1].strip(), "the stream ends with [DONE]");
        for (int i = 0; i < blocks.length - 1; i++) {
            assertTrue(blocks[i].startsWith("data: "), blocks[i]);
            out.add(TestServer.json(blocks[i].substring(6)));
        }
        return out;
    }

    @Test
    void badRequestsGetOpenAiErrors() throws Exception {
        assertError(s.post("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}"), 400, null);
        assertError(s.post("/v1/chat/completions", ""), 400, null);
        assertError(s.post("/v1/chat/completions", "[1, 2]"), 400, null);
        assertError(s.post("/v1/chat/completions", "{\"messages\": []}"), 400, null);
        assertError(s.post("/v1/chat/completions", "{\"messages\": [{\"role\": \"wizard\", \"content\": \"hi\"}]}"), 400, null);
        assertError(s.post("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"temperature\": 3}"), 400, null);
        assertError(s.post("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"max_tokens\": 0}"), 400, null);
        assertError(s.post("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"max_tokens\": \"ten\"}"), 400, null);
        assertError(s.post("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"n\": 2}"), 400, "unsupported_parameter");
        assertError(s.post("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"seed\": 1.5}"), 400, null);
        assertError(s.post("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"model\": \"gpt-4o\"}"), 404, "model_not_found");
        assertError(s.post("/v1/completions", "{\"max_tokens\": 5}"), 400, null);
        assertError(s.post("/v1/completions", "{\"prompt\": [\"a\", \"b\"]}"), 400, "unsupported_parameter");
        assertError(s.post("/v1/completions", "{\"prompt\": \"" + "the quick brown fox ".repeat(60) + "\"}"), 400, "context_length_exceeded");
        assertError(s.get("/v1/completions"), 405, null);
        assertError(s.get("/v1/embeddings"), 404, "unknown_url");
        assertError(s.post("/v1/completions", "{\"prompt\": \"" + "x".repeat(ServerOptions.DEFAULT_MAX_BODY_BYTES) + "\"}"), 413, "request_too_large");
    }

    @Test
    void maxTokensBeyondTheContextIsCappedByIt() throws Exception {
        HttpResponse<String> r = s.post("/v1/completions", "{\"prompt\": \"the quick\", \"max_tokens\": 100000, \"temperature\": 0, \"ignore_eos\": true}");
        assertEquals(200, r.statusCode(), r.body());
        JsonNode u = TestServer.json(r.body()).get("usage");
        assertEquals(128, u.get("total_tokens").intValue(), "prompt + completion fill the context exactly");
        assertEquals("length", TestServer.json(r.body()).get("choices").get(0).get("finish_reason").stringValue());
    }

    @Test
    void anApiKeyIsRequiredWhenSet() throws Exception {
        try (TestServer k = new TestServer(64, EngineOptions.defaults(), ServerOptions.loopback(0).withApiKey("s3cret"))) {
            String body = "{\"prompt\": \"the\", \"max_tokens\": 2}";
            assertError(k.post("/v1/completions", body), 401, "invalid_api_key");
            assertError(k.post("/v1/completions", body, "Authorization", "Bearer s3cre"), 401, "invalid_api_key");
            assertError(k.post("/v1/completions", body, "Authorization", "Bearer s3cret2"), 401, "invalid_api_key");
            assertError(k.get("/v1/models"), 401, "invalid_api_key");
            assertEquals(200, k.post("/v1/completions", body, "Authorization", "Bearer s3cret").statusCode());
            assertEquals(200, k.get("/health").statusCode(), "health needs no key (load balancers)");
        }
    }

    static void assertError(HttpResponse<String> r, int status, String code) {
        assertEquals(status, r.statusCode(), r.body());
        JsonNode e = TestServer.json(r.body()).get("error");
        assertTrue(e != null && e.get("message").isString() && !e.get("message").stringValue().isEmpty(), r.body());
        assertTrue(e.get("type").isString());
        assertTrue(e.has("param") && e.has("code"));
        if (code != null) assertEquals(code, e.get("code").stringValue(), r.body());
    }
}
