package dev.trident.server;

import dev.trident.chat.ChatMessage;
import dev.trident.engine.Completion;
import dev.trident.engine.Sampling;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The chat page at / in headless Chromium (tools/web-test: Playwright driving Debian's chromium): it finds the
 * model, sends a message with a fixed seed, and shows the reply as it streams; the reply is the one the engine
 * gives that conversation. Skipped, saying why, where Chromium, Node or the tool's npm packages are missing
 * (.ci/run installs them).
 */
class ChatPageTest {
    private static final Path TOOL = Path.of("..", "tools", "web-test").toAbsolutePath().normalize();

    private static boolean runs(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    @Test
    void thePageStreamsTheReplyTheEngineGives() throws Exception {
        String chromium = System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium");
        assumeTrue(Files.isExecutable(Path.of(chromium)), "skipped: no Chromium at " + chromium + " (apt-get install chromium, or set CHROMIUM)");
        assumeTrue(runs("node", "--version"), "skipped: no node on the PATH");
        assumeTrue(Files.isDirectory(TOOL.resolve("node_modules/playwright-core")),
                "skipped: run 'npm ci' in " + TOOL + " first (.ci/run does)");
        try (TestServer s = TestServer.standard()) {
            Path shot = Path.of("target", "chat-page.png").toAbsolutePath();
            Files.createDirectories(shot.getParent());
            Process p = new ProcessBuilder("node", TOOL.resolve("chat-page.mjs").toString(), s.base() + "/", "Hello there", "7", shot.toString())
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the browser run ended");
            assertEquals(0, p.exitValue(), out);
            String[] lines = out.strip().split("\n");
            JsonNode result = TestServer.json(lines[lines.length - 1]);
            assertTrue(result.get("model").stringValue().startsWith(TestServer.MODEL), result.toString());
            Completion want = s.engine.chat(List.of(ChatMessage.user("Hello there")), new Sampling(40, 0.8, 1.0, 0, 7, List.of(), false));
            assertEquals(want.text(), result.get("reply").stringValue());
            assertTrue(result.get("meta").stringValue().contains(want.completionTokens() + " tokens"), result.toString());
            if (want.completionTokens() > 2) assertTrue(result.get("updates").intValue() > 2, "the reply streamed in: " + result);
            assertTrue(Files.size(shot) > 1000, "a screenshot");
        }
    }
}
