package dev.kvlab.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The quality metrics on synthetic logits whose values are known in closed form. */
class QualityMetricsTest {
    @Test
    void uniformLogitsGiveLogVocabNll() {
        float[] logits = new float[3 * 4];              // 3 positions, vocab 4, all zero: uniform
        double[] nll = QualityMetrics.nll(logits, 4, new int[] {0, 1, 2});
        assertArrayEquals(new double[] {Math.log(4), Math.log(4)}, nll, 1e-15);
    }

    @Test
    void nllOfKnownDistribution() {
        // row 0: logits (log 1, log 2, log 1) -> P = (1/4, 1/2, 1/4); next token 1 -> NLL = log 2
        float[] logits = {0f, (float) Math.log(2), 0f, 0f, 0f, 0f};
        assertEquals(Math.log(2), QualityMetrics.nll(logits, 3, new int[] {2, 1})[0], 1e-7);
    }

    @Test
    void klAndAgreementOfKnownPair() {
        // reference P = (1/2, 1/2) (logits 0, 0); pass Q = (1/4, 3/4) (logits 0, log 3)
        // KL(P || Q) = 1/2 log(2) + 1/2 log(2/3); argmax: P ties -> id 0, Q -> id 1, so no agreement
        float[] ref = {0f, 0f, 5f, 0f};
        float[] pass = {0f, (float) Math.log(3), 5f, 0f};
        QualityMetrics.Scores s = QualityMetrics.compare(ref, pass, 2, new int[] {0, 1});
        assertEquals(1, s.positions());
        assertEquals(0.5 * Math.log(2) + 0.5 * Math.log(2.0 / 3.0), s.kl()[0], 1e-7);
        assertEquals(0, s.topAgree()[0]);
        assertEquals(Math.log(4.0 / 3.0), s.nll()[0], 1e-7);   // next token 1 has Q = 3/4
    }

    @Test
    void identicalPassesHaveZeroKlAndFullAgreement() {
        float[] ref = {1f, 2f, 3f, -1f, 0.5f, 0.25f, 9f, 9f, 9f};
        QualityMetrics.Scores s = QualityMetrics.compare(ref, ref.clone(), 3, new int[] {0, 1, 2});
        assertArrayEquals(new double[] {0, 0}, s.kl(), 0);
        assertArrayEquals(new int[] {1, 1}, s.topAgree());
    }

    @Test
    void logSoftmaxIsShiftInvariantAndStable() {
        float[] big = {1000f, 1001f};
        double[] l = QualityMetrics.logSoftmax(big, 0, 2);
        assertEquals(-Math.log1p(Math.E), l[0], 1e-12);
        assertEquals(1 - Math.log1p(Math.E) , l[1], 1e-12);
    }
}
