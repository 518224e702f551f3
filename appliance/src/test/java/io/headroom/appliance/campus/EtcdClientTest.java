package io.headroom.appliance.campus;

import org.junit.jupiter.api.Test;

import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;

/** The parts of the etcd gateway client that need no etcd. */
class EtcdClientTest {

    private static byte[] decoded(String b64) {
        return Base64.getDecoder().decode(b64);
    }

    @Test
    void aPrefixsRangeEndIsItsBytesWithTheLastRaisedEvenBeyondAscii() {
        assertThat(decoded(EtcdClient.prefixEnd("/headroom/campus/a/"))).isEqualTo("/headroom/campus/a0".getBytes());
        // "é" is C3 A9 in UTF-8: the end is C3 AA, which is no UTF-8 text (decoding it as text would change it)
        assertThat(decoded(EtcdClient.prefixEnd("/é"))).containsExactly(0x2f, 0xc3, 0xaa);
        assertThat(decoded(EtcdClient.prefixEnd("a\u00ff"))).as("C3 BF: the last byte raised to C0")
                .containsExactly(0x61, 0xc3, 0xc0);
    }
}
