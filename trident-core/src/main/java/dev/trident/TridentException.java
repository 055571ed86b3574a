package dev.trident;

/**
 * The one exception type for bad user input: a missing file, a corrupt checkpoint, a file in the wrong format.
 *
 * <p>The message is a single line that says what is wrong, with which file, and what to do about it, e.g.
 * {@code tokenizer.json: not a Hugging Face tokenizer file (no "model" object); pass a file written by
 * 'trident tokenizer train'}. The CLI prints only the message and exits with status 2, so the message must
 * stand on its own.
 */
public class TridentException extends RuntimeException {

    public TridentException(String message) {
        super(message);
    }

    public TridentException(String message, Throwable cause) {
        super(message, cause);
    }
}
