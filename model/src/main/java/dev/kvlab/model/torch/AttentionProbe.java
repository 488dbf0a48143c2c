package dev.kvlab.model.torch;

import dev.kvlab.model.Gpt2Config;
import dev.kvlab.model.TensorSource;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * Where attention goes: a cache-free float32 forward pass of one sequence with explicit attention probabilities
 * (softmax(QK^T / sqrt(D)) under the causal mask), reporting per layer the share of attention on the first token and
 * on the previous token, averaged over heads and over query positions q >= 2 (where the two are distinct keys). An
 * attention sink shows as a first-token share far above the 1/(q+1) a uniform head would give.
 *
 * <p>Owns its own copy of the weights ({@link #close}); {@code AttentionProbeTest} checks that its logits equal
 * {@link Gpt2Model}'s.
 */
public final class AttentionProbe implements AutoCloseable {
    private final DeviceWeights weights;
    private final Gpt2Config config;
    private final Device device;

    /** Per-layer shares of one sequence and the logits of every position ({@code [T * vocab]}, row-major). */
    public record Result(double[] firstTokenShare, double[] previousTokenShare, float[] logits) {
    }

    public AttentionProbe(TensorSource source, Device device) {
        this.weights = new DeviceWeights(source, device, ComputeDType.FLOAT32);
        this.config = source.config();
        this.device = device;
    }

    /** Runs {@code ids} (3..n_positions tokens). */
    public Result run(int[] ids) {
        if (ids.length < 3 || ids.length > config.nPositions()) {
            throw new IllegalArgumentException("attention probe needs 3.." + config.nPositions() + " tokens");
        }
        int t = ids.length;
        double[] first = new double[config.nLayer()];
        double[] prev = new double[config.nLayer()];
        try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
            Tensor pos = Tensors.range(0, t, device);
            Tensor future = pos.unsqueeze(0).gt(pos.unsqueeze(1));                                      // [T, T]
            Tensor x = weights.wte().index_select(0, Tensors.longs(ids, device))
                    .add(weights.wpe().index_select(0, pos));                                          // [T, E]
            for (int l = 0; l < config.nLayer(); l++) {
                LayerWeights w = weights.layer(l);
                Tensor h = layerNorm(x, w.ln1Weight(), w.ln1Bias());
                TensorVector qkv = Linear.apply(h, w.qkvWeight(), w.qkvBias()).split(config.nEmbd(), 1);
                Tensor q = heads(qkv.get(0), t);                                                       // [H, T, D]
                Tensor k = heads(qkv.get(1), t);                                                       // [H, T, D]
                Tensor v = heads(qkv.get(2), t);                                                       // [H, T, D]
                Tensor p = torch.matmul(q, k.transpose(1, 2)).mul(new Scalar(1.0 / Math.sqrt(config.headDim())))
                        .masked_fill(future, new Scalar(Double.NEGATIVE_INFINITY)).softmax(-1);       // [H, T, T]
                first[l] = p.select(2, 0).narrow(1, 2, t - 2).mean().item_double();
                prev[l] = p.diagonal(-1, 1, 2).narrow(1, 1, t - 2).mean().item_double();             // p[h, q, q-1]
                Tensor o = torch.matmul(p, v).transpose(0, 1).reshape(t, config.nEmbd());               // [T, E]
                x = x.add(Linear.apply(o, w.projWeight(), w.projBias()));
                Tensor m = torch.gelu(Linear.apply(layerNorm(x, w.ln2Weight(), w.ln2Bias()), w.fcWeight(),
                        w.fcBias()), "tanh");                                                          // [T, F]
                x = x.add(Linear.apply(m, w.fc2Weight(), w.fc2Bias()));
            }
            Tensor logits = torch.matmul(layerNorm(x, weights.lnfWeight(), weights.lnfBias()),
                    weights.wte().t());                                                                // [T, V]
            return new Result(first, prev, new HostCopy().floats(logits));
        }
    }

    /** [T, E] -> [H, T, D]. */
    private Tensor heads(Tensor x, int t) {
        return x.reshape(t, config.nHead(), config.headDim()).transpose(0, 1);
    }

    private Tensor layerNorm(Tensor x, Tensor g, Tensor b) {
        return torch.layer_norm(x, new long[] {config.nEmbd()}, new TensorOptional(g), new TensorOptional(b),
                config.layerNormEpsilon(), false);
    }

    @Override
    public void close() {
        weights.close();
    }
}
