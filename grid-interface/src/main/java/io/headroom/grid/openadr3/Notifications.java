package io.headroom.grid.openadr3;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.headroom.grid.openadr3.model.Notification;

import java.io.IOException;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;

/**
 * Reads what a VTN posts to a subscription callback, in the shapes VTNs send:
 * <ul>
 *   <li>the 3.1 notification object, camelCase ({@code objectType}, {@code operation}, {@code object});</li>
 *   <li>the same object <b>encoded twice</b>: a JSON string whose content is the notification (a VTN that serialises
 *       the object to a string and then posts that string as JSON, as VTNs derived from the reference implementation
 *       do);</li>
 *   <li><b>snake_case</b> keys ({@code object_type}, {@code program_id}, {@code interval_period},
 *       {@code created_date_time}: the reference implementation's Python models' own names), at any depth; {@code _id}
 *       becomes {@code ID} as in the spec ({@code programID}, {@code eventID}, {@code venID}).</li>
 * </ul>
 * Operations and object types are upper-cased (3.1: CREATE/UPDATE/DELETE; 3.0.1: POST/PUT/DELETE). A notification is
 * only a hint: the VEN confirms it against the VTN ({@code GET /events/{id}}) before it acts on it.
 */
public final class Notifications {

    private Notifications() {
    }

    /**
     * The notification in a callback body.
     *
     * @throws Json.BadJsonException with the reason, for anything that is not a notification with an objectType, an
     *                               operation and an object
     */
    public static Notification decode(String body) {
        if (body == null || body.isBlank()) {
            throw new Json.BadJsonException("empty notification", null);
        }
        JsonNode n;
        try {
            n = Json.MAPPER.readTree(body);
            if (n != null && n.isTextual()) {
                n = Json.MAPPER.readTree(n.asText());
            }
        } catch (IOException e) {
            throw new Json.BadJsonException("notification is not JSON: " + Json.oneLine(e), e);
        }
        if (n == null || !n.isObject()) {
            throw new Json.BadJsonException("notification is not a JSON object", null);
        }
        ObjectNode camel = (ObjectNode) camelCase(n);
        String objectType = camel.path("objectType").asText(null);
        String operation = camel.path("operation").asText(null);
        JsonNode object = camel.get("object");
        if (objectType == null || operation == null || object == null || !object.isObject()) {
            throw new Json.BadJsonException("notification without objectType, operation or object", null);
        }
        camel.put("objectType", objectType.toUpperCase(Locale.ROOT));
        camel.put("operation", operation.toUpperCase(Locale.ROOT));
        try {
            return Json.MAPPER.treeToValue(camel, Notification.class);
        } catch (IOException | IllegalArgumentException e) {
            throw new Json.BadJsonException("not a notification: " + Json.oneLine(e instanceof Exception x ? x : new RuntimeException(e)), e);
        }
    }

    /** The same tree with snake_case keys turned into the spec's camelCase (values untouched). */
    static JsonNode camelCase(JsonNode n) {
        if (n.isObject()) {
            ObjectNode out = JsonNodeFactory.instance.objectNode();
            for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String k = key(e.getKey());
                if (!out.has(k) || k.equals(e.getKey())) {
                    out.set(k, camelCase(e.getValue()));
                }
            }
            return out;
        }
        if (n.isArray()) {
            ArrayNode out = JsonNodeFactory.instance.arrayNode();
            n.forEach(x -> out.add(camelCase(x)));
            return out;
        }
        return n;
    }

    static String key(String k) {
        if (k.indexOf('_') < 0) {
            return k;
        }
        String[] parts = k.split("_");
        if (parts.length == 0) {
            return k; // only underscores: no words to join (found by the fuzzer: "_" threw out of decode)
        }
        StringBuilder b = new StringBuilder(parts[0]);
        for (int i = 1; i < parts.length; i++) {
            String p = parts[i];
            if (p.isEmpty()) {
                continue;
            }
            if (p.equals("id")) {
                b.append("ID");
            } else if (p.equals("url") && i == parts.length - 1) {
                b.append("URL");
            } else {
                b.append(Character.toUpperCase(p.charAt(0))).append(p, 1, p.length());
            }
        }
        return b.toString();
    }
}
