package dev.trident.cli;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.DelegatingProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.io.PrintWriter;
import java.time.Duration;

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
        String term = System.getenv("TERM");
        return console != null && console.isTerminal() && !"dumb".equals(term);
    }

    /**
     * A bar of max units (-1 for one without an end, that shows elapsed time), starting at start.
     * err is where log lines go when not interactive.
     */
    static ProgressBar bar(String task, long max, long start, PrintWriter err) {
        ProgressBarBuilder b = new ProgressBarBuilder().setTaskName(task).setInitialMax(max);
        if (start > 0) b.startsFrom(start, Duration.ZERO);
        if (interactive()) {
            b.setStyle(ProgressBarStyle.COLORFUL_UNICODE_BLOCK)
                    .setUpdateIntervalMillis(250)
                    .setConsumer(new ConsoleProgressBarConsumer(System.err));
        } else {
            b.setStyle(ProgressBarStyle.ASCII)
                    .setUpdateIntervalMillis(15_000)
                    .setConsumer(new DelegatingProgressBarConsumer(line -> {
                        err.println(line.strip());
                        err.flush();
                    }, LOG_WIDTH));
        }
        return b.build();
    }
}
