package io.headroom.hil.scenario;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The commit read from .git without running git, and the site file's SHA-256. */
class ScenarioProvenanceTest {

    static final String SHA = "0123456789abcdef0123456789abcdef01234567";

    @Test
    void aLooseRefAPackedRefADetachedHeadAndALinkedWorkTree(@TempDir Path dir) throws Exception {
        Path repo = dir.resolve("repo");
        Files.createDirectories(repo.resolve(".git/refs/heads"));
        Files.writeString(repo.resolve(".git/HEAD"), "ref: refs/heads/main\n");
        assertThat(ScenarioProvenance.commit(repo)).isEqualTo("unknown"); // no such ref yet
        Files.writeString(repo.resolve(".git/packed-refs"), "# pack-refs with: peeled\n" + SHA + " refs/heads/main\n");
        assertThat(ScenarioProvenance.commit(repo)).isEqualTo(SHA);
        String loose = SHA.replace('0', 'f');
        Files.writeString(repo.resolve(".git/refs/heads/main"), loose + "\n");
        assertThat(ScenarioProvenance.commit(repo)).isEqualTo(loose);
        // a linked work tree: .git is a file naming its gitdir, whose commondir holds the refs
        Path wt = dir.resolve("wt");
        Path gitdir = repo.resolve(".git/worktrees/wt");
        Files.createDirectories(gitdir);
        Files.createDirectories(wt);
        Files.writeString(wt.resolve(".git"), "gitdir: " + gitdir + "\n");
        Files.writeString(gitdir.resolve("HEAD"), "ref: refs/heads/main\n");
        Files.writeString(gitdir.resolve("commondir"), "../..\n");
        assertThat(ScenarioProvenance.commit(wt)).isEqualTo(loose);
        Files.writeString(gitdir.resolve("HEAD"), SHA + "\n"); // detached
        assertThat(ScenarioProvenance.commit(wt)).isEqualTo(SHA);
        assertThat(ScenarioProvenance.commit(dir.resolve("nowhere"))).isEqualTo("unknown");
    }

    @Test
    void theSiteFilesSha256AndTheJson(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("site.yaml");
        Files.writeString(f, "abc");
        assertThat(ScenarioProvenance.sha256(f)).isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assertThat(ScenarioProvenance.sha256(dir.resolve("none"))).isEqualTo("unknown");
        ScenarioProvenance p = new ScenarioProvenance(7, SHA, f.toString(), "x", "/d", List.of("r1-n1 at 300 W/GPU"), List.of("B"));
        assertThat(p.json().getLong("seed")).isEqualTo(7);
        assertThat(p.json().getJsonObject("restored").getJsonArray("maintenance").getList()).containsExactly("B");
    }
}
