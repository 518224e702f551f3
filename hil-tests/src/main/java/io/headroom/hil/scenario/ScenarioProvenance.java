package io.headroom.hil.scenario;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * What a scenario's report records so that its run can be reproduced: the seed, the commit of the code that ran it,
 * the site file (path and SHA-256), the data folder, and what the appliance restored from that folder's journal at
 * start (overrides, feeds in maintenance) — nothing, in the fresh folder a scenario gets unless {@code --data} says
 * otherwise.
 *
 * @param restoredOverrides   {@code NODE at W W/GPU by WHO} per override in force when the scenario started
 * @param restoredMaintenance the feeds in maintenance when it started
 */
public record ScenarioProvenance(long seed, String commit, String sitePath, String siteSha256, String dataDir,
                                 List<String> restoredOverrides, List<String> restoredMaintenance) {

    public ScenarioProvenance {
        restoredOverrides = List.copyOf(restoredOverrides);
        restoredMaintenance = List.copyOf(restoredMaintenance);
    }

    public JsonObject json() {
        return new JsonObject().put("seed", seed).put("commit", commit).put("siteFile", sitePath)
                .put("siteSha256", siteSha256).put("dataDir", dataDir)
                .put("restored", new JsonObject().put("overrides", new JsonArray(restoredOverrides))
                        .put("maintenance", new JsonArray(restoredMaintenance)));
    }

    /** SHA-256 of a file, lower-case hex; "unknown" if it cannot be read. */
    public static String sha256(Path file) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        } catch (IOException | NoSuchAlgorithmException e) {
            return "unknown";
        }
    }

    /**
     * The commit checked out in the git work tree at {@code home}, read from {@code .git} without running git (a
     * linked work tree's {@code gitdir:} file, {@code HEAD}, loose and packed refs); "unknown" if there is none.
     */
    public static String commit(Path home) {
        try {
            Path git = home.resolve(".git");
            if (Files.isRegularFile(git)) {
                String line = Files.readString(git, StandardCharsets.UTF_8).strip();
                if (!line.startsWith("gitdir:")) {
                    return "unknown";
                }
                git = home.resolve(line.substring("gitdir:".length()).strip());
            }
            if (!Files.isDirectory(git)) {
                return "unknown";
            }
            Path common = git;
            Path commondir = git.resolve("commondir");
            if (Files.isRegularFile(commondir)) {
                common = git.resolve(Files.readString(commondir, StandardCharsets.UTF_8).strip()).normalize();
            }
            String head = Files.readString(git.resolve("HEAD"), StandardCharsets.UTF_8).strip();
            if (!head.startsWith("ref:")) {
                return hex(head);
            }
            String ref = head.substring("ref:".length()).strip();
            for (Path dir : List.of(git, common)) {
                Path loose = dir.resolve(ref);
                if (Files.isRegularFile(loose)) {
                    return hex(Files.readString(loose, StandardCharsets.UTF_8).strip());
                }
            }
            for (Path dir : List.of(git, common)) {
                Path packed = dir.resolve("packed-refs");
                if (Files.isRegularFile(packed)) {
                    for (String l : Files.readAllLines(packed, StandardCharsets.UTF_8)) {
                        if (l.endsWith(" " + ref)) {
                            return hex(l.substring(0, l.indexOf(' ')));
                        }
                    }
                }
            }
            return "unknown";
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    private static String hex(String s) {
        return s.matches("[0-9a-f]{40}([0-9a-f]{24})?") ? s : "unknown";
    }

    /**
     * The overrides and feeds in maintenance the appliance serves at {@code apiBase} now (what it restored from its
     * journal, at start); empty lists if it does not answer.
     */
    public static List<List<String>> restored(String apiBase) {
        List<String> overrides = new ArrayList<>();
        List<String> maintenance = new ArrayList<>();
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build()) {
            JsonObject o = get(http, apiBase + "/api/v1/overrides");
            JsonArray list = o == null ? null : o.getJsonArray("overrides");
            for (int i = 0; list != null && i < list.size(); i++) {
                JsonObject x = list.getJsonObject(i);
                overrides.add(x.getString("node") + " at " + x.getValue("capPerGpuW") + " W/GPU by " + x.getString("setBy")
                        + " until " + x.getString("expiresAt"));
            }
            JsonObject site = get(http, apiBase + "/api/v1/site");
            JsonArray feeds = site == null ? null : site.getJsonArray("feeds");
            for (int i = 0; feeds != null && i < feeds.size(); i++) {
                JsonObject f = feeds.getJsonObject(i);
                Object m = f.getValue("maintenance");
                if (m instanceof JsonObject || Boolean.TRUE.equals(m)) {
                    maintenance.add(f.getString("id"));
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return List.of(overrides, maintenance);
    }

    private static JsonObject get(HttpClient http, String url) throws InterruptedException {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).GET()
                    .build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? new JsonObject(r.body()) : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
