package dev.chime.console.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** Request bodies: one JSON object, or a 400 that says what was wrong and where. */
final class JsonBodies {

    private JsonBodies() {
    }

    /** @param expected what the object should hold, for the message ("id, task and trigger") */
    static JsonNode object(ObjectMapper mapper, byte[] body, String expected) {
        if (body.length == 0) {
            throw new HttpError(400, "request body: expected a JSON object with " + expected + ", got nothing");
        }
        JsonNode json;
        try {
            json = mapper.readTree(body);
        } catch (JsonProcessingException e) {
            var at = e.getLocation();
            throw new HttpError(400, "request body: not valid JSON" + (at == null ? "" : " at line " + at.getLineNr()
                    + ", column " + at.getColumnNr()));
        } catch (java.io.IOException e) {
            throw new HttpError(400, "request body: cannot be read");
        }
        if (json == null || !json.isObject()) {
            throw new HttpError(400, "request body: expected a JSON object with " + expected + ", got "
                    + (json == null ? "nothing" : json.getNodeType()));
        }
        return json;
    }
}
