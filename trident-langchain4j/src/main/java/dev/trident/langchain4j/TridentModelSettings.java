package dev.trident.langchain4j;

import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.request.DefaultChatRequestParameters;
import dev.trident.engine.Engine;

import java.nio.file.Path;
import java.util.List;

/**
 * What both models' builders collect: the engine (given, or loaded from a model directory) and the default
 * request parameters (temperature, top-p, top-k, max tokens, stop texts) plus the sampling seed.
 */
abstract class TridentModelSettings<B extends TridentModelSettings<B>> {
    Engine engine;
    Path modelPath;
    Double temperature, topP;
    Integer topK, maxTokens;
    List<String> stop;
    long seed = 0;

    @SuppressWarnings("unchecked")
    private B self() { return (B) this; }

    /** A model directory written by `trident train`; the model loads when build() is called. */
    public B modelPath(Path dir) { this.modelPath = dir; return self(); }

    /** An engine already loaded (share one between a ChatModel and a StreamingChatModel). */
    public B engine(Engine e) { this.engine = e; return self(); }

    public B temperature(Double t) { this.temperature = t; return self(); }

    public B topP(Double p) { this.topP = p; return self(); }

    public B topK(Integer k) { this.topK = k; return self(); }

    public B maxTokens(Integer n) { this.maxTokens = n; return self(); }

    public B stopSequences(List<String> s) { this.stop = s; return self(); }

    /** The seed of each request's sampler: the same conversation with the same seed gets the same answer. */
    public B seed(long s) { this.seed = s; return self(); }

    Engine engineOrLoad() {
        if (engine != null) return engine;
        if (modelPath == null) throw new IllegalStateException("set modelPath(...) or engine(...)");
        return Engine.load(modelPath);
    }

    ChatRequestParameters parameters(Engine e) {
        return DefaultChatRequestParameters.builder().modelName(e.id()).temperature(temperature).topP(topP).topK(topK)
                .maxOutputTokens(maxTokens).stopSequences(stop).build();
    }
}
