package dev.trident.langchain4j;

import dev.langchain4j.model.ModelProvider;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.trident.engine.Engine;
import dev.trident.engine.Generation;

/**
 * LangChain4j's {@link StreamingChatModel} running a Trident model in this JVM: the answer arrives piece by piece
 * through {@link StreamingChatResponseHandler#onPartialResponse(String)} on a virtual thread of its own.
 */
public final class TridentStreamingChatModel implements StreamingChatModel, AutoCloseable {
    private final Engine engine;
    private final boolean ownsEngine;
    private final ChatRequestParameters defaults;
    private final long seed;

    private TridentStreamingChatModel(Builder b) {
        this.ownsEngine = b.engine == null;
        this.engine = b.engineOrLoad();
        this.defaults = b.parameters(engine);
        this.seed = b.seed;
    }

    public static Builder builder() { return new Builder(); }

    @Override
    public void doChat(ChatRequest request, StreamingChatResponseHandler handler) {
        Generation g;
        try {
            g = engine.submitChat(Conversations.messages(request.messages()),
                    Conversations.sampling(request, seed, engine.contextLength()));
        } catch (RuntimeException e) {
            handler.onError(e);
            return;
        }
        Thread.ofVirtual().name("trident-stream").start(() -> {
            try {
                var completion = g.await(handler::onPartialResponse);
                handler.onCompleteResponse(Conversations.response(completion, engine.id()));
            } catch (RuntimeException e) {
                handler.onError(e);
            }
        });
    }

    @Override
    public ChatRequestParameters defaultRequestParameters() { return defaults; }

    @Override
    public ModelProvider provider() { return ModelProvider.OTHER; }

    public Engine engine() { return engine; }

    @Override
    public void close() {
        if (ownsEngine) engine.close();
    }

    public static final class Builder extends TridentModelSettings<Builder> {
        public TridentStreamingChatModel build() { return new TridentStreamingChatModel(this); }
    }
}
