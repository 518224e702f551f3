package io.headroom.grid.journal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.headroom.grid.Commitment;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Commitments as small JSON objects in the journal: {kind, id, start, end, value, currency?, origin}. */
final class CommitmentCodec {

    private static final ObjectMapper M = new ObjectMapper();

    private CommitmentCodec() {
    }

    static ObjectNode node(Commitment c) {
        ObjectNode n = M.createObjectNode();
        n.put("id", c.id()).put("start", c.start().toString()).put("end", c.end().toString()).put("origin", c.origin());
        switch (c) {
            case Commitment.ImportLimit l -> n.put("kind", "import").put("value", l.limitW());
            case Commitment.ExportLimit l -> n.put("kind", "export").put("value", l.limitW());
            case Commitment.Price p -> n.put("kind", "price").put("value", p.perKwh()).put("currency", p.currency());
            case Commitment.SimpleLevel s -> n.put("kind", "simple").put("value", s.level());
        }
        return n;
    }

    static String write(Commitment c) {
        return node(c).toString();
    }

    static String writeAll(List<Commitment> cs) {
        ArrayNode a = M.createArrayNode();
        cs.forEach(c -> a.add(node(c)));
        return a.toString();
    }

    static Commitment fromNode(JsonNode n) {
        String id = n.get("id").asText();
        Instant s = Instant.parse(n.get("start").asText());
        Instant e = Instant.parse(n.get("end").asText());
        String origin = n.path("origin").asText("");
        double v = n.get("value").asDouble();
        return switch (n.get("kind").asText()) {
            case "import" -> new Commitment.ImportLimit(id, s, e, v, origin);
            case "export" -> new Commitment.ExportLimit(id, s, e, v, origin);
            case "price" -> new Commitment.Price(id, s, e, v, n.path("currency").asText(""), origin);
            case "simple" -> new Commitment.SimpleLevel(id, s, e, (int) v, origin);
            default -> throw new IllegalStateException("journal: unknown commitment kind in " + n);
        };
    }

    static Commitment read(String json) {
        try {
            return fromNode(M.readTree(json));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("journal: unreadable commitment " + json, e);
        }
    }

    static List<Commitment> readAll(String json) {
        try {
            List<Commitment> out = new ArrayList<>();
            for (JsonNode n : M.readTree(json)) {
                out.add(fromNode(n));
            }
            return out;
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("journal: unreadable commitments " + json, e);
        }
    }
}
