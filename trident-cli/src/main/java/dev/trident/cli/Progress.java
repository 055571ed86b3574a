package dev.trident.cli;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.DelegatingProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * Progress bars on stderr. On a terminal the bar redraws in place; when stderr goes to a file or a pipe (CI logs,
 * nohup) it prints one plain line every 15 seconds instead of thousands of carriage returns.
 */
final class Progress {
    private static final int LOG_WIDTH = 120;

    private Progress() {}

    /** True when a person is watching: a terminal that can redraw a line. */
    static boolean interactive() {
        var console = System.console();
        return console != null && console.isTerminal() && !"dumb".equals(System.getenv("TERM"));
    }

    /**
     * A bar of max units (-1 for one without an end, that shows elapsed time), starting at start. err receives
     * the bar; close the returned bar to end its line.
     */
    static Bar bar(String task, long max, long start, PrintWriter err) {
        return bar(task, max, start, err, null, 1);
    }

    /** A bar counting in unit (e.g. " MB" of unitSize bytes), with its rate; unit null counts plain units. */
    static Bar bar(String task, long max, long start, PrintWriter err, String unit, long unitSize) {
        boolean tty = interactive();
        ProgressBarBuilder b = new ProgressBarBuilder().setTaskName(task).setInitialMax(max);
        if (unit != null) b.setUnit(unit, unitSize).showSpeed();
        if (start > 0) b.startsFrom(start, Duration.ZERO);
        // Our own consumers: the library's console one can leave the final bar printed twice.
        if (tty) {
            int width = Math.max(40, new ConsoleProgressBarConsumer(System.err).getMaxRenderedLength() - 1);
            b.setStyle(ProgressBarStyle.COLORFUL_UNICODE_BLOCK).setUpdateIntervalMillis(250)
                    .setConsumer(new DelegatingProgressBarConsumer(redraw(err), width));
        } else {
            b.setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(15_000)
                    .setConsumer(new DelegatingProgressBarConsumer(logLines(err), LOG_WIDTH));
        }
        return new Bar(b.build(), tty ? err : null);
    }

    /** Rewrites the current terminal line. */
    private static Consumer<String> redraw(PrintWriter err) {
        return line -> {
            err.print('\r');
            err.print(line);
            err.flush();
        };
    }

    /** One line per update, skipping repeats (the library renders the final state more than once). */
    private static Consumer<String> logLines(PrintWriter err) {
        String[] last = {null};
        return line -> {
            String s = line.strip();
            if (s.equals(last[0])) return;
            last[0] = s;
            err.println(s);
            err.flush();
        };
    }

    /** A running bar; closing it renders the final state and, on a terminal, ends the line. */
    record Bar(ProgressBar bar, PrintWriter terminal) implements AutoCloseable {
        void stepTo(long n) {
            bar.stepTo(n);
        }

        /** Sets the total once it is known (a bar started with max -1). */
        void maxHint(long max) {
            bar.maxHint(max);
        }

        void setExtraMessage(String message) {
            bar.setExtraMessage(message);
        }

        @Override
        public void close() {
            bar.close();
            if (terminal != null) {
                terminal.println();
                terminal.flush();
            }
        }
    }
}
