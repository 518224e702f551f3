package io.headroom.image;

import io.headroom.common.SdNotify;

import io.headroom.testsupport.NotifySocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SdNotifyTest {

    @TempDir
    Path dir;

    @Test
    void sendsOneDatagramToAPathSocket() throws Throwable {
        String name = dir.resolve("notify").toString();
        try (NotifySocket systemd = new NotifySocket(name)) {
            assertThat(SdNotify.to(name).send("READY=1\nSTATUS=up")).isTrue();
            assertThat(systemd.poll()).isEqualTo("READY=1\nSTATUS=up");
            assertThat(systemd.poll()).isNull();
        }
    }

    @Test
    void sendsToAnAbstractSocket() throws Throwable {
        String name = "@headroom-test-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        try (NotifySocket systemd = new NotifySocket(name)) {
            SdNotify.to(name).send("WATCHDOG=1");
            assertThat(systemd.poll()).isEqualTo("WATCHDOG=1");
        }
    }

    @Test
    void aMissingSocketIsAnErrorWithLibcsReason() {
        String name = dir.resolve("nobody-listens").toString();
        assertThatThrownBy(() -> SdNotify.to(name).send("READY=1"))
                .isInstanceOf(SdNotify.NotifyException.class)
                .hasMessageContaining(name)
                .hasMessageContaining("No such file or directory");
    }

    @Test
    void aNameTooLongForSockaddrUnIsRefused() {
        assertThatThrownBy(() -> SdNotify.to("/" + "x".repeat(200)).send("READY=1"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("socket name");
    }
}
