package dev.trident.cli;

import dev.trident.TridentException;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.MissingParameterException;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.UnmatchedArgumentException;

import java.io.PrintWriter;

/**
 * Turns every failure into one line on stderr, {@code trident: <message>}, and an exit code: bad input (picocli
 * parameter errors, {@link TridentException}) exits 2 with no stack trace; anything else is a bug and exits 1, with
 * the stack trace only when {@code TRIDENT_DEBUG=1}.
 */
final class Errors implements IParameterExceptionHandler, IExecutionExceptionHandler {
    private final boolean debug;

    Errors(boolean debug) {
        this.debug = debug;
    }

    /** Unknown option, missing required option, a value that does not convert, a range check in a command. */
    @Override
    public int handleParseException(ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        // picocli reports missing options before unknown ones; the typo is the more useful news ("--step 3").
        if (ex instanceof MissingParameterException && cmd.getParseResult() != null
                && !cmd.getParseResult().unmatched().isEmpty()) {
            ex = new UnmatchedArgumentException(cmd, cmd.getParseResult().unmatched());
        }
        StringBuilder line = new StringBuilder(oneLine(ex.getMessage()));
        if (ex instanceof UnmatchedArgumentException unmatched && !unmatched.getSuggestions().isEmpty()) {
            line.append("; did you mean ").append(String.join(" or ", unmatched.getSuggestions())).append('?');
        }
        line.append(" (see '").append(cmd.getCommandSpec().qualifiedName()).append(" --help')");
        return report(cmd.getErr(), line.toString(), ExitCodes.BAD_INPUT, null);
    }

    /** An exception thrown by a command's call(). */
    @Override
    public int handleExecutionException(Exception ex, CommandLine cmd, ParseResult parseResult) {
        return handle(ex, cmd.getErr());
    }

    /** Also used by Main for what escapes picocli (errors such as OutOfMemoryError). */
    int handle(Throwable t, PrintWriter err) {
        TridentException bad = badInput(t);
        if (bad != null) return report(err, oneLine(bad.getMessage()), ExitCodes.BAD_INPUT, debug ? t : null);
        if (t instanceof OutOfMemoryError) {
            return report(err, "out of memory; give the JVM more heap, e.g. JAVA_OPTS=-Xmx16g ./trident ...",
                    ExitCodes.INTERNAL, debug ? t : null);
        }
        String hint = debug ? "" : " (set TRIDENT_DEBUG=1 for the stack trace)";
        return report(err, "internal error: " + oneLine(t.toString()) + hint, ExitCodes.INTERNAL, debug ? t : null);
    }

    /** The TridentException in t's cause chain, if any: the core may rethrow one wrapped (e.g. from a worker). */
    private static TridentException badInput(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof TridentException te) return te;
            if (c.getCause() == c) break;
        }
        return null;
    }

    private static int report(PrintWriter err, String message, int code, Throwable trace) {
        err.println("trident: " + message);
        if (trace != null) trace.printStackTrace(err);
        err.flush();
        return code;
    }

    /** Messages are promised to be one line; make sure of it. */
    static String oneLine(String message) {
        if (message == null || message.isBlank()) return "unknown error";
        return message.strip().replaceAll("\\s*\\R\\s*", " ");
    }
}
