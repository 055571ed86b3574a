package dev.trident.engine;

import dev.trident.TridentException;

/** The prompt leaves no room in the model's context for a single new token (HTTP 400, context_length_exceeded). */
public final class PromptTooLongException extends TridentException {
    public PromptTooLongException(String message) { super(message); }
}
