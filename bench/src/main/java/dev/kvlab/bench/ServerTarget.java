package dev.kvlab.bench;

import java.net.URI;

/**
 * An OpenAI-compatible server for {@code kvlab bench --server}.
 *
 * @param baseUrl the API root, e.g. {@code http://127.0.0.1:8000/v1} (a URL without a path gets {@code /v1})
 * @param model   the model name to send; null = the first one {@code GET /v1/models} lists
 * @param apiKey  sent as {@code Authorization: Bearer KEY}; null = none
 */
public record ServerTarget(URI baseUrl, String model, String apiKey) {
    public ServerTarget {
        String s = baseUrl.toString();
        if (!"http".equals(baseUrl.getScheme()) && !"https".equals(baseUrl.getScheme()) || baseUrl.getHost() == null) {
            throw new IllegalArgumentException("--server must be an http(s) URL like http://127.0.0.1:8000/v1, got '"
                    + s + "'");
        }
        String path = baseUrl.getPath() == null || baseUrl.getPath().isEmpty() || baseUrl.getPath().equals("/")
                ? "/v1" : baseUrl.getPath().replaceAll("/+$", "");
        baseUrl = URI.create(baseUrl.getScheme() + "://" + baseUrl.getAuthority() + path);
    }

    public URI resolve(String endpoint) {
        return URI.create(baseUrl + endpoint);
    }

    /** An endpoint at the server's root rather than under the API path ({@code /v1} dropped): vLLM's admin ones. */
    public URI root(String endpoint) {
        String path = baseUrl.getPath().replaceAll("/v1$", "");
        return URI.create(baseUrl.getScheme() + "://" + baseUrl.getAuthority() + path + endpoint);
    }

    public ServerTarget withModel(String m) {
        return new ServerTarget(baseUrl, m, apiKey);
    }
}
