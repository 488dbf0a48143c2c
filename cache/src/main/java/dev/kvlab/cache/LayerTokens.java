package dev.kvlab.cache;

/**
 * What an {@link EvictionPolicy} sees of the tokens one sequence holds in one layer: entry i has an absolute
 * position and a score the policy keeps between steps (0 for a new token). Entries are in the order of the step's
 * {@link AttentionView.Held} view, so statistic index i belongs to entry i; the chunk's tokens are the last ones.
 * Eviction takes the lowest scores first (ties: the lowest position first).
 */
public interface LayerTokens {

    /** Held entries, this step's chunk included. */
    int size();

    /** Absolute position of entry i. */
    int position(int i);

    double score(int i);

    void setScore(int i, double score);

    default void addScore(int i, double delta) {
        setScore(i, score(i) + delta);
    }

    /** Adds to every entry's score the attention mass it received this step ({@code stats} holds attention). */
    default void addAttention(LayerStats stats) {
        for (int i = 0; i < size(); i++) {
            addScore(i, stats.attentionSum(i));
        }
    }
}
