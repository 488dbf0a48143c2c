/**
 * GPT-2 as data: {@link dev.kvlab.model.Gpt2Config hyper-parameters}, the one {@link dev.kvlab.model.Gpt2Weights
 * weight table}, {@link dev.kvlab.model.TensorSource tensor sources} (validated safetensors
 * {@link dev.kvlab.model.Checkpoints checkpoints} or deterministic {@link dev.kvlab.model.FormulaWeights formula
 * weights}), and the {@link dev.kvlab.model.Gpt2Tokenizer tokenizer}. Nothing here depends on PyTorch; the forward
 * pass lives in {@code dev.kvlab.model.torch}.
 *
 * <p>Every malformed or unsupported model file is reported as one {@link dev.kvlab.model.ModelLoadException} naming
 * the file and tensor.
 */
package dev.kvlab.model;
