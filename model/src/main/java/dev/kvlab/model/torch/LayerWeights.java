package dev.kvlab.model.torch;

import org.bytedeco.pytorch.Tensor;

/**
 * One GPT-2 block's weights on the model's device, linear weights in HF Conv1D layout ({@code [in, out]}, contiguous:
 * the layout {@link Linear} reads fastest, measured). E = n_embd, F = n_inner (4E for GPT-2).
 */
record LayerWeights(
        Tensor ln1Weight,   // [E]
        Tensor ln1Bias,     // [E]
        Tensor qkvWeight,   // [E, 3E]
        Tensor qkvBias,     // [3E]
        Tensor projWeight,  // [E, E]
        Tensor projBias,    // [E]
        Tensor ln2Weight,   // [E]
        Tensor ln2Bias,     // [E]
        Tensor fcWeight,    // [E, F]
        Tensor fcBias,      // [F]
        Tensor fc2Weight,   // [F, E]
        Tensor fc2Bias) {   // [E]
}
