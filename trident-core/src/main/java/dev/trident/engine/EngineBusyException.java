package dev.trident.engine;

import dev.trident.TridentException;

/** The engine's queue of waiting requests is full: try again later (HTTP 429). */
public final class EngineBusyException extends TridentException {
    public EngineBusyException(String message) { super(message); }
}
