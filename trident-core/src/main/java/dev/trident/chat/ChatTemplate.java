package dev.trident.chat;

import dev.trident.TridentException;
import dev.trident.io.AtomicFile;
import dev.trident.io.gguf.GgufFile;
import dev.trident.io.json.Json;
import dev.trident.tokenizer.Tokenizer;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How a model wants a conversation laid out: a {@link ChatFormat} with the model's begin- and end-of-text token
 * texts. A model directory carries its template as Hugging Face does, in {@code tokenizer_config.json}
 * ({@code "chat_template"}, Jinja text); Trident reads the Jinja only to recognise the format (see {@link #detect}).
 * Models Trident trains get {@link #DEFAULT_JINJA}, the DeepSeek-V2 plain-text layout, written beside their tokenizer.
 */
public record ChatTemplate(ChatFormat format, String bos, String eos) {
    public static final String CONFIG_FILE = "tokenizer_config.json";

    /**
     * The template Trident writes for the models it trains: DeepSeek-V2's chat layout ("User: ...\n\nAssistant:
     * ..." with end of text after each answer), which needs no special token the tokenizer lacks.
     */
    public static final String DEFAULT_JINJA = "{{ bos_token }}{% for message in messages %}"
            + "{% if message['role'] == 'user' %}{{ 'User: ' + message['content'] + '\\n\\n' }}"
            + "{% elif message['role'] == 'assistant' %}{{ 'Assistant: ' + message['content'] + eos_token }}"
            + "{% elif message['role'] == 'system' %}{{ message['content'] + '\\n\\n' }}{% endif %}{% endfor %}"
            + "{% if add_generation_prompt %}{{ 'Assistant:' }}{% endif %}";

    public ChatTemplate {
        bos = bos == null ? "" : bos;
        eos = eos == null ? "" : eos;
    }

    /** The prompt text for a conversation; with generationPrompt it ends where the assistant's answer begins. */
    public String render(List<ChatMessage> messages, boolean generationPrompt) {
        for (ChatMessage m : messages)
            if (!m.role().equals("system") && !m.role().equals("user") && !m.role().equals("assistant"))
                throw new TridentException("unknown chat role '" + m.role() + "'; use system, user or assistant");
        StringBuilder out = new StringBuilder();
        format.render(messages, generationPrompt, bos, eos, out);
        return out.toString();
    }

    /** The texts that end an assistant turn: the format's end-of-turn markers and the end of text. */
    public List<String> stops() {
        List<String> out = new ArrayList<>();
        for (String s : format.stops(eos)) if (!s.isEmpty() && !out.contains(s)) out.add(s);
        return List.copyOf(out);
    }

    /**
     * Which known format a Jinja chat template produces, recognised by the markers it writes (llama.cpp's
     * approach): null when it is none of them.
     */
    public static ChatFormat detect(String jinja) {
        if (jinja == null) return null;
        if (jinja.contains("<|im_start|>")) return ChatFormat.CHATML;
        if (jinja.contains("<|start_header_id|>") && jinja.contains("<|end_header_id|>")) return ChatFormat.LLAMA3;
        if (jinja.contains("<｜Assistant｜>") && jinja.contains("<｜User｜>")) return ChatFormat.DEEPSEEK3;
        if (jinja.contains("'Assistant: ' + message['content'] + eos_token")) return ChatFormat.DEEPSEEK2;
        if (jinja.contains("### Instruction:") && jinja.contains("<|EOT|>")) return ChatFormat.DEEPSEEK;
        if (jinja.contains("<start_of_turn>")) return ChatFormat.GEMMA;
        if (jinja.contains("<|assistant|>") && jinja.contains("<|end|>")) return ChatFormat.PHI3;
        if (jinja.contains("[INST]")) return ChatFormat.LLAMA2;
        return null;
    }

    /** The default template for a tokenizer: the DeepSeek-V2 layout with its end-of-text token. */
    public static ChatTemplate defaultFor(Tokenizer tokenizer) {
        int eos = tokenizer.eosId();
        return new ChatTemplate(ChatFormat.DEEPSEEK2, "", eos < 0 ? "" : tokenizer.tokenText(eos));
    }

    /** A template by llama.cpp's name for it (chatml, llama3, deepseek3, ...), with the tokenizer's end of text. */
    public static ChatTemplate named(String id, Tokenizer tokenizer) {
        ChatFormat f = ChatFormat.byId(id);
        if (f == null) {
            List<String> names = new ArrayList<>();
            for (ChatFormat c : ChatFormat.values()) names.add(c.id);
            throw new TridentException("unknown chat template '" + id + "'; known: " + String.join(", ", names));
        }
        return new ChatTemplate(f, "", defaultFor(tokenizer).eos());
    }

    /** The template of a model path: a GGUF file's ({@link #forGguf}) or a model directory's ({@link #forModelDir}). */
    public static ChatTemplate forModel(Path path, Tokenizer tokenizer) {
        return GgufFile.isGguf(path) ? forGguf(path, tokenizer) : forModelDir(path, tokenizer);
    }

    /**
     * A GGUF file's template: its {@code tokenizer.chat_template} if recognised, with the BOS token
     * ({@code tokenizer.ggml.bos_token_id}) unless {@code tokenizer.ggml.add_bos_token} is false; else the default.
     */
    public static ChatTemplate forGguf(Path file, Tokenizer tokenizer) {
        ChatTemplate fallback = defaultFor(tokenizer);
        try (GgufFile g = GgufFile.open(file)) {
            ChatFormat format = g.has("tokenizer.chat_template") ? detect(g.getString("tokenizer.chat_template")) : null;
            if (format == null) return fallback;
            String bos = null;
            boolean addBos = !g.has("tokenizer.ggml.add_bos_token") || g.getBool("tokenizer.ggml.add_bos_token");
            long id = g.getLong("tokenizer.ggml.bos_token_id", -1);
            if (addBos && id >= 0 && id < tokenizer.vocabSize()) bos = tokenizer.tokenText((int) id);
            return new ChatTemplate(format, bos, fallback.eos());
        }
    }

    /**
     * The template of a model directory: tokenizer_config.json's chat_template if it is there and recognised,
     * else the default. Special token texts come from the same file when it names them.
     */
    public static ChatTemplate forModelDir(Path dir, Tokenizer tokenizer) {
        Path file = dir.resolve(CONFIG_FILE);
        ChatTemplate fallback = defaultFor(tokenizer);
        if (!Files.isRegularFile(file)) return fallback;
        Map<String, Object> config;
        try {
            config = Json.asObject(Json.read(file, 16L << 20), "tokenizer config");
        } catch (RuntimeException e) {
            throw new TridentException(file + ": not a valid tokenizer config (" + e.getMessage() + ")", e);
        }
        ChatFormat format = detect(jinjaOf(config.get("chat_template")));
        if (format == null) return fallback;
        String bos = tokenText(config.get("bos_token")), eos = tokenText(config.get("eos_token"));
        // Only tokens the tokenizer knows: a BOS the vocabulary lacks would be spelled out letter by letter.
        if (bos != null && tokenizer.idOf(bos) < 0) bos = null;
        if (eos == null || tokenizer.idOf(eos) < 0) eos = fallback.eos();
        return new ChatTemplate(format, bos, eos);
    }

    /** Writes tokenizer_config.json with the default chat template (Hugging Face's layout), atomically. */
    public static void writeDefault(Path dir, Tokenizer tokenizer) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("tokenizer_class", "PreTrainedTokenizerFast");
        m.put("bos_token", null);
        int eos = tokenizer.eosId();
        m.put("eos_token", eos < 0 ? null : tokenizer.tokenText(eos));
        m.put("clean_up_tokenization_spaces", false);
        m.put("chat_template", DEFAULT_JINJA);
        AtomicFile.write(dir.resolve(CONFIG_FILE), Json.writePretty(m).getBytes(StandardCharsets.UTF_8));
    }

    /** chat_template is a string, or a list of {name, template} of which "default" is the chat one. */
    private static String jinjaOf(Object value) {
        if (value instanceof String s) return s;
        if (value instanceof List<?> list) {
            String first = null;
            for (Object o : list) {
                if (!(o instanceof Map<?, ?> entry) || !(entry.get("template") instanceof String t)) continue;
                if ("default".equals(entry.get("name"))) return t;
                if (first == null) first = t;
            }
            return first;
        }
        return null;
    }

    /** A special token as tokenizer_config.json writes it: a string, or an object with "content". */
    private static String tokenText(Object value) {
        if (value instanceof String s) return s;
        if (value instanceof Map<?, ?> m && m.get("content") instanceof String s) return s;
        return null;
    }
}
