package dev.kvlab.server;

import com.google.gson.JsonObject;
import java.util.concurrent.Executor;

/**
 * One HTTP exchange as a completion sees it: either one JSON answer, or a stream of server-sent events. Every method is
 * called on {@link #executor()} (the connection's I/O thread), which also runs the completion's event handling.
 */
interface Exchange {
    /** Runs tasks one at a time, in order. */
    Executor executor();

    /** Sends a complete JSON answer. */
    void json(int status, JsonObject body);

    /** Sends the headers of a 200 {@code text/event-stream} answer. */
    void startEvents();

    /** Sends one {@code data: ...} event. */
    void event(String data);

    /** Ends the event stream. */
    void endEvents();
}
