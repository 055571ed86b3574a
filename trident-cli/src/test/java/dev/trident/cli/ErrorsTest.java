package dev.trident.cli;

import dev.trident.TridentException;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ErrorsTest {
    private static String handle(Throwable t, boolean debug, int expectedCode) {
        StringWriter s = new StringWriter();
        assertEquals(expectedCode, new Errors(debug).handle(t, new PrintWriter(s, true)));
        return s.toString();
    }

    @Test
    void badInputIsOneLineWithoutTrace() {
        assertEquals("trident: model file m/model.bin: truncated at byte 12; retrain or re-download it\n",
                handle(new TridentException("model file m/model.bin: truncated at byte 12; retrain or re-download it"),
                        false, ExitCodes.BAD_INPUT));
    }

    @Test
    void badInputWrappedByTheCoreIsStillBadInput() {
        var wrapped = new RuntimeException("worker failed", new TridentException("NaN loss at step 7 in tensor w_q"));
        assertEquals("trident: NaN loss at step 7 in tensor w_q\n", handle(wrapped, false, ExitCodes.BAD_INPUT));
    }

    @Test
    void multiLineMessagesAreFoldedToOne() {
        assertEquals("trident: first second\n", handle(new TridentException("first\n  second\n"), false, ExitCodes.BAD_INPUT));
    }

    @Test
    void unexpectedExceptionIsOneLineUnlessDebugging() {
        String quiet = handle(new IllegalStateException("boom"), false, ExitCodes.INTERNAL);
        assertEquals("trident: internal error: java.lang.IllegalStateException: boom (set TRIDENT_DEBUG=1 for the stack trace)\n", quiet);
        String loud = handle(new IllegalStateException("boom"), true, ExitCodes.INTERNAL);
        assertTrue(loud.startsWith("trident: internal error: java.lang.IllegalStateException: boom\n"), loud);
        assertTrue(loud.contains("\tat dev.trident.cli.ErrorsTest"), loud);
    }

    @Test
    void outOfMemorySaysHowToGetMore() {
        String msg = handle(new OutOfMemoryError("Java heap space"), false, ExitCodes.INTERNAL);
        assertTrue(msg.startsWith("trident: out of memory; give the JVM more heap, e.g. JAVA_OPTS=-Xmx16g"), msg);
    }
}
