package dev.kvlab.model.torch;

/**
 * How the model attends.
 *
 * @param decode the decode-attention path; {@link DecodePath#AUTO} (the default) picks the fastest that runs here
 */
public record AttentionOptions(DecodePath decode) {
    public static final AttentionOptions DEFAULTS = new AttentionOptions(DecodePath.AUTO);

    public AttentionOptions {
        if (decode == null) {
            throw new IllegalArgumentException("decode path must be given");
        }
    }
}
