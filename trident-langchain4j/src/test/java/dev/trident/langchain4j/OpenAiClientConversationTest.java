package dev.trident.langchain4j;

import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import dev.trident.chat.ChatTemplate;
import dev.trident.engine.Engine;
import dev.trident.engine.EngineOptions;
import dev.trident.engine.TestModels;
import dev.trident.model.Model;
import dev.trident.server.ServerOptions;
import dev.trident.server.TridentServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.time.Duration;

/** LangChain4j's OpenAI models (langchain4j-open-ai) against `trident serve`, with an API key, hold the conversation. */
class OpenAiClientConversationTest extends ConversationContract {
    private static Engine engine;
    private static TridentServer server;
    private static OpenAiChatModel chat;
    private static OpenAiStreamingChatModel streaming;

    @BeforeAll
    static void start() {
        Model m = TestModels.model(21, 128);
        engine = Engine.of(m, ChatTemplate.defaultFor(m.tokenizer()), "tiny", EngineOptions.defaults());
        server = new TridentServer(engine, ServerOptions.loopback(0).withApiKey("test-key")).start();
        String base = "http://127.0.0.1:" + server.port() + "/v1";
        chat = OpenAiChatModel.builder().baseUrl(base).apiKey("test-key").modelName("tiny")
                .temperature(TEMPERATURE).maxTokens(MAX_TOKENS).seed((int) SEED).timeout(Duration.ofSeconds(60)).build();
        streaming = OpenAiStreamingChatModel.builder().baseUrl(base).apiKey("test-key").modelName("tiny")
                .temperature(TEMPERATURE).maxTokens(MAX_TOKENS).seed((int) SEED).timeout(Duration.ofSeconds(60)).build();
    }

    @AfterAll
    static void stop() {
        server.close();
        engine.close();
    }

    @Override
    ChatModel chatModel() { return chat; }

    @Override
    StreamingChatModel streamingModel() { return streaming; }

    @Override
    Engine engine() { return engine; }
}
