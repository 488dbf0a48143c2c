package dev.kvlab.model.torch;

import org.bytedeco.pytorch.Tensor;

/**
 * One GPT-2 block's weights on the model's device. Linear weights are {@code [in, out]} (HF Conv1D) as
 * {@link LinearWeight}s: prepacked panels on the CPU in float32, else torch tensors in HF's layout.
 * E = n_embd, F = n_inner (4E for GPT-2).
 */
record LayerWeights(
        Tensor ln1Weight,               // [E]
        Tensor ln1Bias,                 // [E]
        LinearWeight qkvWeight,         // [E, 3E]
        Tensor qkvBias,                 // [3E]
        LinearWeight projWeight,        // [E, E]
        Tensor projBias,                // [E]
        Tensor ln2Weight,               // [E]
        Tensor ln2Bias,                 // [E]
        LinearWeight fcWeight,          // [E, F]
        Tensor fcBias,                  // [F]
        LinearWeight fc2Weight,         // [F, E]
        Tensor fc2Bias) {               // [E]
}
