package io.headroom.drivers.gpuprotocol;

import com.code_intelligence.jazzer.junit.FuzzTest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Coverage-guided fuzzing of every decoder of bytes an agent or the appliance receives from the network
 * (Jazzer). In {@code ./mvnw verify} each target replays its committed corpus
 * ({@code src/test/resources/io/headroom/drivers/gpuprotocol/WireFuzzTestInputs/<target>/}) as regression tests;
 * {@code ./headroom fuzz cap-command --for 10m} fuzzes one for real.
 *
 * <p>What a finding is: any exception other than {@link ProtocolException}, a {@link ProtocolException} whose
 * cause is an unanticipated runtime exception (an index out of bounds, a negative size, not an
 * {@link IllegalArgumentException} of a decoder's own check: {@code Wire.strictly}
 * turns those into protocol errors, which keeps the agent alive but hides a missing check), or a message that
 * does not survive its own encoding.
 */
class WireFuzzTest {

    @FuzzTest
    void capCommand(byte[] datagram) {
        roundTrip(datagram, CapCommand::decode);
    }

    @FuzzTest
    void contingencyTable(byte[] datagram) {
        roundTrip(datagram, ContingencyTable::decode);
    }

    @FuzzTest
    void trigger(byte[] datagram) {
        roundTrip(datagram, Trigger::decode);
    }

    @FuzzTest
    void groupTrigger(byte[] datagram) {
        roundTrip(datagram, GroupTrigger::decode);
    }

    /** The answers the appliance decodes: acknowledgements, telemetry, inventory, health. */
    @FuzzTest
    void agentAnswers(byte[] datagram) {
        roundTrip(datagram, CapAck::decode);
        roundTrip(datagram, ContingencyAck::decode);
        roundTrip(datagram, TriggerAck::decode);
        roundTrip(datagram, PowerReport::decode);
        roundTrip(datagram, Health::decode);
        roundTrip(datagram, Inventory::decode);
    }

    @FunctionalInterface
    interface Decoder {
        Message decode(byte[] b) throws ProtocolException;
    }

    static void roundTrip(byte[] datagram, Decoder decoder) {
        Message m;
        try {
            m = decoder.decode(datagram.clone());
        } catch (ProtocolException e) {
            Throwable cause = e.getCause();
            // a decoder's own checks throw IllegalArgumentException (or a checked exception such as a charset's);
            // any other runtime exception is a check that is missing
            if (cause instanceof RuntimeException && !(cause instanceof IllegalArgumentException)) {
                throw new AssertionError("a malformed payload was caught only as " + cause, e);
            }
            return;
        }
        byte[] once = m.encode();
        Message again;
        try {
            again = decoder.decode(once);
        } catch (ProtocolException e) {
            throw new AssertionError(m.type() + " decoded from " + datagram.length + " bytes does not decode from its own encoding", e);
        }
        assertThat(again.encode()).as("%s re-encoded", m.type()).isEqualTo(once);
    }
}
