package dev.kvlab.runtime.check;

import dev.kvlab.cache.AttentionView;
import dev.kvlab.cache.CacheOptions;
import dev.kvlab.cache.KvStorage;
import dev.kvlab.cache.CacheSpec;
import dev.kvlab.cache.StrategyDescription;
import dev.kvlab.cache.check.CheckOutcome;
import dev.kvlab.cache.check.Rules;
import dev.kvlab.model.torch.Gpt2Model;
import dev.kvlab.model.torch.TeacherForcing;
import dev.kvlab.runtime.Engine;
import dev.kvlab.runtime.EngineConfig;
import dev.kvlab.runtime.GenerationRequest;
import dev.kvlab.runtime.RequestResult;
import dev.kvlab.scheduler.FinishReason;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * The model half of the conformance suite, for any registered strategy: greedy generation through the strategy and
 * the real model equals the cache-free oracle ({@link TeacherForcing}: full causal attention, or the window-with-sinks
 * rule when the strategy answers with a ring view) in ids and in logits; and the engine serving many requests at
 * once, with a roomy and with a tight KV budget (preemption), gives every request its solo answer. What
 * {@code StrategyConformanceTest} and {@code BatchInvarianceTest} run on every registered strategy, and what
 * {@code kvlab check-strategy} runs on one (on the tiny model).
 */
public final class ModelChecks {
    /**
     * Relative logit tolerance: max |strategy - oracle| over a step's row, divided by the row's max |oracle|. Float32
     * rounding scales with the logits' size, and the strategy's decode steps run other kernels than the oracle's
     * prefill (the panel GEMM vs addmm, the decode kernel vs SDPA), so the bound is relative, not absolute.
     */
    public static final double LOGITS_TOLERANCE = 1e-5;
    public static final int[] PROMPT_LENGTHS = {1, 16, 500};
    public static final int NEW_TOKENS = 200;
    /** Prefill chunk of the driver: the 500-token prompt also exercises chunked prefill. */
    public static final int CHUNK = 128;
    public static final CacheOptions OPTIONS = CacheOptions.DEFAULTS.withBlockSize(16).withWindow(64, 4);
    public static final CacheOptions BATCH_OPTIONS = CacheOptions.DEFAULTS.withBlockSize(4).withWindow(24, 2);
    /** 0 = roomy; 160 tokens throttles admission or forces preemption. */
    public static final int[] BATCH_BUDGETS = {0, 160};

    private ModelChecks() {
    }

    /** Every check on {@code d} with {@code model} (the tiny model in check-strategy), in order. */
    public static List<CheckOutcome> run(StrategyDescription d, Gpt2Model model) {
        List<CheckOutcome> out = new ArrayList<>();
        if (quantized(d)) {
            out.add(CheckOutcome.of("quantized K/V: logits stay within " + QUANTIZED_BOUND + " of the cache-free "
                    + "oracle (prompts " + Arrays.toString(PROMPT_LENGTHS) + ", " + NEW_TOKENS + " new tokens)", () -> {
                        for (int length : PROMPT_LENGTHS) {
                            CheckOutcome.inCase("prompt of " + length + " tokens", () ->
                                    closeToOracle(model, d, OPTIONS, length, NEW_TOKENS, QUANTIZED_BOUND));
                        }
                    }));
            return out;
        }
        out.add(CheckOutcome.of("greedy generation equals the cache-free oracle in ids and logits (within "
                + LOGITS_TOLERANCE + " relative; prompts " + Arrays.toString(PROMPT_LENGTHS) + ", " + NEW_TOKENS
                + " new tokens, prefill chunks of " + CHUNK + ")", () -> {
                    for (int length : PROMPT_LENGTHS) {
                        CheckOutcome.inCase("prompt of " + length + " tokens", () ->
                                matchesOracle(model, d, OPTIONS, length, NEW_TOKENS));
                    }
                }));
        out.add(CheckOutcome.of("64 requests served together equal each one alone (KV budgets "
                + Arrays.toString(BATCH_BUDGETS) + ")", () -> {
                    for (int budget : BATCH_BUDGETS) {
                        CheckOutcome.inCase("budget " + budget, () -> batchedEqualsSolo(model, d, budget));
                    }
                }));
        return out;
    }

    /** Largest |logit difference| a strategy with quantized K/V may show against the oracle (tiny model). */
    public static final double QUANTIZED_BOUND = 0.05;

    /** Whether the strategy stores K/V other than in the model's dtype (its error is bounded, not zero). */
    public static boolean quantized(StrategyDescription d) {
        CacheSpec probe = new CacheSpec(1, 1, 1, 4, 64, 64);
        return d.factory().create(probe, OPTIONS).storage().kind() != KvStorage.Kind.MODEL_DTYPE;
    }

    /** Greedy generation through the strategy, teacher-forced against the oracle: worst logit gap, at most bound. */
    public static double closeToOracle(Gpt2Model model, StrategyDescription d, CacheOptions options,
                                       int promptLength, int newTokens, double bound) {
        int[] prompt = prompt(promptLength, 7L * promptLength + 1);
        StrategyDriver.Run run = StrategyDriver.greedy(model, d.factory(), options, prompt, newTokens, CHUNK);
        float[][] ref = oracle(model, run.sequence(), run.grants().get(0).view());
        double worst = 0;
        for (int i = 0; i < newTokens; i++) {
            worst = Math.max(worst, maxAbsDiff(run.logits().get(i), ref[promptLength - 1 + i]));
        }
        Rules.check(worst <= bound, "logits stay within " + bound + " of the cache-free oracle's",
                "worst difference " + worst);
        return worst;
    }

    /** Greedy generation of a seeded prompt through the strategy equals the oracle; worst logit gap returned. */
    public static double matchesOracle(Gpt2Model model, StrategyDescription d, CacheOptions options, int promptLength,
                                       int newTokens) {
        int[] prompt = prompt(promptLength, 7L * promptLength + 1);
        StrategyDriver.Run run = StrategyDriver.greedy(model, d.factory(), options, prompt, newTokens, CHUNK);
        float[][] ref = oracle(model, run.sequence(), run.grants().get(0).view());
        int eos = model.config().eosTokenId();
        double worst = 0;
        for (int i = 0; i < newTokens; i++) {
            int p = promptLength - 1 + i;
            int expected = StrategyDriver.argmax(ref[p], eos);
            Rules.same(expected, run.generated()[i], "greedy ids equal the cache-free oracle's (token " + i + ")");
            worst = Math.max(worst, maxRelDiff(run.logits().get(i), ref[p]));
        }
        Rules.check(worst <= LOGITS_TOLERANCE, "logits equal the cache-free oracle's within " + LOGITS_TOLERANCE
                + " relative", "worst relative difference " + worst);
        return worst;
    }

    /**
     * The oracle a strategy must equal, chosen by the view it answers with: the window-with-sinks rule for a ring
     * view, full causal attention otherwise.
     */
    public static float[][] oracle(Gpt2Model model, int[] sequence, AttentionView firstView) {
        if (firstView instanceof AttentionView.Ring r) {
            return TeacherForcing.window(model, sequence, r.sinks(), r.window());
        }
        return TeacherForcing.causal(model, sequence);
    }

    /** 64 seeded requests through one engine; each one's greedy ids equal its oracle's; every slot returned. */
    public static void batchedEqualsSolo(Gpt2Model model, StrategyDescription d, int budgetTokens) {
        List<GenerationRequest> requests = requests(64, 11);
        List<RequestResult> results;
        try (Engine engine = new Engine(model, new EngineConfig(d.name(), BATCH_OPTIONS, budgetTokens, 16, 96))) {
            results = engine.runToCompletion(requests);
            Rules.invariants(engine.cache());
            Rules.same(0, engine.cache().memory().reservedTokens(), "every slot is returned once all requests end");
        }
        for (int i = 0; i < requests.size(); i++) {
            RequestResult r = results.get(i);
            Rules.same(FinishReason.LENGTH, r.finishReason(), "every request runs to its length (" + r.id() + ": "
                    + r.detail() + ")");
            int[] solo = solo(model, d, requests.get(i), r);
            Rules.check(Arrays.equals(solo, r.generatedIds()), "a request's tokens do not depend on its batch",
                    r.id() + ": " + Arrays.toString(r.generatedIds()) + " vs alone " + Arrays.toString(solo));
        }
    }

    /** What the request alone gives: argmax of the oracle's logits along the generated sequence. */
    public static int[] solo(Gpt2Model model, StrategyDescription d, GenerationRequest q, RequestResult r) {
        int[] seq = Arrays.copyOf(q.promptIds(), q.promptIds().length + r.generatedIds().length);
        System.arraycopy(r.generatedIds(), 0, seq, q.promptIds().length, r.generatedIds().length);
        float[][] ref = oracle(model, seq, firstView(model, d, BATCH_OPTIONS, q.promptIds()));
        int[] ids = new int[r.generatedIds().length];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = StrategyDriver.argmax(ref[q.promptIds().length - 1 + i], model.config().eosTokenId());
        }
        return ids;
    }

    /** The view the strategy answers a lone prompt with, in an empty cache of the whole context. */
    public static AttentionView firstView(Gpt2Model model, StrategyDescription d, CacheOptions options, int[] prompt) {
        var c = model.config();
        var spec = new dev.kvlab.cache.CacheSpec(c.nLayer(), c.nHead(), c.headDim(), model.dtype().bytes(),
                c.nPositions(), c.nPositions());
        var a = d.factory().create(spec, options).allocate(new dev.kvlab.cache.AllocRequest(new dev.kvlab.cache.SeqId(0),
                prompt, prompt.length, c.nPositions()));
        Rules.check(a instanceof dev.kvlab.cache.Allocation.Granted, "a lone prompt is granted room in an empty cache",
                a);
        return ((dev.kvlab.cache.Allocation.Granted) a).view();
    }

    /** Seeded requests: prompts of 1..48 tokens, 1..24 new tokens, EOS ignored so lengths are exact. */
    public static List<GenerationRequest> requests(int n, long seed) {
        Random random = new Random(seed);
        List<GenerationRequest> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int[] prompt = prompt(1 + random.nextInt(48), random.nextLong());
            out.add(GenerationRequest.greedy("r" + i, prompt, 1 + random.nextInt(24), true));
        }
        return out;
    }

    /** Seeded prompt of ordinary token ids (never EOS). */
    public static int[] prompt(int length, long seed) {
        Random r = new Random(seed);
        int[] p = new int[length];
        for (int i = 0; i < length; i++) {
            p[i] = r.nextInt(50256);
        }
        return p;
    }

    /** {@link #maxAbsDiff} divided by the largest |ref| of the row (the infinity-norm relative error). */
    public static double maxRelDiff(float[] a, float[] ref) {
        double scale = 0;
        for (float r : ref) {
            scale = Math.max(scale, Math.abs((double) r));
        }
        return maxAbsDiff(a, ref) / Math.max(scale, Double.MIN_NORMAL);
    }

    public static double maxAbsDiff(float[] a, float[] b) {
        double d = 0;
        for (int i = 0; i < a.length; i++) {
            d = Math.max(d, Math.abs((double) a[i] - b[i]));
        }
        return d;
    }
}
