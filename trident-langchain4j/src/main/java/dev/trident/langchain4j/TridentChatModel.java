package dev.trident.langchain4j;

import dev.langchain4j.model.ModelProvider;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.trident.engine.Engine;

/**
 * LangChain4j's {@link ChatModel} running a Trident model in this JVM (no server): swap it in for
 * {@code OpenAiChatModel} by changing the builder.
 *
 * <pre>{@code
 * ChatModel model = TridentChatModel.builder().modelPath(Path.of("runs/demo")).temperature(0.8).maxTokens(100).build();
 * String answer = model.chat("Who art thou?");
 * }</pre>
 */
public final class TridentChatModel implements ChatModel, AutoCloseable {
    private final Engine engine;
    private final boolean ownsEngine;
    private final ChatRequestParameters defaults;
    private final long seed;

    private TridentChatModel(Builder b) {
        this.ownsEngine = b.engine == null;
        this.engine = b.engineOrLoad();
        this.defaults = b.parameters(engine);
        this.seed = b.seed;
    }

    public static Builder builder() { return new Builder(); }

    @Override
    public ChatResponse doChat(ChatRequest request) {
        var completion = engine.chat(Conversations.messages(request.messages()),
                Conversations.sampling(request, seed, engine.contextLength()));
        return Conversations.response(completion, engine.id());
    }

    @Override
    public ChatRequestParameters defaultRequestParameters() { return defaults; }

    @Override
    public ModelProvider provider() { return ModelProvider.OTHER; }

    public Engine engine() { return engine; }

    /** Closes the engine if this model loaded it. */
    @Override
    public void close() {
        if (ownsEngine) engine.close();
    }

    public static final class Builder extends TridentModelSettings<Builder> {
        public TridentChatModel build() { return new TridentChatModel(this); }
    }
}
