package dev.trident.chat;

import dev.trident.engine.TestModels;
import dev.trident.io.json.Json;
import dev.trident.tokenizer.Tokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Recognising models' Jinja chat templates by their markers, and the layouts each format renders. */
class ChatTemplateTest {
    private static final List<ChatMessage> CONV = List.of(ChatMessage.system("S"), ChatMessage.user("Hi"),
            ChatMessage.assistant("Yo"), ChatMessage.user("Again"));

    @Test
    void knownTemplatesAreRecognisedByTheirMarkers() {
        // Fragments in the style of the templates these models ship (not whole templates: the markers decide).
        assertEquals(ChatFormat.CHATML, ChatTemplate.detect("{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}"));
        assertEquals(ChatFormat.LLAMA3, ChatTemplate.detect("{{ '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' + message['content'] | trim + '<|eot_id|>' }}"));
        assertEquals(ChatFormat.DEEPSEEK3, ChatTemplate.detect("{{'<｜User｜>' + message['content']}}{{'<｜Assistant｜>' + content + '<｜end▁of▁sentence｜>'}}"));
        assertEquals(ChatFormat.DEEPSEEK2, ChatTemplate.detect(ChatTemplate.DEFAULT_JINJA));
        assertEquals(ChatFormat.DEEPSEEK, ChatTemplate.detect("{{'### Instruction:\\n' + message['content'] + '\\n'}}{{'### Response:\\n' + message['content'] + '\\n<|EOT|>\\n'}}"));
        assertEquals(ChatFormat.GEMMA, ChatTemplate.detect("{{ '<start_of_turn>' + role + '\\n' + message['content'] | trim + '<end_of_turn>\\n' }}"));
        assertEquals(ChatFormat.PHI3, ChatTemplate.detect("{{'<|' + message['role'] + '|>' + '\\n' + message['content'] + '<|end|>\\n'}}{{ '<|assistant|>\\n' }}"));
        assertEquals(ChatFormat.LLAMA2, ChatTemplate.detect("{{ bos_token + '[INST] ' + message['content'] + ' [/INST]' }}"));
        assertNull(ChatTemplate.detect("{{ messages }}"));
        assertNull(ChatTemplate.detect(null));
    }

    @Test
    void formatsRenderTheirLayouts() {
        assertEquals("<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nYo<|im_end|>\n"
                + "<|im_start|>user\nAgain<|im_end|>\n<|im_start|>assistant\n", new ChatTemplate(ChatFormat.CHATML, "", "<|endoftext|>").render(CONV, true));
        assertEquals("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nS<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
                        + "<|start_header_id|>assistant<|end_header_id|>\n\nYo<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nAgain<|eot_id|>"
                        + "<|start_header_id|>assistant<|end_header_id|>\n\n",
                new ChatTemplate(ChatFormat.LLAMA3, "<|begin_of_text|>", "<|end_of_text|>").render(CONV, true));
        assertEquals("S\n\nUser: Hi\n\nAssistant: Yo<|endoftext|>User: Again\n\nAssistant:",
                new ChatTemplate(ChatFormat.DEEPSEEK2, "", "<|endoftext|>").render(CONV, true));
        assertEquals("<｜begin▁of▁sentence｜>S<｜User｜>Hi<｜Assistant｜>Yo<｜end▁of▁sentence｜><｜User｜>Again<｜Assistant｜>",
                new ChatTemplate(ChatFormat.DEEPSEEK3, "<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>").render(CONV, true));
        assertEquals("<s>[INST] S\n\nHi [/INST] Yo</s><s>[INST] Again [/INST]", new ChatTemplate(ChatFormat.LLAMA2, "<s>", "</s>").render(CONV, true));
        assertEquals("<bos><start_of_turn>user\nS\n\nHi<end_of_turn>\n<start_of_turn>model\nYo<end_of_turn>\n<start_of_turn>user\nAgain<end_of_turn>\n<start_of_turn>model\n",
                new ChatTemplate(ChatFormat.GEMMA, "<bos>", "<eos>").render(CONV, true));
        assertEquals(List.of("<|im_end|>", "<|endoftext|>"), new ChatTemplate(ChatFormat.CHATML, "", "<|endoftext|>").stops());
        assertThrows(RuntimeException.class, () -> new ChatTemplate(ChatFormat.CHATML, "", "").render(List.of(new ChatMessage("tool", "x")), true));
    }

    @Test
    void aTrainedModelDirGetsTheDefaultAndLoadedConfigsAreRead(@TempDir Path dir) throws Exception {
        Tokenizer tok = TestModels.tokenizer();
        assertEquals(ChatFormat.DEEPSEEK2, ChatTemplate.forModelDir(dir, tok).format(), "no tokenizer_config.json: the default");
        ChatTemplate.writeDefault(dir, tok);
        Map<String, Object> written = Json.asObject(Json.read(dir.resolve(ChatTemplate.CONFIG_FILE), 1 << 20), "config");
        assertEquals(ChatTemplate.DEFAULT_JINJA, written.get("chat_template"));
        ChatTemplate t = ChatTemplate.forModelDir(dir, tok);
        assertEquals(new ChatTemplate(ChatFormat.DEEPSEEK2, "", "<|endoftext|>"), t);
        assertTrue(t.stops().contains("<|endoftext|>"));

        // Hugging Face's other spellings: a list of named templates, special tokens as objects.
        Files.writeString(dir.resolve(ChatTemplate.CONFIG_FILE), Json.write(Map.of(
                "chat_template", List.of(Map.of("name", "tool_use", "template", "x"), Map.of("name", "default", "template", "<|im_start|>")),
                "eos_token", Map.of("content", "<|endoftext|>"))));
        assertEquals(ChatFormat.CHATML, ChatTemplate.forModelDir(dir, tok).format());
        Files.writeString(dir.resolve(ChatTemplate.CONFIG_FILE), "{not json");
        assertThrows(dev.trident.TridentException.class, () -> ChatTemplate.forModelDir(dir, tok));
        assertEquals(ChatFormat.LLAMA3, ChatTemplate.named("llama3", tok).format());
        assertThrows(dev.trident.TridentException.class, () -> ChatTemplate.named("jinja", tok));
    }
}
