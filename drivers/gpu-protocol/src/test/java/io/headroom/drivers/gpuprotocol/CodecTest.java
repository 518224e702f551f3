package io.headroom.drivers.gpuprotocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

class CodecTest {

    private static final Inventory INVENTORY = new Inventory(List.of(
            new GpuLimits(200, 700, 700), new GpuLimits(150.5, 400, 350)));
    private static final PowerReport POWER = new PowerReport(LeaseState.CAPPED, 123_456_789L, 812.25,
            List.of(new GpuPower(412.25, 450), new GpuPower(400, 400)));
    private static final CapCommand CAP = new CapCommand(0x0102030405060708L, 42, 5000, List.of(300.0, 312.5));
    private static final CapAck ACK = new CapAck(-7L, 42, 10_000, 15_000, 612.5, List.of(300.0, 312.5));
    private static final Health HEALTH = new Health(LeaseState.SAFE_CAP, 17, 99, 42, List.of(250.0, 200.0),
            "stale sequence 41 ≤ 42");

    private static List<Message> samples() {
        return List.of(INVENTORY, POWER, CAP, ACK, HEALTH,
                new Inventory(List.of()),
                new PowerReport(LeaseState.UNCAPPED, 0, 0, List.of()),
                new Health(LeaseState.UNCAPPED, Health.NEVER, 0, Health.NO_SEQUENCE, List.of(), ""),
                TABLE, new ContingencyTable(1, 0, 0, KEY, 1, List.of()), new ContingencyAck(7, 3, 12, 2, 5685),
                Trigger.signed(12, 3, 1, KEY),
                decodeAck(TriggerAck.encodeSigned(12, 3, 1, TriggerAck.Status.APPLIED, 1234, 800, KEY,
                        new TriggerKey.Scratch())),
                GroupTrigger.signed(2, 0x0102030405060708L, 3, 1, KEY), MULTICAST_TABLE,
                new ContingencyTable(1, 0, 0, KEY, 1, List.of(), new ContingencyTable.Multicast(0, KEY,
                        address("ff02::1:2"), 5686)));
    }



    static final TriggerKey KEY = TriggerKey.of(HexFormat.of().parseHex(
            "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"));
    static final ContingencyTable TABLE = new ContingencyTable(0x0102030405060708L, 3, 12, KEY, 2000, List.of(
            new ContingencyTable.Contingency(0, List.of(300.0, 310.0)),
            new ContingencyTable.Contingency(1, List.of(250.0, 260.5))));

    static java.net.InetAddress address(String a) {
        try {
            return java.net.InetAddress.getByName(a);
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    static final ContingencyTable MULTICAST_TABLE = new ContingencyTable(0x0102030405060708L, 3, 12, KEY, 2000, List.of(
            new ContingencyTable.Contingency(0, List.of(300.0, 310.0))),
            new ContingencyTable.Multicast(2, KEY, address("239.255.72.1"), 5686));

    private static TriggerAck decodeAck(byte[] b) {
        try {
            return TriggerAck.decode(b);
        } catch (ProtocolException e) {
            throw new AssertionError(e);
        }
    }

    // ------------------------------------------------------------------ round trips

    @Test
    void everyMessageRoundTripsThroughItsOwnDecoderAndTheDispatcher() throws Exception {
        for (Message m : samples()) {
            byte[] bytes = m.encode();
            assertThat(bytes[0]).as("version byte of %s", m).isEqualTo((byte) 1);
            assertThat(bytes[1] & 0xFF).as("type byte of %s", m).isEqualTo(m.type().code());
            Message typed = switch (m) {
                case Inventory i -> Inventory.decode(bytes);
                case PowerReport p -> PowerReport.decode(bytes);
                case CapCommand c -> CapCommand.decode(bytes);
                case CapAck a -> CapAck.decode(bytes);
                case Health h -> Health.decode(bytes);
                case ContingencyTable t -> ContingencyTable.decode(bytes);
                case ContingencyAck a -> ContingencyAck.decode(bytes);
                case Trigger t -> Trigger.decode(bytes);
                case TriggerAck a -> TriggerAck.decode(bytes);
                case GroupTrigger g -> GroupTrigger.decode(bytes);
            };
            assertThat(typed).isEqualTo(m);
            assertThat(Message.decode(bytes)).isEqualTo(m);
        }
    }

    @Test
    void sizesMatchTheReadme() {
        assertThat(INVENTORY.encode()).hasSize(3 + 12 * 2);
        assertThat(POWER.encode()).hasSize(16 + 8 * 2);
        assertThat(CAP.encode()).hasSize(23 + 4 * 2);
        assertThat(ACK.encode()).hasSize(39 + 4 * 2);
        assertThat(HEALTH.encode()).hasSize(26 + 4 * 2 + "stale sequence 41 ≤ 42".getBytes(
                java.nio.charset.StandardCharsets.UTF_8).length);
    }

    @Test
    void contingencyMessagesHaveTheDocumentedSizesAndBytes() throws Exception {
        assertThat(TABLE.encode()).hasSize(60 + 2 * (2 + 4 * 2));
        assertThat(new ContingencyAck(7, 3, 12, 2, 5685).encode()).hasSize(25);
        Trigger t = Trigger.signed(12, 3, 1, KEY);
        byte[] tb = t.encode();
        assertThat(tb).hasSize(32);
        assertThat(HexFormat.of().formatHex(tb, 0, 16)).isEqualTo(
                "01" + "08" + "0000000c" + "0000000000000003" + "0001");
        // MAC = HMAC-SHA256(key, first 16 bytes), truncated to 16 bytes: checked against the JDK's HmacSHA256
        javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
        mac.init(new javax.crypto.spec.SecretKeySpec(KEY.bytes(), "HmacSHA256"));
        byte[] expected = java.util.Arrays.copyOf(mac.doFinal(java.util.Arrays.copyOf(tb, 16)), 16);
        assertThat(t.mac()).isEqualTo(expected);
        assertThat(t.authentic(KEY)).isTrue();
        assertThat(t.authentic(TriggerKey.of(new byte[32]))).isFalse();
        byte[] ack = TriggerAck.encodeSigned(12, 3, 1, TriggerAck.Status.ALREADY_APPLIED, 99, 700, KEY,
                new TriggerKey.Scratch());
        assertThat(ack).hasSize(45);
        assertThat(TriggerAck.decode(ack).authentic(KEY)).isTrue();
        assertThat(TriggerAck.decode(ack).status()).isEqualTo(TriggerAck.Status.ALREADY_APPLIED);
        ack[20] ^= 1;
        assertThat(TriggerAck.decode(ack).authentic(KEY)).as("a flipped bit breaks the MAC").isFalse();
        assertThat(TABLE.toJson()).doesNotContain("0001020304").contains("\"epoch\":3");
    }

    @Test
    void groupTriggersAndMulticastTablesHaveTheDocumentedSizesAndBytes() throws Exception {
        GroupTrigger g = GroupTrigger.signed(2, 0x0102030405060708L, 3, 1, KEY);
        byte[] gb = g.encode();
        assertThat(gb).hasSize(38);
        assertThat(HexFormat.of().formatHex(gb, 0, 22)).isEqualTo(
                "01" + "0a" + "0002" + "0102030405060708" + "0000000000000003" + "0001");
        javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
        mac.init(new javax.crypto.spec.SecretKeySpec(KEY.bytes(), "HmacSHA256"));
        assertThat(g.mac()).isEqualTo(java.util.Arrays.copyOf(mac.doFinal(java.util.Arrays.copyOf(gb, 22)), 16));
        // the table: 60 + one contingency of 2 GPUs (10), then group u16, key 32, port u16, length u8, address 4
        byte[] t = MULTICAST_TABLE.encode();
        assertThat(t).hasSize(60 + 10 + 2 + 32 + 2 + 1 + 4);
        assertThat(HexFormat.of().formatHex(t, 70, 72)).isEqualTo("0002");
        assertThat(HexFormat.of().formatHex(t, 104, 111)).isEqualTo("1636" + "04" + "efff4801");
        assertThat(new ContingencyTable(1, 0, 0, KEY, 1, List.of(), new ContingencyTable.Multicast(0, KEY,
                address("ff02::1:2"), 5686)).encode()).hasSize(60 + 2 + 32 + 2 + 1 + 16);
        assertThat(MULTICAST_TABLE.toJson()).contains("\"multicast\":{\"groupId\":2,\"address\":\"239.255.72.1\",\"port\":5686}")
                .doesNotContain("0001020304");
        assertThat(MULTICAST_TABLE.multicast().toString()).doesNotContain("0001020304");
        // a truncated or bad multicast block is named
        assertThatThrownBy(() -> ContingencyTable.decode(java.util.Arrays.copyOf(t, t.length - 1)))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("and a multicast block needs at least 111 bytes, got 110");
        byte[] badLen = t.clone();
        badLen[106] = 5;
        assertThatThrownBy(() -> ContingencyTable.decode(badLen)).isInstanceOf(ProtocolException.class)
                .hasMessageContaining("multicast address of 5 bytes (4 or 16 expected)");
        byte[] unicastAddress = t.clone();
        unicastAddress[107] = 10;
        assertThatThrownBy(() -> ContingencyTable.decode(unicastAddress)).isInstanceOf(ProtocolException.class)
                .hasMessageContaining("is not a multicast address");
        assertThatThrownBy(() -> GroupTrigger.decode(java.util.Arrays.copyOf(gb, 37)))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("GroupTrigger: truncated payload");
    }

    @Test
    void contingencyTableRefusesInconsistentTables() {
        assertThatThrownBy(() -> new ContingencyTable(1, 1, 1, KEY, 10, List.of(
                new ContingencyTable.Contingency(0, List.of(1.0)), new ContingencyTable.Contingency(0, List.of(2.0)))))
                .hasMessage("contingency id 0 appears twice");
        assertThatThrownBy(() -> new ContingencyTable(1, 1, 1, KEY, 10, List.of(
                new ContingencyTable.Contingency(0, List.of(1.0)), new ContingencyTable.Contingency(1, List.of()))))
                .hasMessage("contingency 1 has 0 caps, the first one has 1");
        assertThatThrownBy(() -> new ContingencyTable(1, -1, 1, KEY, 10, List.of()))
                .hasMessage("epoch is negative (-1)");
        byte[] b = TABLE.encode();
        assertThatThrownBy(() -> ContingencyTable.decode(java.util.Arrays.copyOf(b, b.length - 1)))
                .isInstanceOf(ProtocolException.class)
                .hasMessage("ContingencyTable: truncated payload: 2 contingencies of 2 GPUs needs 80 bytes, got 79");
        byte[] badAck = TriggerAck.encodeSigned(1, 1, 1, TriggerAck.Status.FAILED, 1, 1, KEY, new TriggerKey.Scratch());
        badAck[16] = 9;
        assertThatThrownBy(() -> TriggerAck.decode(badAck)).isInstanceOf(ProtocolException.class)
                .hasMessage("TriggerAck: unknown trigger status 9");
    }

    @Test
    void capCommandBytesAreExactlyAsDocumented() {
        CapCommand c = new CapCommand(0x0102030405060708L, 42, 5000, List.of(300.0));
        assertThat(HexFormat.of().formatHex(c.encode())).isEqualTo(
                "01" + "03" + "0102030405060708" + "000000000000002a" + "00001388" + "01" + "43960000");
    }

    @Test
    void powerReportBytesAreExactlyAsDocumented() {
        PowerReport p = new PowerReport(LeaseState.SAFE_CAP, 1000, 250, List.of(new GpuPower(250, 300)));
        assertThat(HexFormat.of().formatHex(p.encode())).isEqualTo(
                "01" + "02" + "02" + "00000000000003e8" + "437a0000" + "01" + "437a0000" + "43960000");
    }

    @Test
    void wattValuesAreHeldAtWirePrecision() throws Exception {
        CapCommand c = new CapCommand(1, 1, 1000, List.of(0.1));
        assertThat(c.capsW().getFirst()).isEqualTo((double) 0.1f);
        assertThat(CapCommand.decode(c.encode())).isEqualTo(c);
    }

    // ------------------------------------------------------------------ header problems

    @Test
    void emptyOrNullPayloadIsRejected() {
        assertThatThrownBy(() -> Inventory.decode(new byte[0]))
                .isInstanceOf(ProtocolException.class).hasMessage("Inventory: empty payload");
        assertThatThrownBy(() -> CapCommand.decode(null))
                .isInstanceOf(ProtocolException.class).hasMessage("CapCommand: empty payload");
        assertThatThrownBy(() -> Message.decode(new byte[0]))
                .isInstanceOf(ProtocolException.class).hasMessage("message: empty payload");
    }

    @Test
    void wrongVersionIsRejected() {
        byte[] b = CAP.encode();
        b[0] = 2;
        assertThatThrownBy(() -> CapCommand.decode(b)).isInstanceOf(ProtocolException.class)
                .hasMessage("CapCommand: unsupported protocol version 2 (this implementation speaks version 1)");
        assertThatThrownBy(() -> Message.decode(b)).isInstanceOf(ProtocolException.class)
                .hasMessageContaining("unsupported protocol version 2");
    }

    @Test
    void versionByteAloneIsTruncated() {
        assertThatThrownBy(() -> Health.decode(new byte[] {1})).isInstanceOf(ProtocolException.class)
                .hasMessage("Health: truncated payload: 1 byte, the header alone needs 2");
    }

    @Test
    void wrongMessageTypeIsRejected() {
        assertThatThrownBy(() -> Inventory.decode(POWER.encode())).isInstanceOf(ProtocolException.class)
                .hasMessage("Inventory: wrong message type 0x02 (PowerReport), expected 0x01 (Inventory)");
        byte[] unknown = CAP.encode();
        unknown[1] = 0x7F;
        assertThatThrownBy(() -> CapCommand.decode(unknown)).isInstanceOf(ProtocolException.class)
                .hasMessage("CapCommand: wrong message type 0x7F (unknown), expected 0x03 (CapCommand)");
        assertThatThrownBy(() -> Message.decode(unknown)).isInstanceOf(ProtocolException.class)
                .hasMessage("unknown message type 0x7F");
    }

    // ------------------------------------------------------------------ lengths and counts

    @Test
    void truncatedFixedPartIsRejected() {
        byte[] b = java.util.Arrays.copyOf(CAP.encode(), 10);
        assertThatThrownBy(() -> CapCommand.decode(b)).isInstanceOf(ProtocolException.class)
                .hasMessage("CapCommand: truncated payload: 10 bytes, the fixed part alone needs 23");
    }

    @Test
    void countLargerThanTheBytesIsRejected() {
        byte[] b = INVENTORY.encode();
        b[2] = 3; // claims 3 GPUs, carries 2
        assertThatThrownBy(() -> Inventory.decode(b)).isInstanceOf(ProtocolException.class)
                .hasMessage("Inventory: truncated payload: a count of 3 GPUs needs 39 bytes, got 27");
    }

    @Test
    void countSmallerThanTheBytesIsRejected() {
        byte[] b = CAP.encode();
        b[22] = 1; // claims 1 GPU, carries 2
        assertThatThrownBy(() -> CapCommand.decode(b)).isInstanceOf(ProtocolException.class)
                // The 4 bytes after a 1-GPU body read as an extension block header (the smoothing extension).
                .hasMessage("CapCommand: extension block 0x43 of 40000 bytes, only 1 left");
    }

    @Test
    void trailingByteIsRejected() {
        byte[] b = java.util.Arrays.copyOf(POWER.encode(), POWER.encode().length + 1);
        assertThatThrownBy(() -> PowerReport.decode(b)).isInstanceOf(ProtocolException.class)
                .hasMessage("PowerReport: 1 unexpected trailing byte(s): shorter than an extension block's 3-byte header");
    }

    @Test
    void truncatedLastFieldIsRejected() {
        byte[] full = ACK.encode();
        byte[] b = java.util.Arrays.copyOf(full, full.length - 1);
        assertThatThrownBy(() -> CapAck.decode(b)).isInstanceOf(ProtocolException.class)
                .hasMessage("CapAck: truncated payload: a count of 2 GPUs needs at least 47 bytes, got 46");
    }

    @Test
    void healthReasonLengthMustMatch() {
        byte[] full = HEALTH.encode();
        int lengthOffset = 26 - 2 + 4 * 2;
        byte[] longer = full.clone();
        ByteBuffer.wrap(longer).putShort(lengthOffset, (short) 200);
        assertThatThrownBy(() -> Health.decode(longer)).isInstanceOf(ProtocolException.class)
                .hasMessageStartingWith("Health: truncated payload: a count of 2 GPUs and a 200-byte reason needs 234 bytes");
        byte[] shorter = full.clone();
        ByteBuffer.wrap(shorter).putShort(lengthOffset, (short) 3);
        assertThatThrownBy(() -> Health.decode(shorter)).isInstanceOf(ProtocolException.class)
                .hasMessageContaining("unexpected trailing byte(s): a count of 2 GPUs and a 3-byte reason");
        byte[] cut = java.util.Arrays.copyOf(full, 30);
        assertThatThrownBy(() -> Health.decode(cut)).isInstanceOf(ProtocolException.class)
                .hasMessage("Health: truncated payload: a count of 2 GPUs needs at least 34 bytes, got 30");
    }

    @Test
    void healthReasonMustBeUtf8() {
        Health h = new Health(LeaseState.SAFE_CAP, 1, 1, 1, List.of(), "ab");
        byte[] b = h.encode();
        b[b.length - 1] = (byte) 0xC3; // lead byte with no continuation
        assertThatThrownBy(() -> Health.decode(b)).isInstanceOf(ProtocolException.class)
                .hasMessage("Health: reason is not valid UTF-8");
    }

    // ------------------------------------------------------------------ values

    @Test
    void nanCapIsRejected() {
        byte[] b = CAP.encode();
        ByteBuffer.wrap(b).putFloat(23 + 4, Float.NaN);
        assertThatThrownBy(() -> CapCommand.decode(b)).isInstanceOf(ProtocolException.class)
                .hasMessage("CapCommand: cap for GPU 1 is NaN");
    }

    @Test
    void infiniteAndNegativeWattsAreRejected() {
        byte[] inf = POWER.encode();
        ByteBuffer.wrap(inf).putFloat(11, Float.POSITIVE_INFINITY); // totalW
        assertThatThrownBy(() -> PowerReport.decode(inf)).isInstanceOf(ProtocolException.class)
                .hasMessage("PowerReport: totalW is not finite (Infinity)");
        byte[] neg = POWER.encode();
        ByteBuffer.wrap(neg).putFloat(16 + 8 + 4, -5f); // GPU 1 limitW
        assertThatThrownBy(() -> PowerReport.decode(neg)).isInstanceOf(ProtocolException.class)
                .hasMessage("PowerReport: GPU 1 limitW is negative (-5 W)");
        byte[] nanInv = INVENTORY.encode();
        ByteBuffer.wrap(nanInv).putFloat(3 + 4, Float.NaN);
        assertThatThrownBy(() -> Inventory.decode(nanInv)).isInstanceOf(ProtocolException.class)
                .hasMessage("Inventory: GPU 0 maxW is NaN");
    }

    @Test
    void inconsistentRangeIsRejected() {
        byte[] b = INVENTORY.encode();
        ByteBuffer.wrap(b).putFloat(3 + 12, 800f); // GPU 1 minW above its maxW 400
        assertThatThrownBy(() -> Inventory.decode(b)).isInstanceOf(ProtocolException.class)
                .hasMessage("Inventory: GPU 1 minW 800 W > maxW 400 W");
    }

    @Test
    void unknownLeaseStateIsRejected() {
        byte[] b = POWER.encode();
        b[2] = 7;
        assertThatThrownBy(() -> PowerReport.decode(b)).isInstanceOf(ProtocolException.class)
                .hasMessage("PowerReport: unknown lease state code 7 (known: 0 UNCAPPED, 1 CAPPED, 2 SAFE_CAP)");
        byte[] h = HEALTH.encode();
        h[2] = (byte) 0xFF;
        assertThatThrownBy(() -> Health.decode(h)).isInstanceOf(ProtocolException.class)
                .hasMessageContaining("unknown lease state code 255");
    }

    @Test
    void nonPositiveLeaseAndNegativeSequenceAreRejected() {
        byte[] zeroLease = CAP.encode();
        ByteBuffer.wrap(zeroLease).putInt(18, 0);
        assertThatThrownBy(() -> CapCommand.decode(zeroLease)).isInstanceOf(ProtocolException.class)
                .hasMessage("CapCommand: lease 0 ms is not positive");
        byte[] negSeq = CAP.encode();
        ByteBuffer.wrap(negSeq).putLong(10, -1);
        assertThatThrownBy(() -> CapCommand.decode(negSeq)).isInstanceOf(ProtocolException.class)
                .hasMessage("CapCommand: sequence is negative (-1)");
    }

    @Test
    void ackExpiringBeforeItWasSentIsRejected() {
        byte[] b = ACK.encode();
        ByteBuffer.wrap(b).putLong(26, 9_999); // leaseExpiresAtMs < agentTimeMs 10000
        assertThatThrownBy(() -> CapAck.decode(b)).isInstanceOf(ProtocolException.class)
                .hasMessage("CapAck: leaseExpiresAtMs 9999 is before agentTimeMs 10000");
    }

    @Test
    void healthSentinelsAreStrict() {
        byte[] b = HEALTH.encode();
        ByteBuffer.wrap(b).putInt(3, -5);
        assertThatThrownBy(() -> Health.decode(b)).isInstanceOf(ProtocolException.class)
                .hasMessage("Health: secondsSinceLastCommand -5 is negative and not -1 (never)");
    }

    @Test
    void recordsRefuseWhatCannotBeEncoded() {
        assertThatThrownBy(() -> new CapCommand(1, 1, 1000, List.of(Double.NaN)))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("cap for GPU 0 is NaN");
        assertThatThrownBy(() -> new CapCommand(1, 1, 1000, java.util.Collections.nCopies(256, 300.0)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at most 255");
        assertThatThrownBy(() -> new Health(LeaseState.CAPPED, 0, 0, 0, List.of(), "x".repeat(513)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at most 512");
        assertThatThrownBy(() -> new GpuLimits(100, 200, 300))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("defaultW 300 W outside 100..200 W");
    }

    @Test
    void longReasonsAreTruncatedAtACharacterBoundary() {
        String reason = "é".repeat(300); // 600 bytes
        String cut = Health.truncateReason(reason);
        assertThat(cut.getBytes(java.nio.charset.StandardCharsets.UTF_8)).hasSize(512);
        assertThat(cut).isEqualTo("é".repeat(256));
        assertThat(Health.truncateReason("short")).isEqualTo("short");
    }

    // ------------------------------------------------------------------ robustness

    @Test
    void truncationsMutationsAndNoiseOnlyEverThrowProtocolException() {
        Random random = new Random(42);
        List<byte[]> inputs = new ArrayList<>();
        for (Message m : samples()) {
            byte[] good = m.encode();
            for (int len = 0; len < good.length + 3; len++) {
                inputs.add(java.util.Arrays.copyOf(good, len));
            }
            for (int i = 0; i < good.length; i++) {
                for (int k = 0; k < 4; k++) {
                    byte[] b = good.clone();
                    b[i] = (byte) random.nextInt(256);
                    inputs.add(b);
                }
            }
        }
        for (int i = 0; i < 2000; i++) {
            byte[] b = new byte[random.nextInt(64)];
            random.nextBytes(b);
            if (b.length > 0 && random.nextBoolean()) {
                b[0] = 1;
            }
            inputs.add(b);
        }
        int decoded = 0;
        int refused = 0;
        for (byte[] b : inputs) {
            try {
                Message m = Message.decode(b);
                assertThat(m.encode()).as("re-encoding of an accepted payload").isEqualTo(b);
                decoded++;
            } catch (ProtocolException e) {
                assertThat(e.getMessage()).isNotBlank();
                refused++;
            }
        }
        assertThat(decoded + refused).isEqualTo(inputs.size());
        assertThat(refused).isPositive();
        assertThat(decoded).isPositive();
    }

    // ------------------------------------------------------------------ JSON

    @Test
    void inventoryJson() {
        assertThat(new Inventory(List.of(new GpuLimits(200, 700, 700))).toJson()).isEqualTo(
                "{\"version\":1,\"type\":\"inventory\",\"gpuCount\":1,"
                        + "\"gpus\":[{\"gpu\":0,\"minW\":200.0,\"maxW\":700.0,\"defaultW\":700.0}]}");
    }

    @Test
    void powerAndHealthJson() {
        assertThat(POWER.toJson()).isEqualTo("{\"version\":1,\"type\":\"power\",\"state\":\"CAPPED\","
                + "\"agentTimeMs\":123456789,\"totalW\":812.25,\"gpuCount\":2,\"gpus\":["
                + "{\"gpu\":0,\"powerW\":412.25,\"limitW\":450.0},{\"gpu\":1,\"powerW\":400.0,\"limitW\":400.0}]}");
        Health h = new Health(LeaseState.SAFE_CAP, Health.NEVER, 0xABL, Health.NO_SEQUENCE, List.of(250.0),
                "say \"no\"\\\n\u0001");
        assertThat(h.toJson()).isEqualTo("{\"version\":1,\"type\":\"health\",\"state\":\"SAFE_CAP\","
                + "\"secondsSinceLastCommand\":-1,\"session\":\"00000000000000ab\",\"lastSequence\":-1,"
                + "\"gpuCount\":1,\"safeCapsW\":[250.0],"
                + "\"lastRejectedReason\":\"say \\\"no\\\"\\\\\\n\\u0001\"}");
    }

    @Test
    void capJson() {
        assertThat(CAP.toJson()).isEqualTo("{\"version\":1,\"type\":\"cap\",\"session\":\"0102030405060708\","
                + "\"sequence\":42,\"leaseMs\":5000,\"gpuCount\":2,\"capsW\":[300.0,312.5]}");
        assertThat(ACK.toJson()).contains("\"session\":\"fffffffffffffff9\"", "\"appliedLimitsW\":[300.0,312.5]",
                "\"leaseExpiresAtMs\":15000");
    }
}
