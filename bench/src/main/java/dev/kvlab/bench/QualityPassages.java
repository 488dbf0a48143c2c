package dev.kvlab.bench;

import dev.kvlab.model.ShippedCheckpoint;
import dev.kvlab.runtime.LoadedModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * The passages of the quality experiment. A shipped trained model is scored on its held-out text (encoded with its
 * tokenizer, cut into consecutive {@code length}-token windows, of which {@code count} evenly spaced ones are taken);
 * any other model on seeded random tokens, which says only that the code runs.
 *
 * @param text     "heldout" or "random"
 * @param passages the token ids of each passage, {@code length} each
 */
record QualityPassages(String text, List<int[]> passages) {

    static QualityPassages of(LoadedModel m, QualitySpec spec) {
        ShippedCheckpoint shipped = ShippedCheckpoint.named(m.name());
        int length = Math.min(spec.length(), m.config().nPositions());
        List<int[]> out = new ArrayList<>();
        if (shipped == null) {
            for (int i = 0; i < spec.passages(); i++) {
                out.add(Workloads.tokens(new Random(spec.seed() + i), length, m.config().eosTokenId()));
            }
            return new QualityPassages("random", out);
        }
        int[] ids = m.tokenizer().encode(shipped.heldoutText());
        int windows = ids.length / length;
        if (windows < spec.passages()) {
            throw new IllegalArgumentException("quality: the held-out text of " + m.name() + " has " + windows
                    + " passages of " + length + " tokens, fewer than the " + spec.passages() + " asked for");
        }
        for (int i = 0; i < spec.passages(); i++) {
            int w = (int) ((long) i * windows / spec.passages());
            out.add(Arrays.copyOfRange(ids, w * length, (w + 1) * length));
        }
        return new QualityPassages("heldout", out);
    }
}
