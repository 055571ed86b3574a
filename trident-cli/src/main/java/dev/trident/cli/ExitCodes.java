package dev.trident.cli;

/** The process exit codes scripts can rely on. */
public final class ExitCodes {
    /** The command did what was asked. */
    public static final int OK = 0;
    /** Something went wrong inside Trident (a bug, out of memory): not the user's fault. */
    public static final int INTERNAL = 1;
    /** Bad input: an unknown option, a missing file, an unknown preset. The message says what to fix. */
    public static final int BAD_INPUT = 2;

    private ExitCodes() {}
}
