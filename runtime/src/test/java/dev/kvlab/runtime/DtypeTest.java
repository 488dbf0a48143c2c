package dev.kvlab.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvlab.cache.CacheOptions;
import dev.kvlab.model.DType;
import dev.kvlab.model.FormulaWeights;
import dev.kvlab.model.Gpt2Config;
import dev.kvlab.model.TensorInfo;
import dev.kvlab.model.TensorSource;
import dev.kvlab.model.torch.ComputeDType;
import dev.kvlab.model.torch.Gpt2Model;
import dev.kvlab.runtime.check.StrategyDriver;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Stored and compute dtypes. A checkpoint stored in BF16 must load to exactly the fp32 values its bits encode (same
 * logits, bit for bit, as F32 weights pre-rounded to those values); computing in bf16/fp16 stays close to fp32.
 */
class DtypeTest {
    @org.junit.jupiter.api.Test
    void bf16StoredWeightsDecodeExactly() {
        Gpt2Config c = Gpt2Config.preset("tiny");
        int[] prompt = StrategyConformanceTest.prompt(9, 4);
        try (TensorSource bf16 = new Rounded(FormulaWeights.of(c, 0), true);
             TensorSource f32 = new Rounded(FormulaWeights.of(c, 0), false);
             Gpt2Model a = new Gpt2Model(bf16, Models.get("tiny").device(), ComputeDType.FLOAT32);
             Gpt2Model b = new Gpt2Model(f32, Models.get("tiny").device(), ComputeDType.FLOAT32)) {
            float[][] la = Oracle.causal(a, prompt);
            float[][] lb = Oracle.causal(b, prompt);
            for (int p = 0; p < prompt.length; p++) {
                assertEquals(0.0, Oracle.maxAbsDiff(la[p], lb[p]), "position " + p);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = ComputeDType.class, names = {"BFLOAT16", "FLOAT16"})
    void halfPrecisionComputeStaysCloseToFloat32(ComputeDType dtype) {
        Gpt2Config c = Gpt2Config.preset("tiny");
        int[] prompt = StrategyConformanceTest.prompt(16, 8);
        try (TensorSource src = FormulaWeights.of(c, 0);
             Gpt2Model half = new Gpt2Model(src, Models.get("tiny").device(), dtype)) {
            StrategyDriver.Run run = StrategyDriver.greedy(half, "paged", CacheOptions.DEFAULTS, prompt, 8, 64);
            float[][] ref = Oracle.causal(Models.get("tiny"), run.sequence());
            double worst = 0;
            for (int i = 0; i < 8; i++) {
                worst = Math.max(worst, Oracle.maxAbsDiff(run.logits().get(i), ref[prompt.length - 1 + i]));
            }
            double w = worst;
            assertTrue(worst < 0.25, () -> dtype + ": logits differ from fp32 by " + w);
            assertTrue(worst > 0, dtype + " must really compute in reduced precision");
        }
    }

    /** Formula weights rounded to bf16 (nearest even), stored as BF16 or as the equal F32 values. */
    private record Rounded(TensorSource inner, boolean storeBf16) implements TensorSource {
        @Override
        public Gpt2Config config() {
            return inner.config();
        }

        @Override
        public List<String> names() {
            return inner.names();
        }

        @Override
        public TensorInfo info(String name) {
            TensorInfo t = inner.info(name);
            return new TensorInfo(name, storeBf16 ? DType.BF16 : DType.F32, t.shape());
        }

        @Override
        public ByteBuffer bytes(String name) {
            ByteBuffer in = inner.bytes(name).order(ByteOrder.LITTLE_ENDIAN);
            int n = in.remaining() / 4;
            ByteBuffer out = ByteBuffer.allocate(n * (storeBf16 ? 2 : 4)).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < n; i++) {
                int bits = Float.floatToRawIntBits(in.getFloat(i * 4));
                int bf16 = (bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16;
                if (storeBf16) {
                    out.putShort((short) bf16);
                } else {
                    out.putFloat(Float.intBitsToFloat(bf16 << 16));
                }
            }
            return out.flip();
        }

        @Override
        public void close() {
            inner.close();
        }
    }
}
