package dev.kvlab.scheduler;

import dev.kvlab.cache.SeqId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * One unit of work: a prompt, its stop conditions, the caller's attachment, and the state the {@link Scheduler}
 * keeps for it. Callers read it; only the scheduler changes it (one thread, the engine loop).
 *
 * <p>Its tokens are the prompt followed by the generated output; {@code numTokens} counts them. Tokens
 * {@code [0, numComputedTokens)} have K/V in the cache; each step computes a chunk starting there. A preempted
 * request keeps its output and recomputes prompt + output when it runs again.
 *
 * <p>A <b>fork child</b> ({@link Scheduler#submitFork}) is another sample of its parent's prompt: until the parent's
 * prompt is computed it waits on the parent ({@link #forkParent}, in the parent's {@code pendingForks}, in no queue),
 * then it is forked off the parent's cache (sharing the prompt's K/V) with its own first token, and runs on its own.
 *
 * <p>Invariants while it is live (waiting or running): {@code 0 <= numComputedTokens < numTokens} and
 * {@code numOutputTokens < maxNewTokens}; a waiting request has {@code numComputedTokens == 0}; a request with
 * pending forks has no output yet and is no fork child itself.
 */
public final class Request {

    /** Where a request is: waiting for admission, running (holding cache), or finished for good. */
    public enum Status { WAITING, RUNNING, FINISHED }

    private final RequestId id;
    private final int promptLength;
    private final StopConditions stop;
    private final Object attachment;
    /** Prompt then output; entries [0, numTokens) are valid. */
    private int[] tokens;
    private int numTokens;
    private int numComputedTokens;
    private Status status = Status.WAITING;
    private FinishReason finishReason;
    private String finishDetail;
    private long arrival = -1;
    private SeqId seq;
    private int numPreemptions;
    /** While this is a fork child waiting for its parent's prompt: the parent; null otherwise. */
    private Request forkParent;
    /** Fork children waiting for this request's prompt, in submission order. */
    private final List<Request> pendingForks = new ArrayList<>();

    /**
     * @param attachment the caller's own state for this request (the runtime keeps everything it knows about a
     *                   request there: sampling stream, timeline, token listener); the scheduler never reads it and
     *                   hands it back in each {@link ScheduledChunk}. May be null
     */
    public Request(RequestId id, int[] promptIds, StopConditions stop, Object attachment) {
        if (id == null || promptIds == null || stop == null) {
            throw new IllegalArgumentException("a request needs an id, prompt ids and stop conditions");
        }
        if (promptIds.length == 0) {
            throw new IllegalArgumentException(id + ": the prompt must have at least one token");
        }
        this.id = id;
        this.promptLength = promptIds.length;
        this.stop = stop;
        this.attachment = attachment;
        this.tokens = Arrays.copyOf(promptIds, promptIds.length + Math.min(stop.maxNewTokens(), 16));
        this.numTokens = promptIds.length;
    }

    public RequestId id() {
        return id;
    }

    public StopConditions stop() {
        return stop;
    }

    /** The caller's state for this request, as given to the constructor. */
    public Object attachment() {
        return attachment;
    }

    public int promptLength() {
        return promptLength;
    }

    public int[] promptIds() {
        return Arrays.copyOf(tokens, promptLength);
    }

    /** The tokens generated so far (kept across preemption). */
    public int[] outputIds() {
        return Arrays.copyOfRange(tokens, promptLength, numTokens);
    }

    public int numOutputTokens() {
        return numTokens - promptLength;
    }

    /** Tokens known so far: prompt + output. */
    public int numTokens() {
        return numTokens;
    }

    /** Tokens whose K/V are in the cache (computed, or attached from the prefix cache). */
    public int numComputedTokens() {
        return numComputedTokens;
    }

    /** The most tokens this request can ever have: prompt + max new tokens (the cache's reservation hint). */
    public int maxTokens() {
        return promptLength + stop.maxNewTokens();
    }

    public Status status() {
        return status;
    }

    public boolean isFinished() {
        return status == Status.FINISHED;
    }

    /** Empty until finished. */
    public Optional<FinishReason> finishReason() {
        return Optional.ofNullable(finishReason);
    }

    /** A sentence for people on why it finished; empty until finished. */
    public String finishDetail() {
        return finishDetail == null ? "" : finishDetail;
    }

    /** Submission order (0, 1, ...) in its scheduler; FCFS sorts by it. -1 before submission. */
    public long arrival() {
        return arrival;
    }

    /** Its sequence in the cache; null before submission. */
    public SeqId seq() {
        return seq;
    }

    /** How many times it was preempted (its cache freed, to be recomputed). */
    public int numPreemptions() {
        return numPreemptions;
    }

    @Override
    public String toString() {
        return id + "[" + status + (finishReason == null ? "" : " " + finishReason) + ", tokens=" + numTokens
                + ", computed=" + numComputedTokens + ", output=" + numOutputTokens() + "]";
    }

    /** Whether this is a fork child still waiting for its parent's prompt to be computed. */
    public boolean isPendingFork() {
        return forkParent != null;
    }

    // ---- changes, made by the Scheduler only

    Request forkParent() {
        return forkParent;
    }

    List<Request> pendingForks() {
        return pendingForks;
    }

    /** Engine seats this request takes when running: itself and the fork children that will join it. */
    int seats() {
        return 1 + pendingForks.size();
    }

    void waitForParent(Request parent) {
        forkParent = parent;
        parent.pendingForks.add(this);
    }

    /** Leaves its parent's pending forks (forked off, or ended before that). */
    void leaveParent() {
        if (forkParent != null) {
            forkParent.pendingForks.remove(this);
            forkParent = null;
        }
    }

    /** Tokens {@code [0, end)}: what the cache sees through the end of a chunk. */
    int[] tokenIds(int end) {
        return Arrays.copyOf(tokens, end);
    }

    boolean isSubmitted() {
        return seq != null;
    }

    void submitted(long arrivalNumber, SeqId seqId) {
        this.arrival = arrivalNumber;
        this.seq = seqId;
    }

    void admitted(int computed) {
        status = Status.RUNNING;
        numComputedTokens = computed;
    }

    void computed(int numNewTokens) {
        numComputedTokens += numNewTokens;
    }

    void append(int token) {
        if (numTokens == tokens.length) {
            tokens = Arrays.copyOf(tokens, Math.min(maxTokens(), 2 * tokens.length));
        }
        tokens[numTokens++] = token;
    }

    void preempted() {
        status = Status.WAITING;
        numComputedTokens = 0;
        numPreemptions++;
    }

    void finished(FinishReason reason, String detail) {
        status = Status.FINISHED;
        finishReason = reason;
        finishDetail = detail;
    }
}
