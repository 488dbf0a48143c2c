package dev.kvlab.runtime.cli;

import dev.kvlab.model.Gpt2Config;
import dev.kvlab.runtime.GenerationRequest;

/** Checks a request against the model before anything runs, so bad input fails fast with one clear line. */
final class RequestChecks {
    private RequestChecks() {
    }

    static void check(GenerationRequest r, Gpt2Config c) {
        int n = r.promptIds().length;
        if (n > c.nPositions()) {
            throw new BadInputException("request " + r.id() + ": the prompt has " + n + " tokens but the model's "
                    + "context is " + c.nPositions() + " positions");
        }
        if (n >= c.nPositions()) {
            throw new BadInputException("request " + r.id() + ": the prompt has " + n + " tokens and fills the model's "
                    + c.nPositions() + " positions: no room to generate; shorten the prompt");
        }
        if ((long) n + r.maxNewTokens() > c.nPositions()) {
            throw new BadInputException("request " + r.id() + ": prompt " + n + " + max new tokens " + r.maxNewTokens()
                    + " exceeds the model's " + c.nPositions() + " positions; lower --max-new-tokens to at most "
                    + (c.nPositions() - n));
        }
        for (int id : r.promptIds()) {
            if (id < 0 || id >= c.vocabSize()) {
                throw new BadInputException("request " + r.id() + ": token id " + id + " is outside the vocabulary [0, "
                        + c.vocabSize() + ")");
            }
        }
    }
}
