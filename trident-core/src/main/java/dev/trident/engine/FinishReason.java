package dev.trident.engine;

/** Why a generation ended, with the name the OpenAI API gives it. */
public enum FinishReason {
    /** End of text, an end-of-turn token or a stop text. */
    STOP("stop"),
    /** max_tokens, or the end of the model's context. */
    LENGTH("length"),
    /** The caller cancelled it (a client that went away). */
    CANCELLED("cancelled");

    public final String openAiName;

    FinishReason(String openAiName) { this.openAiName = openAiName; }
}
