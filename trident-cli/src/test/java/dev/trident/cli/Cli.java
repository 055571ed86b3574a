package dev.trident.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;

/** Runs `trident ARGS` in-process and captures what it printed. */
record Cli(int exitCode, String out, String err) {
    static Cli run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true), false);
        return new Cli(code, out.toString(), err.toString());
    }

    List<String> errLines() {
        return err.lines().toList();
    }

    List<String> outLines() {
        return out.lines().toList();
    }

    /** The single line a command printed on stdout. */
    String onlyOut() {
        List<String> lines = outLines();
        if (lines.size() != 1) throw new AssertionError("expected one line on stdout, got:\n" + out);
        return lines.getFirst();
    }

    /** The single line a failed command must print. */
    String onlyErrLine() {
        List<String> lines = errLines();
        if (lines.size() != 1) throw new AssertionError("expected one line on stderr, got:\n" + err);
        return lines.getFirst();
    }
}
