package dev.trident.langchain4j;

import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.trident.engine.Engine;
import dev.trident.engine.TestModels;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** trident-langchain4j's models, in-process over a model directory, hold the conversation. */
class InProcessConversationTest extends ConversationContract {
    @TempDir
    static Path dir;
    private static TridentChatModel chat;
    private static TridentStreamingChatModel streaming;

    @BeforeAll
    static void load() {
        TestModels.writeModelDir(TestModels.model(21, 128), dir);
        chat = TridentChatModel.builder().modelPath(dir).temperature(TEMPERATURE).maxTokens(MAX_TOKENS).seed(SEED).build();
        streaming = TridentStreamingChatModel.builder().engine(chat.engine()).temperature(TEMPERATURE).maxTokens(MAX_TOKENS).seed(SEED).build();
    }

    @AfterAll
    static void close() {
        streaming.close();
        chat.close();
    }

    @Override
    ChatModel chatModel() { return chat; }

    @Override
    StreamingChatModel streamingModel() { return streaming; }

    @Override
    Engine engine() { return chat.engine(); }

    @Test
    void theModelIsNamedAfterItsDirectory() {
        assertEquals(dir.getFileName().toString(), chat.defaultRequestParameters().modelName());
    }
}
