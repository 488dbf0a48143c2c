package dev.kvlab.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The hand-written event JSON parses to exactly the object Gson builds for it (the oracle), for awkward texts. */
class StreamEventJsonTest {

    private static JsonObject header() {
        JsonObject o = new JsonObject();
        o.addProperty("id", "cmpl-\"x\\y");
        o.addProperty("object", "text_completion");
        o.addProperty("created", 1_700_000_000L);
        o.addProperty("model", "tiny-random");
        return o;
    }

    private static JsonObject viaGson(int index, String text, JsonObject logprobs, String reason) {
        JsonObject choice = new JsonObject();
        choice.addProperty("index", index);
        choice.addProperty("text", text);
        choice.add("logprobs", logprobs == null ? JsonNull.INSTANCE : logprobs);
        choice.add("finish_reason", reason == null ? JsonNull.INSTANCE : new JsonPrimitive(reason));
        JsonArray list = new JsonArray();
        list.add(choice);
        JsonObject chunk = header();
        chunk.add("choices", list);
        return chunk;
    }

    @Test
    void eventsParseToWhatGsonBuilds() {
        JsonObject lp = new JsonObject();
        lp.add("tokens", new JsonArray());
        lp.getAsJsonArray("tokens").add(" \"a\"");
        StreamEventJson events = new StreamEventJson(header());
        List<String> texts = List.of("", " fox", "quote \" and \\ back", "line\nbreak\r\t\b\f", "\u0000\u001f\u007f",
                "\u2028\u2029", "héllo 世界 😀", "<|endoftext|> </script> &amp;", "\uFFFD");
        int index = 0;
        for (String t : texts) {
            for (JsonObject logprobs : new JsonObject[] {null, lp}) {
                for (String reason : new String[] {null, "stop", "length"}) {
                    String json = events.event(index, t, logprobs, reason);
                    assertEquals(viaGson(index, t, logprobs, reason), JsonParser.parseString(json), json);
                }
            }
            index++;
        }
    }
}
