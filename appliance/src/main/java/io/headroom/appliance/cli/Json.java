package io.headroom.appliance.cli;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** {@code --json} output: indented for a person at a terminal, compact (as it came) for a pipe or a file. */
public final class Json {

    private Json() {
    }

    /** Whether standard output is a terminal (a console that is one, not a redirected stream). */
    public static boolean terminal() {
        java.io.Console c = System.console();
        return c != null && c.isTerminal();
    }

    /** {@code body} indented if {@code pretty} and it parses as a JSON object or array; else as it came. */
    public static String forOutput(String body, boolean pretty) {
        if (!pretty) {
            return body;
        }
        String t = body.strip();
        try {
            if (t.startsWith("{")) {
                return new JsonObject(t).encodePrettily();
            }
            if (t.startsWith("[")) {
                return new JsonArray(t).encodePrettily();
            }
        } catch (DecodeException e) {
            return body;
        }
        return body;
    }
}
