package dev.kvlab.model;

import java.util.Arrays;

/**
 * A plain-Java GPT-2 forward pass in double precision: the cache-free oracle other tests compare against.
 *
 * <p>Every call recomputes the whole sequence (no KV cache), with causal attention (or a sliding window with sinks,
 * written out from its definition, not from the runtime's mask), tanh-GELU, layer norm with
 * the config's epsilon and the LM head tied to {@code wte}. Weights are widened to float once (exact for
 * F32/F16/BF16) and all arithmetic is in double. Shapes below: T = tokens, E = nEmbd, I = nInner, V = vocab.
 * Thread-safe: it holds only weights it never writes.
 */
public final class ReferenceGpt2 {
    private final Gpt2Config c;
    private final float[] wte;        // [V, E]
    private final float[] wpe;        // [P, E]
    private final float[] lnfW;       // [E]
    private final float[] lnfB;       // [E]
    private final Block[] blocks;

    /** One transformer block's weights, HF Conv1D layout {@code [in, out]}. */
    private record Block(float[] ln1W, float[] ln1B, float[] attnW, float[] attnB, float[] projW, float[] projB,
                         float[] ln2W, float[] ln2B, float[] fcW, float[] fcB, float[] mlpProjW, float[] mlpProjB) {
    }

    /** Reads every tensor of {@code src} once; {@code src} may be closed afterwards. */
    public ReferenceGpt2(TensorSource src) {
        this.c = src.config();
        this.wte = load(src, "wte.weight");
        this.wpe = load(src, "wpe.weight");
        this.lnfW = load(src, "ln_f.weight");
        this.lnfB = load(src, "ln_f.bias");
        this.blocks = new Block[c.nLayer()];
        for (int i = 0; i < blocks.length; i++) {
            blocks[i] = new Block(load(src, i, "ln_1.weight"), load(src, i, "ln_1.bias"),
                    load(src, i, "attn.c_attn.weight"), load(src, i, "attn.c_attn.bias"),
                    load(src, i, "attn.c_proj.weight"), load(src, i, "attn.c_proj.bias"),
                    load(src, i, "ln_2.weight"), load(src, i, "ln_2.bias"),
                    load(src, i, "mlp.c_fc.weight"), load(src, i, "mlp.c_fc.bias"),
                    load(src, i, "mlp.c_proj.weight"), load(src, i, "mlp.c_proj.bias"));
        }
    }

    /** Which keys a query sees in a layer, beyond causality: the held sets of an eviction policy. */
    @FunctionalInterface
    public interface KeyFilter {
        /** Whether query position {@code query} of layer {@code layer} attends to key position {@code key <= query}. */
        boolean sees(int layer, int query, int key);
    }

    /** The config of the weights. */
    public Gpt2Config config() {
        return c;
    }

    /**
     * Logits for the token after {@code tokenIds}: the last position's output.
     *
     * @param tokenIds 1..nPositions ids, each in [0, vocabSize)
     * @return [V] logits
     */
    public double[] logits(int[] tokenIds) {
        return logits(tokenIds, Integer.MAX_VALUE, 0);
    }

    /**
     * Logits for the token after {@code tokenIds} under a sliding window with attention sinks (StreamingLLM, what a
     * ring buffer of {@code window} slots computes): query t attends to the first {@code sinks} positions and to the
     * most recent {@code window - sinks} positions up to itself (t - window + sinks + 1 .. t), nothing else.
     * {@code window = Integer.MAX_VALUE} is full causal attention.
     */
    public double[] logits(int[] tokenIds, int window, int sinks) {
        double[][] x = hidden(tokenIds, window, sinks);
        return head(x[x.length - 1]);
    }

    /**
     * Teacher forcing with full causal attention: the logits of every position, row t predicting token t + 1.
     *
     * @param tokenIds 1..nPositions ids, each in [0, vocabSize)
     * @return [T][V] logits
     */
    public double[][] allLogits(int[] tokenIds) {
        double[][] x = hidden(tokenIds, Integer.MAX_VALUE, 0);
        double[][] out = new double[x.length][];
        for (int t = 0; t < x.length; t++) {
            out[t] = head(x[t]);
        }
        return out;
    }

    /** The last block's output for every position, before ln_f: [T, E]. */
    private double[][] hidden(int[] tokenIds, int window, int sinks) {
        double[][] x = embed(tokenIds);                       // [T, E]
        KeyFilter filter = (layer, t, key) -> visible(t, key, window, sinks);
        for (int l = 0; l < blocks.length; l++) {
            block(blocks[l], x, l, filter);
        }
        return x;
    }

    /**
     * Logits at every position with attention restricted by {@code filter} (query p of layer l attends to keys
     * j &lt;= p that it {@link KeyFilter#sees}): the oracle for a cache that evicts.
     *
     * @return [T][V]
     */
    public double[][] logitsAll(int[] tokenIds, KeyFilter filter) {
        double[][] x = embed(tokenIds);                       // [T, E]
        for (int l = 0; l < blocks.length; l++) {
            block(blocks[l], x, l, filter);
        }
        double[][] out = new double[x.length][];
        for (int t = 0; t < x.length; t++) {
            out[t] = head(x[t]);
        }
        return out;
    }

    /** ln_f, then the tied LM head: [V] logits of one position's hidden state [E]. */
    private double[] head(double[] hiddenRow) {
        double[] last = layerNorm(hiddenRow, lnfW, lnfB);
        double[] out = new double[c.vocabSize()];
        int e = c.nEmbd();
        for (int v = 0; v < out.length; v++) {
            double s = 0;
            for (int k = 0; k < e; k++) {
                s += last[k] * wte[v * e + k];
            }
            out[v] = s;
        }
        return out;
    }

    /**
     * Greedy decoding by full recompute: {@code n} new tokens after {@code prompt}.
     *
     * @param suppressEos if true, EOS is never chosen (HF {@code min_new_tokens}, vLLM {@code ignore_eos});
     *                    if false, generation still runs all {@code n} steps
     * @return the n generated ids (ties go to the lowest id)
     */
    public int[] greedy(int[] prompt, int n, boolean suppressEos) {
        int[] seq = Arrays.copyOf(prompt, prompt.length + n);
        for (int step = 0; step < n; step++) {
            double[] l = logits(Arrays.copyOf(seq, prompt.length + step));
            seq[prompt.length + step] = argmax(l, suppressEos ? c.eosTokenId() : -1);
        }
        return Arrays.copyOfRange(seq, prompt.length, seq.length);
    }

    /** Index of the largest value, skipping {@code skip} (-1: none); the lowest index wins ties. */
    public static int argmax(double[] values, int skip) {
        int best = -1;
        for (int i = 0; i < values.length; i++) {
            if (i != skip && (best < 0 || values[i] > values[best])) {
                best = i;
            }
        }
        return best;
    }

    private double[][] embed(int[] ids) {
        if (ids.length == 0 || ids.length > c.nPositions()) {
            throw new IllegalArgumentException("need 1.." + c.nPositions() + " tokens, got " + ids.length);
        }
        int e = c.nEmbd();
        double[][] x = new double[ids.length][e];
        for (int t = 0; t < ids.length; t++) {
            if (ids[t] < 0 || ids[t] >= c.vocabSize()) {
                throw new IllegalArgumentException("token id " + ids[t] + " outside [0, " + c.vocabSize() + ")");
            }
            for (int k = 0; k < e; k++) {
                x[t][k] = (double) wte[ids[t] * e + k] + wpe[t * e + k];
            }
        }
        return x;
    }

    /** Pre-LN block, in place: x += attn(ln_1(x)); x += mlp(ln_2(x)). x is [T, E]. */
    private void block(Block b, double[][] x, int layer, KeyFilter filter) {
        int e = c.nEmbd();
        double[][] qkv = new double[x.length][];                 // [T, 3E] = [q | k | v]
        for (int t = 0; t < x.length; t++) {
            qkv[t] = linear(layerNorm(x[t], b.ln1W, b.ln1B), b.attnW, b.attnB, 3 * e);
        }
        for (int t = 0; t < x.length; t++) {
            add(x[t], linear(attend(qkv, t, layer, filter), b.projW, b.projB, e));
            double[] h = linear(layerNorm(x[t], b.ln2W, b.ln2B), b.fcW, b.fcB, c.nInner());   // [I]
            for (int k = 0; k < h.length; k++) {
                h[k] = gelu(h[k]);
            }
            add(x[t], linear(h, b.mlpProjW, b.mlpProjB, e));
        }
    }

    /** Whether query {@code t} attends to key {@code s}: a sink, or one of the window's most recent positions. */
    private static boolean visible(int t, int s, int window, int sinks) {
        if (s > t) {
            return false;
        }
        boolean sink = s < sinks;
        long oldestRecent = (long) t - ((long) window - sinks) + 1;   // the recent part holds window - sinks tokens
        return sink || s >= oldestRecent;
    }

    /** Multi-head attention output for query position t over the keys it sees: [E], heads concatenated. */
    private double[] attend(double[][] qkv, int t, int layer, KeyFilter filter) {
        int e = c.nEmbd();
        int hd = c.headDim();
        double scale = 1.0 / Math.sqrt(hd);
        double[] out = new double[e];
        for (int h = 0; h < c.nHead(); h++) {
            int q0 = h * hd;
            double[] p = new double[t + 1];                       // scores over keys 0..t (0 where not seen)
            double max = Double.NEGATIVE_INFINITY;
            for (int s = 0; s <= t; s++) {
                if (!filter.sees(layer, t, s)) {
                    continue;
                }
                double dot = 0;
                for (int d = 0; d < hd; d++) {
                    dot += qkv[t][q0 + d] * qkv[s][e + q0 + d];
                }
                p[s] = dot * scale;
                max = Math.max(max, p[s]);
            }
            double sum = 0;
            for (int s = 0; s <= t; s++) {
                p[s] = filter.sees(layer, t, s) ? Math.exp(p[s] - max) : 0;
                sum += p[s];
            }
            for (int s = 0; s <= t; s++) {
                for (int d = 0; d < hd; d++) {
                    out[q0 + d] += p[s] / sum * qkv[s][2 * e + q0 + d];
                }
            }
        }
        return out;
    }

    /** y = x @ W + b with W [in, out] row-major. */
    private static double[] linear(double[] x, float[] w, float[] bias, int outDim) {
        double[] y = new double[outDim];
        for (int j = 0; j < outDim; j++) {
            y[j] = bias[j];
        }
        for (int k = 0; k < x.length; k++) {
            double xk = x[k];
            int row = k * outDim;
            for (int j = 0; j < outDim; j++) {
                y[j] += xk * w[row + j];
            }
        }
        return y;
    }

    private double[] layerNorm(double[] x, float[] w, float[] b) {
        double mean = 0;
        for (double v : x) {
            mean += v;
        }
        mean /= x.length;
        double var = 0;
        for (double v : x) {
            var += (v - mean) * (v - mean);
        }
        var /= x.length;
        double inv = 1.0 / Math.sqrt(var + c.layerNormEpsilon());
        double[] y = new double[x.length];
        for (int k = 0; k < x.length; k++) {
            y[k] = (x[k] - mean) * inv * w[k] + b[k];
        }
        return y;
    }

    /** GPT-2's tanh approximation ("gelu_new"). */
    static double gelu(double x) {
        return 0.5 * x * (1.0 + Math.tanh(Math.sqrt(2.0 / Math.PI) * (x + 0.044715 * x * x * x)));
    }

    private static void add(double[] acc, double[] v) {
        for (int k = 0; k < acc.length; k++) {
            acc[k] += v[k];
        }
    }

    private static float[] load(TensorSource src, int layer, String suffix) {
        return load(src, Gpt2Weights.layer(layer, suffix));
    }

    private static float[] load(TensorSource src, String name) {
        return src.info(name).dtype().toFloats(src.bytes(name));
    }
}
