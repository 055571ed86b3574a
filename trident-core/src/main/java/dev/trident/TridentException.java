package dev.trident;
/** A bad input from the user: the message is one line naming what, which file, and what to do. */
public class TridentException extends RuntimeException {
    public TridentException(String message) { super(message); }
    public TridentException(String message, Throwable cause) { super(message, cause); }
}
