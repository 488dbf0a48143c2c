package dev.kvlab.runtime;

import dev.kvlab.model.FormulaWeights;
import dev.kvlab.model.Gpt2Config;
import dev.kvlab.model.TensorSource;
import dev.kvlab.model.torch.AttentionOptions;
import dev.kvlab.model.torch.ComputeDType;
import dev.kvlab.model.torch.DecodePath;
import dev.kvlab.model.torch.DeviceKind;
import dev.kvlab.model.torch.Gpt2Model;
import dev.kvlab.model.torch.RuntimeOptions;
import dev.kvlab.model.torch.TorchRuntime;
import java.util.HashMap;
import java.util.Map;
import org.bytedeco.pytorch.Device;

/**
 * Formula-weight models shared by the tests of one JVM (surefire reuses the fork): loading gpt2-small takes
 * seconds. Always CPU, one thread (deterministic and not oversubscribed on a busy 2-core machine).
 */
final class Models {
    private static final Map<String, Gpt2Model> LOADED = new HashMap<>();

    private Models() {
    }

    static Gpt2Model get(String preset) {
        return get(preset, DecodePath.AUTO);
    }

    /** The model with its decode rows forced through {@code path} (AUTO: the default, the CPU kernel here). */
    static synchronized Gpt2Model get(String preset, DecodePath path) {
        return LOADED.computeIfAbsent(preset + "/" + path, key -> {
            Device cpu = TorchRuntime.init(new RuntimeOptions(DeviceKind.CPU, 1, ComputeDType.FLOAT32));
            try (TensorSource src = FormulaWeights.of(Gpt2Config.preset(preset), 0)) {
                return new Gpt2Model(src, cpu, ComputeDType.FLOAT32, new AttentionOptions(path));
            }
        });
    }
}
