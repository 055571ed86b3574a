package dev.trident.langchain4j;

import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.Content;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.TextContent;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.exception.UnsupportedFeatureException;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.output.FinishReason;
import dev.langchain4j.model.output.TokenUsage;
import dev.trident.engine.Completion;
import dev.trident.engine.Sampling;

import java.util.ArrayList;
import java.util.List;

/** Between LangChain4j's requests and responses and the engine's conversations, sampling and completions. */
final class Conversations {
    private Conversations() {}

    static List<dev.trident.chat.ChatMessage> messages(List<ChatMessage> messages) {
        List<dev.trident.chat.ChatMessage> out = new ArrayList<>();
        for (ChatMessage m : messages) {
            out.add(switch (m) {
                case SystemMessage s -> dev.trident.chat.ChatMessage.system(s.text());
                case UserMessage u -> dev.trident.chat.ChatMessage.user(text(u));
                case AiMessage a -> {
                    if (a.hasToolExecutionRequests()) throw new UnsupportedFeatureException("Trident models do not call tools");
                    yield dev.trident.chat.ChatMessage.assistant(a.text() == null ? "" : a.text());
                }
                default -> throw new UnsupportedFeatureException("Trident does not support " + m.type() + " messages");
            });
        }
        return out;
    }

    private static String text(UserMessage u) {
        StringBuilder sb = new StringBuilder();
        for (Content c : u.contents()) {
            if (!(c instanceof TextContent t)) throw new UnsupportedFeatureException("Trident models read text only, not " + c.type());
            sb.append(t.text());
        }
        return sb.toString();
    }

    /** The request's parameters (already merged with the model's defaults by LangChain4j) as the engine's sampling. */
    static Sampling sampling(ChatRequest request, long seed, int context) {
        ChatRequestParameters p = request.parameters();
        if (p.toolSpecifications() != null && !p.toolSpecifications().isEmpty())
            throw new UnsupportedFeatureException("Trident models do not call tools");
        if (p.responseFormat() != null && p.responseFormat().type() != dev.langchain4j.model.chat.request.ResponseFormatType.TEXT)
            throw new UnsupportedFeatureException("Trident models answer in text only (no JSON mode)");
        Sampling s = Sampling.defaults().withSeed(seed).withMaxTokens(p.maxOutputTokens() != null ? p.maxOutputTokens() : context);
        if (p.temperature() != null) s = s.withTemperature(p.temperature());
        if (p.topP() != null) s = s.withTopP(p.topP());
        if (p.topK() != null) s = s.withTopK(p.topK());
        if (p.stopSequences() != null) s = s.withStop(p.stopSequences());
        return s;
    }

    static ChatResponse response(Completion c, String modelName) {
        return ChatResponse.builder()
                .aiMessage(AiMessage.from(c.text()))
                .modelName(modelName)
                .tokenUsage(new TokenUsage(c.promptTokens(), c.completionTokens()))
                .finishReason(switch (c.finishReason()) {
                    case STOP -> FinishReason.STOP;
                    case LENGTH -> FinishReason.LENGTH;
                    case CANCELLED -> FinishReason.OTHER;
                })
                .build();
    }
}
