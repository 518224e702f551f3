package io.headroom.grid.openadr2b;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Coverage-guided fuzzing (Jazzer) of what an OpenADR 2.0b VTN's reply goes through before the VEN reads it: XML
 * parsing (no external entities, no DTDs) and {@link OadrSignature#verify} (XML-DSig with exclusive or inclusive
 * C14N, the signature-wrapping defences, timestamp and nonce). Two shapes of input:
 * <ul>
 *   <li>any document: it is refused ({@link Xml.BadXmlException}, {@link OadrSignature.RefusedException}) or, since
 *       a signature is required, verified as signed — never another exception;</li>
 *   <li>a reply signed by the VTN's key, then edited where and how the fuzzer chooses: if the VEN still accepts it, the
 *       message it hands on must be the one that was signed (a wrapped or edited copy never passes).</li>
 * </ul>
 * {@code ./headroom fuzz oadr2b-signature --for 10m} fuzzes for real.
 */
class SignatureFuzzTest {

    private static final Instant T0 = Instant.parse("2026-11-22T16:00:00Z");
    private static final Clock CLOCK = Clock.fixed(T0, ZoneOffset.UTC);
    private static final String REPLY = OadrMessages.createdPartyRegistration("200", "OK", "r1", "reg-1", "ven-1", "vtn-1",
            Duration.ofSeconds(10));
    private static final OadrSignature VTN;
    private static final OadrSignature VEN;
    private static final X509Certificate VTN_CERT;

    static {
        try {
            TestCerts.Party vtn = TestCerts.party("EC", "fuzz-ca", "vtn", true);
            TestCerts.Party ven = TestCerts.party("EC", "fuzz-ca", "ven-1", false);
            VTN = OadrSignature.fromPem(vtn.cert(), vtn.key(), vtn.ca(), CLOCK, Duration.ofMinutes(5), 100);
            VEN = OadrSignature.fromPem(ven.cert(), ven.key(), ven.ca(), CLOCK, Duration.ofMinutes(5), 100);
            VTN_CERT = (X509Certificate) OadrTls.certificates(vtn.cert()).getFirst();
        } catch (Exception e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @FuzzTest
    void signedReply(FuzzedDataProvider data) {
        String xml;
        boolean edited = data.consumeBoolean();
        if (edited) {
            String signed = VTN.sign(REPLY); // a fresh nonce each time: a replay refusal would hide the rest
            int at = data.consumeInt(0, signed.length());
            int cut = data.consumeInt(0, Math.min(64, signed.length() - at));
            xml = signed.substring(0, at) + data.consumeString(256) + signed.substring(at + cut);
        } else {
            xml = data.consumeRemainingAsString();
        }
        OadrSignature.Verified v;
        try {
            v = VEN.verify(xml, VTN_CERT, true);
        } catch (Xml.BadXmlException refused) {
            assertThat(refused.getMessage()).isNotBlank();
            return;
        }
        assertThat(v.signed()).as("a signature is required").isTrue();
        if (edited) {
            assertThat(Xml.local(v.message())).isEqualTo("oadrCreatedPartyRegistration");
            assertThat(v.message().getTextContent().strip()).as("the message handed on is the one signed")
                    .isEqualTo(Xml.message(REPLY).getTextContent().strip());
        }
    }
}
