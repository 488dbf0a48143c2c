package dev.kvlab.model;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * GPT-2's byte-level BPE tokenizer (HF tokenizers via DJL), configured for a decoder-only model: no special
 * tokens added, no truncation (DJL would cut at 512 by default), no padding, and decoding keeps
 * {@code <|endoftext|>}. The text {@code <|endoftext|>} in input encodes to the single id 50256.
 *
 * <p>Decoding part of a multi-byte character gives U+FFFD: stream text by decoding all ids so far.
 * Owns a native handle: close it.
 */
public final class Gpt2Tokenizer implements AutoCloseable {
    /** Classpath resource: gzipped tokenizer.json built by {@code tools/gpt2_to_tokenizer_json.py}. */
    static final String RESOURCE = "gpt2-tokenizer.json.gz";
    /** sha256 of the uncompressed built-in tokenizer.json (provenance in tools/README.md). */
    static final String BUILTIN_SHA256 = "6aecef48b985f6af91597b579a556c45d41cb9c1f0dde941e7fe87e718572f90";
    private static final Map<String, String> OPTIONS =
            Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false");

    private final HuggingFaceTokenizer tokenizer;
    private final int vocabSize;

    private Gpt2Tokenizer(HuggingFaceTokenizer tokenizer, int vocabSize) {
        this.tokenizer = tokenizer;
        this.vocabSize = vocabSize;
    }

    /**
     * OpenAI's GPT-2 tokenizer (vocab 50257), from the classpath; its sha256 is verified at load.
     *
     * @throws ModelLoadException if the resource is missing or corrupt
     */
    public static Gpt2Tokenizer builtin() {
        return load(builtinJson(), "built-in " + RESOURCE, Gpt2Config.GPT2_VOCAB);
    }

    /**
     * The tokenizer of a checkpoint directory: its {@code tokenizer.json} if present, else {@link #builtin()} when
     * the model has GPT-2's vocabulary.
     *
     * @param vocabSize the model's {@code vocab_size}; every id the tokenizer can produce must be below it
     * @throws ModelLoadException naming the file if there is no usable tokenizer
     */
    public static Gpt2Tokenizer forModel(Path modelDir, int vocabSize) {
        Path file = modelDir.resolve(Checkpoints.TOKENIZER);
        if (!Files.exists(file)) {
            if (vocabSize == Gpt2Config.GPT2_VOCAB) {
                return builtin();
            }
            throw new ModelLoadException(file + ": not found, and vocab_size " + vocabSize
                    + " is not GPT-2's " + Gpt2Config.GPT2_VOCAB + " so the built-in tokenizer cannot be used");
        }
        try {
            byte[] json = Files.readAllBytes(file);
            TokenizerVocab.checkIdsBelow(json, vocabSize, file.toString());
            return load(json, file.toString(), vocabSize);
        } catch (IOException e) {
            throw new ModelLoadException(file + ": cannot read: " + e, e);
        }
    }

    /**
     * Token ids of {@code text}, never truncated.
     *
     * @return ids in {@code [0, vocabSize)}
     */
    public int[] encode(String text) {
        long[] ids = tokenizer.encode(text, false, false).getIds();
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = Math.toIntExact(ids[i]);
        }
        return out;
    }

    /**
     * The text of {@code ids}, special tokens included.
     *
     * @throws IllegalArgumentException if an id is outside {@code [0, vocabSize)}
     */
    public String decode(int[] ids) {
        long[] longs = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= vocabSize) {
                throw new IllegalArgumentException("token id " + ids[i] + " at index " + i + " outside [0, "
                        + vocabSize + ")");
            }
            longs[i] = ids[i];
        }
        return tokenizer.decode(longs, false);
    }

    @Override
    public void close() {
        tokenizer.close();
    }

    /** The built-in tokenizer.json bytes, sha256-verified. */
    static byte[] builtinJson() {
        try (InputStream gz = Gpt2Tokenizer.class.getResourceAsStream(RESOURCE)) {
            if (gz == null) {
                throw new ModelLoadException("classpath resource " + RESOURCE + " is missing from kvlab-model");
            }
            byte[] json = new GZIPInputStream(gz).readAllBytes();
            String sha = sha256(json);
            if (!sha.equals(BUILTIN_SHA256)) {
                throw new ModelLoadException(RESOURCE + ": sha256 " + sha + " != pinned " + BUILTIN_SHA256);
            }
            return json;
        } catch (IOException e) {
            throw new ModelLoadException(RESOURCE + ": cannot read: " + e, e);
        }
    }

    private static Gpt2Tokenizer load(byte[] json, String where, int vocabSize) {
        DjlCache.ensureWritable();
        try {
            return new Gpt2Tokenizer(HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(json), OPTIONS),
                    vocabSize);
        } catch (IOException | RuntimeException e) {
            throw new ModelLoadException(where + ": cannot load tokenizer: " + e, e);
        }
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
