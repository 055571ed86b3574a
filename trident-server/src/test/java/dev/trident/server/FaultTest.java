package dev.trident.server;

import dev.trident.engine.EngineOptions;
import dev.trident.engine.EngineStats;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Faults: a client that disconnects mid-stream, malformed JSON, bodies over the limit (declared or chunked), a
 * wrong API key, max_tokens past the context, a full queue. Each gets its status, and the server keeps serving.
 * One generating place and none waiting, so a slot that was not freed shows at once as a 429.
 */
class FaultTest {
    private static final String KEY = "k3y";
    private static TestServer s;

    @BeforeAll
    static void start() {
        s = new TestServer(2048, EngineOptions.defaults().withMaxSequences(1).withMaxQueued(0),
                ServerOptions.loopback(0).withApiKey(KEY).withMaxBodyBytes(64 << 10));
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    private static String auth() { return "Bearer " + KEY; }

    /** A normal request still works. */
    private static void stillServing() throws Exception {
        var r = s.post("/v1/completions", "{\"prompt\": \"the\", \"max_tokens\": 3}", "Authorization", auth());
        assertEquals(200, r.statusCode(), r.body());
    }

    /** Opens a stream of 2,000 tokens over a raw socket and returns it after the first event arrived. */
    private static Socket openStream() throws IOException {
        Socket socket = new Socket("127.0.0.1", s.server.port());
        String body = "{\"prompt\": \"the\", \"max_tokens\": 2000, \"ignore_eos\": true, \"stream\": true}";
        OutputStream out = socket.getOutputStream();
        out.write(("POST /v1/completions HTTP/1.1\r\nHost: localhost\r\nAuthorization: " + auth() + "\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8));
        out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
        assertTrue(in.readLine().contains("200"), "the stream starts");
        String line;
        while ((line = in.readLine()) != null && !line.startsWith("data: ")) { } // headers, then the first event
        assertTrue(line != null, "a first event");
        return socket;
    }

    /** Waits (at most 30 s) for a condition the server reaches by itself. */
    private static void eventually(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting until " + what);
            Thread.sleep(5);
        }
    }

    @Test
    void aClientThatDisconnectsMidStreamFreesItsSlot() throws Exception {
        EngineStats before = s.engine.stats();
        Socket socket = openStream();
        var busy = s.post("/v1/completions", "{\"prompt\": \"the\", \"max_tokens\": 3}", "Authorization", auth());
        assertEquals(429, busy.statusCode(), "the only slot is taken: " + busy.body());
        ServerApiTest.assertError(busy, 429, "rate_limit_exceeded");
        socket.close();
        eventually(() -> s.engine.stats().running() == 0, "the disconnected stream's slot is free");
        EngineStats after = s.engine.stats();
        assertEquals(before.cancelled() + 1, after.cancelled(), "the generation was cancelled, not run to its end");
        assertTrue(after.generatedTokens() - before.generatedTokens() < 2000, "it stopped early");
        stillServing();
    }

    @Test
    void malformedBodiesGet400() throws Exception {
        for (String bad : new String[]{"{", "{\"prompt\": }", "nul", "\"just a string\"", "{\"prompt\": \"a\", \"max_tokens\": 1e999}",
                "{\"prompt\": \"\\ud800\", \"max_tokens\": 2}x"})
            ServerApiTest.assertError(s.post("/v1/completions", bad, "Authorization", auth()), 400, null);
        stillServing();
    }

    @Test
    void oversizedBodiesGet413() throws Exception {
        String big = "{\"prompt\": \"" + "a".repeat(70 << 10) + "\"}";
        ServerApiTest.assertError(s.post("/v1/completions", big, "Authorization", auth()), 413, "request_too_large");
        // Chunked, with no length declared: cut off at the limit all the same.
        try (Socket socket = new Socket("127.0.0.1", s.server.port())) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST /v1/completions HTTP/1.1\r\nHost: localhost\r\nAuthorization: " + auth()
                    + "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            byte[] chunk = ("{\"prompt\": \"" + "b".repeat(8000)).getBytes(StandardCharsets.UTF_8);
            try {
                for (int i = 0; i < 20; i++) {
                    out.write((Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.UTF_8));
                    out.write(chunk);
                    out.write("\r\n".getBytes(StandardCharsets.UTF_8));
                }
                out.write("0\r\n\r\n".getBytes(StandardCharsets.UTF_8));
            } catch (IOException closedEarly) { } // the server may answer and close before the client is done
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            assertTrue(in.readLine().contains("413"), "chunked body over the limit: 413");
        }
        stillServing();
    }

    @Test
    void aWrongApiKeyGets401() throws Exception {
        ServerApiTest.assertError(s.post("/v1/completions", "{\"prompt\": \"the\"}", "Authorization", "Bearer nope"), 401, "invalid_api_key");
        ServerApiTest.assertError(s.post("/v1/completions", "{\"prompt\": \"the\"}", "Authorization", "k3y"), 401, "invalid_api_key");
        ServerApiTest.assertError(s.post("/v1/completions", "{\"prompt\": \"the\"}"), 401, "invalid_api_key");
        stillServing();
    }

    @Test
    void maxTokensPastTheContextIsCapped() throws Exception {
        var r = s.post("/v1/completions", "{\"prompt\": \"the\", \"max_tokens\": 2147483647, \"ignore_eos\": true, \"temperature\": 0}", "Authorization", auth());
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(2048, TestServer.json(r.body()).get("usage").get("total_tokens").intValue());
        ServerApiTest.assertError(s.post("/v1/completions", "{\"prompt\": \"the\", \"max_tokens\": 2147483648}", "Authorization", auth()), 400, null);
        stillServing();
    }
}
