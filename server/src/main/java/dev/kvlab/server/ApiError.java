package dev.kvlab.server;

import com.google.gson.JsonNull;
import com.google.gson.JsonObject;

/**
 * An answer in OpenAI's error format: {@code {"error": {"message", "type", "param", "code"}}} with its HTTP status.
 * Thrown while handling a request; the handler turns it into the response.
 */
final class ApiError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int status;
    private final String type;
    private final String param;
    private final String code;

    ApiError(int status, String type, String message, String param, String code) {
        super(message, null, false, false);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
    }

    /** 400: a field is missing, of the wrong type or out of range. */
    static ApiError invalid(String param, String message) {
        return new ApiError(400, "invalid_request_error", message, param, null);
    }

    static ApiError unauthorized() {
        return new ApiError(401, "invalid_request_error", "Incorrect API key provided.", null, "invalid_api_key");
    }

    static ApiError notFound(String what) {
        return new ApiError(404, "invalid_request_error", what, null, "not_found");
    }

    static ApiError methodNotAllowed(String method, String path) {
        return new ApiError(405, "invalid_request_error", "Method " + method + " is not allowed on " + path + ".",
                null, "method_not_allowed");
    }

    static ApiError tooLarge(long limit) {
        return new ApiError(413, "invalid_request_error", "The request body is larger than " + limit + " bytes.",
                null, "request_too_large");
    }

    static ApiError overloaded(int capacity) {
        return new ApiError(503, "server_error", "The server is overloaded: " + capacity + " requests are running or "
                + "waiting. Retry later.", null, "overloaded");
    }

    static ApiError unavailable(String message) {
        return new ApiError(503, "server_error", message, null, "unavailable");
    }

    static ApiError internal(String message) {
        return new ApiError(500, "server_error", message, null, "internal_error");
    }

    int status() {
        return status;
    }

    JsonObject json() {
        JsonObject e = new JsonObject();
        e.addProperty("message", getMessage());
        e.addProperty("type", type);
        e.add("param", param == null ? JsonNull.INSTANCE : new com.google.gson.JsonPrimitive(param));
        e.add("code", code == null ? JsonNull.INSTANCE : new com.google.gson.JsonPrimitive(code));
        JsonObject root = new JsonObject();
        root.add("error", e);
        return root;
    }
}
