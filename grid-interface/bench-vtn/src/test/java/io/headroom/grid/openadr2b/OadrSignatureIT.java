package io.headroom.grid.openadr2b;

import io.headroom.testsupport.TestClock;

import org.junit.jupiter.api.Test;

import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The 2.0b XML signature and its replay protection, message by message (no network). */
class OadrSignatureIT {

    static final Instant T0 = Instant.parse("2026-11-22T16:00:00Z");

    final TestClock clock = new TestClock(T0);

    static OadrSignature of(TestCerts.Party p, java.time.Clock clock) {
        return OadrSignature.fromPem(p.cert(), p.key(), p.ca(), clock, Duration.ofMinutes(5), 100);
    }

    static X509Certificate cert(TestCerts.Party p) throws Exception {
        return (X509Certificate) OadrTls.certificates(p.cert()).getFirst();
    }

    @Test
    void signedMessagesOfBothKeyTypesValidateAgainstTheXsdsAndVerify() throws Exception {
        for (String alg : List.of("EC", "RSA")) {
            TestCerts.Party ven = TestCerts.party(alg, alg.toLowerCase() + "-ca", "ven-1", false);
            TestCerts.Party vtn = TestCerts.party(alg, alg.toLowerCase() + "-ca", "vtn", true);
            OadrSignature venSide = of(ven, clock);
            OadrSignature vtnSide = of(vtn, clock);
            for (String m : List.of(OadrMessages.createPartyRegistration("r1", null, null, "hall-1", false, true),
                    OadrMessages.poll("ven-1"),
                    OadrMessages.distributeEvent("d1", "vtn", List.of(Ven2bFixture.dispatchEvent("e1", T0, 400))),
                    OadrMessages.response("200", "OK", "r1", "ven-1"))) {
                String signed = venSide.sign(m);
                assertThat(signed).contains("ds:Signature").contains("dsp:ReplayProtect").contains("oadr:Id=\"oadrSignedObject\"")
                        .contains(alg.equals("EC") ? "ecdsa-sha256" : "rsa-sha256").contains("xml-exc-c14n");
                OadrSchema.assertValid(signed);
                OadrSignature.Verified v = vtnSide.verify(signed, cert(ven), true);
                assertThat(v.signed()).isTrue();
                assertThat(Xml.local(v.message())).isEqualTo(Xml.local(Xml.message(m)));
                assertThat(v.timestamp()).isEqualTo(T0);
            }
        }
    }

    @Test
    void repliesSignedWithInclusiveC14nByAnX509v1RsaVtnAreVerifiedAndStillRefusedWhenChanged() throws Exception {
        // issue #24: the VTN signs with inclusive C14N 1.0 and an RSA key of its X.509 v1 test PKI
        TestCerts.Party vtn = TestCerts.v1("utility-test-ca", "localhost");
        TestCerts.Party ven = TestCerts.v1("utility-test-ca", "hall-1-ven");
        OadrSignature vtnSide = of(vtn, clock);
        OadrSignature venSide = of(ven, clock);
        for (String c14n : List.of(javax.xml.crypto.dsig.CanonicalizationMethod.INCLUSIVE,
                javax.xml.crypto.dsig.CanonicalizationMethod.INCLUSIVE_WITH_COMMENTS,
                javax.xml.crypto.dsig.CanonicalizationMethod.EXCLUSIVE_WITH_COMMENTS)) {
            String reply = OadrMessages.createdPartyRegistration("200", "OK", "r1", "reg-1", "ven-1", "vtn-1", Duration.ofSeconds(10));
            String signed = vtnSide.sign(reply, c14n);
            assertThat(signed).contains(c14n).contains("rsa-sha256");
            OadrSchema.assertValid(signed);
            OadrSignature.Verified v = venSide.verify(signed, cert(vtn), true);
            assertThat(Xml.local(v.message())).isEqualTo("oadrCreatedPartyRegistration");
            String tampered = signed.replace("reg-1", "reg-2");
            assertThatThrownBy(() -> venSide.verify(tampered, cert(vtn), true)).isInstanceOf(OadrSignature.RefusedException.class)
                    .hasMessageContaining("digest of the oadrSignedObject");
        }
        // what we sign ourselves stays exclusive C14N, as the profile says
        assertThat(venSide.sign(OadrMessages.poll("ven-1"))).contains("xml-exc-c14n#\"").doesNotContain("REC-xml-c14n-20010315");
    }

    @Test
    void aPayloadChangedByOneByteAfterSigningIsRefused() throws Exception {
        TestCerts.Party ven = TestCerts.party("EC", "bench-ca", "ven-1", false);
        TestCerts.Party vtn = TestCerts.party("EC", "bench-ca", "vtn", true);
        String signed = of(ven, clock).sign(OadrMessages.createPartyRegistration("r1", null, null, "hall-1", false, true));
        String tampered = signed.replace("hall-1", "hall-2");
        assertThat(tampered).isNotEqualTo(signed).hasSameSizeAs(signed);
        assertThatThrownBy(() -> of(vtn, clock).verify(tampered, cert(ven), true))
                .isInstanceOf(OadrSignature.RefusedException.class).hasMessageContaining("digest of the oadrSignedObject");
        // the replay protection is signed too
        String ts = signed.replaceFirst("(<dsp:timestamp>[^<]*)0Z<", "$11Z<");
        assertThat(ts).isNotEqualTo(signed);
        assertThatThrownBy(() -> of(vtn, clock).verify(ts, cert(ven), true))
                .isInstanceOf(OadrSignature.RefusedException.class).hasMessageContaining("digest of the replay protection");
        // the untouched one passes
        assertThat(of(vtn, clock).verify(signed, cert(ven), true).signed()).isTrue();
    }

    @Test
    void aNonceSeenBeforeIsRefusedAndTheCacheIsBounded() throws Exception {
        TestCerts.Party ven = TestCerts.party("EC", "bench-ca", "ven-1", false);
        TestCerts.Party vtn = TestCerts.party("EC", "bench-ca", "vtn", true);
        OadrSignature verifier = of(vtn, clock);
        OadrSignature signer = of(ven, clock);
        String signed = signer.sign(OadrMessages.poll("ven-1"));
        assertThat(verifier.verify(signed, cert(ven), true).signed()).isTrue();
        assertThatThrownBy(() -> verifier.verify(signed, cert(ven), true))
                .isInstanceOf(OadrSignature.RefusedException.class).hasMessageContaining("replay: nonce");
        // a fresh signature of the same message has a fresh nonce
        assertThat(verifier.verify(signer.sign(OadrMessages.poll("ven-1")), cert(ven), true).signed()).isTrue();
        for (int i = 0; i < 150; i++) {
            verifier.verify(signer.sign(OadrMessages.poll("ven-1")), cert(ven), true);
        }
        assertThat(verifier.replayCacheSize()).isEqualTo(100);
    }

    @Test
    void aTimestampOutsideTheWindowIsRefused() throws Exception {
        TestCerts.Party ven = TestCerts.party("EC", "bench-ca", "ven-1", false);
        TestCerts.Party vtn = TestCerts.party("EC", "bench-ca", "vtn", true);
        TestClock venClock = new TestClock(T0.minus(Duration.ofMinutes(6)));
        String stale = of(ven, venClock).sign(OadrMessages.poll("ven-1"));
        assertThatThrownBy(() -> of(vtn, clock).verify(stale, cert(ven), true))
                .isInstanceOf(OadrSignature.RefusedException.class).hasMessageContaining("stale timestamp")
                .hasMessageContaining("outside the replay window of PT5M");
        venClock.advance(Duration.ofMinutes(12));   // 6 min ahead: refused too
        String ahead = of(ven, venClock).sign(OadrMessages.poll("ven-1"));
        assertThatThrownBy(() -> of(vtn, clock).verify(ahead, cert(ven), true)).hasMessageContaining("stale timestamp");
        venClock.advance(Duration.ofMinutes(-10));  // 4 min behind: inside the window
        assertThat(of(vtn, clock).verify(of(ven, venClock).sign(OadrMessages.poll("ven-1")), cert(ven), true).signed()).isTrue();
    }

    @Test
    void aSignatureByACertificateTheCaDidNotIssueOrNotThePeersIsRefused() throws Exception {
        TestCerts.Party ven = TestCerts.party("EC", "bench-ca", "ven-1", false);
        TestCerts.Party other = TestCerts.party("EC", "bench-ca", "ven-2", false);
        TestCerts.Party rogue = TestCerts.party("EC", "rogue-ca", "ven-1", false);
        TestCerts.Party vtn = TestCerts.party("EC", "bench-ca", "vtn", true);
        String byRogue = of(rogue, clock).sign(OadrMessages.poll("ven-1"));
        assertThatThrownBy(() -> of(vtn, clock).verify(byRogue, cert(ven), true))
                .isInstanceOf(OadrSignature.RefusedException.class).hasMessageContaining("is not issued by the configured CA");
        assertThatThrownBy(() -> of(vtn, clock).verify(byRogue, null, false)).hasMessageContaining("is not issued by the configured CA");
        String byOther = of(other, clock).sign(OadrMessages.poll("ven-1"));
        assertThatThrownBy(() -> of(vtn, clock).verify(byOther, cert(ven), true))
                .isInstanceOf(OadrSignature.RefusedException.class).hasMessageContaining("not the TLS peer's");
        assertThat(of(vtn, clock).verify(byOther, cert(other), true).signed()).isTrue();
    }

    @Test
    void aMissingSignatureIsRefusedOnlyWhenSignaturesAreOn() throws Exception {
        TestCerts.Party ven = TestCerts.party("EC", "bench-ca", "ven-1", false);
        TestCerts.Party vtn = TestCerts.party("EC", "bench-ca", "vtn", true);
        String plain = OadrMessages.poll("ven-1");
        assertThatThrownBy(() -> of(vtn, clock).verify(plain, cert(ven), true))
                .isInstanceOf(OadrSignature.RefusedException.class).hasMessageContaining("missing signature");
        assertThat(of(vtn, clock).verify(plain, cert(ven), false).signed()).isFalse();
        // a signature that was stripped of its replay protection reference is not a profile signature
        String signed = of(ven, clock).sign(plain);
        String noProps = signed.replaceFirst("<ds:Reference Type=[^>]*>.*?</ds:Reference>", "");
        assertThat(noProps).isNotEqualTo(signed);
        assertThatThrownBy(() -> of(vtn, clock).verify(noProps, cert(ven), true)).isInstanceOf(OadrSignature.RefusedException.class)
                .hasMessageContaining("ReplayProtect");
    }
}
