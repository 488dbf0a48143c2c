package dev.kvlab.model.torch;

import org.bytedeco.pytorch.Tensor;

/**
 * One GPT-2 block's weights on the model's device. Linear weights are stored {@code [out, in]} (nn.Linear's layout,
 * the transpose of HF's Conv1D {@code [in, out]} checkpoints, transposed once at load), contiguous: the layout
 * {@link Linear} reads with GEMV and GEMM. E = n_embd, F = n_inner (4E for GPT-2).
 */
record LayerWeights(
        Tensor ln1Weight,   // [E]
        Tensor ln1Bias,     // [E]
        Tensor qkvWeight,   // [3E, E]
        Tensor qkvBias,     // [3E]
        Tensor projWeight,  // [E, E]
        Tensor projBias,    // [E]
        Tensor ln2Weight,   // [E]
        Tensor ln2Bias,     // [E]
        Tensor fcWeight,    // [F, E]
        Tensor fcBias,      // [F]
        Tensor fc2Weight,   // [E, F]
        Tensor fc2Bias) {   // [E]
}
