package dev.trident.server;

import dev.trident.engine.EngineOptions;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * 10,000 requests in a row (plain and streamed, completions and chat, some refused) leave the heap where it was:
 * the live heap after a full collection grows by less than 4 MB, i.e. under 400 bytes per request, far less than
 * any request's own objects (its KV cache alone is 128 KB), so nothing a request allocates is kept.
 */
class HeapTest {
    private static final int REQUESTS = 10_000;

    private static long liveHeap(MemoryMXBean memory) {
        for (int i = 0; i < 3; i++) System.gc(); // the parallel collector's System.gc() is a full collection
        return memory.getHeapMemoryUsage().getUsed();
    }

    @Test
    void tenThousandRequestsLeaveTheHeapFlat() throws Exception {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        try (TestServer s = new TestServer(64, EngineOptions.defaults(), ServerOptions.loopback(0))) {
            String[] bodies = {
                    "{\"prompt\": \"the\", \"max_tokens\": 2, \"seed\": 1}",
                    "{\"prompt\": \"fox\", \"max_tokens\": 2, \"stream\": true}",
                    "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"max_tokens\": 2}",
                    "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"max_tokens\": 2, \"stream\": true, \"stream_options\": {\"include_usage\": true}}",
                    "{\"prompt\": 7}"};
            String[] paths = {"/v1/completions", "/v1/completions", "/v1/chat/completions", "/v1/chat/completions", "/v1/completions"};
            int[] status = {200, 200, 200, 200, 400};
            for (int i = 0; i < 500; i++) s.post(paths[i % 5], bodies[i % 5]); // warm up: JIT, pools, caches
            long before = liveHeap(memory);
            for (int i = 0; i < REQUESTS; i++) {
                var r = s.post(paths[i % 5], bodies[i % 5]);
                assertEquals(status[i % 5], r.statusCode(), r.body());
            }
            long after = liveHeap(memory);
            assertEquals((REQUESTS + 500) / 5 * 4, s.engine.stats().requests(), "every valid request reached the engine");
            assertTrue(after - before < 4L << 20, "live heap grew by " + (after - before) + " bytes over " + REQUESTS + " requests ("
                    + before + " -> " + after + ")");
            System.out.printf("heap: live %d bytes before, %d after %d requests%n", before, after, REQUESTS);
        }
    }
}
