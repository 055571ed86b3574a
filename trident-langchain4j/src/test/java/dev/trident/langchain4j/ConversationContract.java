package dev.trident.langchain4j;

import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.output.FinishReason;
import dev.trident.engine.Completion;
import dev.trident.engine.Engine;
import dev.trident.engine.Sampling;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * The conversation every LangChain4j model over Trident must hold, whether it reaches the engine over the OpenAI
 * API (langchain4j-open-ai against trident serve) or in-process (trident-langchain4j): two turns, each answer the
 * one the engine gives that conversation with the same seed, usage and finish reason reported; the streaming
 * model's pieces add up to the same answer.
 */
abstract class ConversationContract {
    static final double TEMPERATURE = 0.8;
    static final int MAX_TOKENS = 24;
    static final long SEED = 42;

    /** Models configured with TEMPERATURE, MAX_TOKENS and SEED. */
    abstract ChatModel chatModel();

    abstract StreamingChatModel streamingModel();

    /** The engine behind them, for the expected answers. */
    abstract Engine engine();

    private Completion expected(List<ChatMessage> conversation) {
        return engine().chat(Conversations.messages(conversation), new Sampling(MAX_TOKENS, TEMPERATURE, 1.0, 0, SEED, List.of(), false));
    }

    private static void assertSame(Completion want, ChatResponse got) {
        assertEquals(want.text(), got.aiMessage().text());
        assertEquals(want.promptTokens(), got.tokenUsage().inputTokenCount());
        assertEquals(want.completionTokens(), got.tokenUsage().outputTokenCount());
        assertEquals(want.finishReason() == dev.trident.engine.FinishReason.LENGTH ? FinishReason.LENGTH : FinishReason.STOP, got.finishReason());
    }

    @Test
    void aTwoTurnConversation() {
        List<ChatMessage> conversation = new ArrayList<>(List.of(SystemMessage.from("You are a poet."), UserMessage.from("Hello, who are you?")));
        ChatResponse first = chatModel().chat(conversation);
        assertSame(expected(conversation), first);
        assertFalse(first.aiMessage().text().isEmpty(), "an answer");
        conversation.add(first.aiMessage());
        conversation.add(UserMessage.from("And then?"));
        ChatResponse second = chatModel().chat(conversation);
        assertSame(expected(conversation), second);
        assertEquals(first.aiMessage().text(), chatModel().chat(conversation.subList(0, 2)).aiMessage().text(), "the same seed, the same answer");
    }

    @Test
    void streamingPiecesAddUpToTheAnswer() throws Exception {
        List<ChatMessage> conversation = List.of(SystemMessage.from("You are a poet."), UserMessage.from("Hello, who are you?"),
                AiMessage.from("the quick brown fox"), UserMessage.from("And then?"));
        StringBuilder pieces = new StringBuilder();
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        streamingModel().chat(conversation, new StreamingChatResponseHandler() {
            @Override
            public void onPartialResponse(String partial) {
                pieces.append(partial);
            }

            @Override
            public void onCompleteResponse(ChatResponse response) {
                done.complete(response);
            }

            @Override
            public void onError(Throwable error) {
                done.completeExceptionally(error);
            }
        });
        ChatResponse r = done.get(60, TimeUnit.SECONDS);
        Completion want = expected(conversation);
        assertEquals(want.text(), pieces.toString());
        assertSame(want, r);
    }
}
