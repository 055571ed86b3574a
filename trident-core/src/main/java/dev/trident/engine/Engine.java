package dev.trident.engine;

import dev.trident.TridentException;
import dev.trident.chat.ChatMessage;
import dev.trident.chat.ChatTemplate;
import dev.trident.infer.LoadedModel;
import dev.trident.model.Model;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Trident as a library: a loaded model behind a continuous-batching scheduler. Any number of threads may call it
 * at once; their requests share the decoder's passes over the weights.
 *
 * <pre>{@code
 * try (Engine engine = Engine.load(Path.of("runs/demo"))) {
 *     Sampling sampling = Sampling.defaults().withMaxTokens(100).withSeed(7);
 *     System.out.println(engine.complete("ROMEO:", sampling).text());
 *     engine.chat(List.of(ChatMessage.user("Who art thou?")), sampling, System.out::print);
 * }
 * }</pre>
 */
public final class Engine implements AutoCloseable {
    private final LoadedModel model;
    private final ChatTemplate template;
    private final String id;
    private final Scheduler scheduler;

    private Engine(LoadedModel model, ChatTemplate template, String id, EngineOptions options) {
        this.model = model;
        this.template = template;
        this.id = id;
        try {
            this.scheduler = new Scheduler(model, options);
        } catch (RuntimeException e) { // e.g. a KV-cache budget that holds no sequence: the engine owns the model
            model.close();
            throw e;
        }
    }

    /**
     * Loads a model (a folder, or a GGUF file, which runs in place: see {@link LoadedModel#open}) with its chat
     * template and default limits.
     */
    public static Engine load(Path model) {
        return load(model, EngineOptions.defaults());
    }

    public static Engine load(Path model, EngineOptions options) {
        LoadedModel m = LoadedModel.open(model);
        try {
            Path name = model.toAbsolutePath().normalize().getFileName();
            return new Engine(m, ChatTemplate.forModel(model, m.tokenizer()), name == null ? "trident" : name.toString(), options);
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
    }

    /** An engine over a model already in memory, on its fp32 weights. */
    public static Engine of(Model model, ChatTemplate template, String id, EngineOptions options) {
        return new Engine(LoadedModel.of(model), template, id, options);
    }

    /** An engine over a loaded model; {@link #close} closes it. */
    public static Engine of(LoadedModel model, ChatTemplate template, String id, EngineOptions options) {
        return new Engine(model, template, id, options);
    }

    public LoadedModel model() { return model; }

    public ChatTemplate chatTemplate() { return template; }

    /** The model's name (its directory's name). */
    public String id() { return id; }

    /** Tokens the model sees at once: prompt plus generated text. */
    public int contextLength() { return model.config().maxSeqLen(); }

    public EngineStats stats() { return scheduler.stats(); }

    /** Continues a prompt; returns at once with a handle that streams the text. */
    public Generation submit(String prompt, Sampling sampling) {
        return submit(model.tokenizer().encode(prompt), sampling, List.of());
    }

    /** Answers a conversation, laid out by the model's chat template; ends at the template's end of turn. */
    public Generation submitChat(List<ChatMessage> messages, Sampling sampling) {
        String prompt = template.render(messages, true);
        return submit(model.tokenizer().encodeWithSpecials(prompt), sampling, template.stops());
    }

    /**
     * Generates after promptIds. max tokens is capped by the room left in the context; a prompt that leaves no
     * room throws {@link PromptTooLongException}, a full queue {@link EngineBusyException}.
     */
    public Generation submit(int[] promptIds, Sampling sampling, List<String> extraStops) {
        int ctx = contextLength();
        if (promptIds.length == 0) {
            int eos = model.tokenizer().eosId();
            if (eos < 0) throw new TridentException("an empty prompt needs an end-of-text token to start from, and this tokenizer has none");
            promptIds = new int[]{eos};
        }
        if (promptIds.length >= ctx)
            throw new PromptTooLongException("this model's maximum context length is " + ctx + " tokens, and the prompt has "
                    + promptIds.length + "; it must leave room for at least one new token");
        List<String> stops = new ArrayList<>(sampling.stop());
        for (String s : extraStops) if (!stops.contains(s)) stops.add(s);
        int maxNew = Math.min(sampling.maxTokens(), ctx - promptIds.length);
        Sequence[] self = new Sequence[1];
        Generation handle = new Generation(() -> scheduler.cancelled(self[0]));
        self[0] = new Sequence(promptIds, maxNew, sampling, stops, handle);
        scheduler.submit(self[0]);
        return handle;
    }

    /** Continues a prompt and waits for the whole text. */
    public Completion complete(String prompt, Sampling sampling) {
        return submit(prompt, sampling).await();
    }

    /** Continues a prompt, passing each piece of text to onText (on this thread) as it is produced. */
    public Completion complete(String prompt, Sampling sampling, Consumer<String> onText) {
        return submit(prompt, sampling).await(onText);
    }

    public Completion chat(List<ChatMessage> messages, Sampling sampling) {
        return submitChat(messages, sampling).await();
    }

    public Completion chat(List<ChatMessage> messages, Sampling sampling, Consumer<String> onText) {
        return submitChat(messages, sampling).await(onText);
    }

    /** Prompt tokens a conversation takes (for usage counts before generating). */
    public int countChatTokens(List<ChatMessage> messages) {
        return model.tokenizer().encodeWithSpecials(template.render(messages, true)).length;
    }

    /** Stops the scheduler (running and waiting requests fail), then closes the model (unmaps a GGUF file). */
    @Override
    public void close() {
        scheduler.close();
        model.close();
    }
}
