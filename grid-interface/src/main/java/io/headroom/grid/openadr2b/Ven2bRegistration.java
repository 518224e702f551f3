package io.headroom.grid.openadr2b;

import io.headroom.grid.journal.VenJournal;
import io.headroom.grid.openadr3.VtnException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.w3c.dom.Element;

import java.time.Duration;
import java.util.function.Supplier;

/**
 * The 2.0b VEN's EiRegisterParty: registering ({@code oadrQueryRegistration}, then {@code oadrCreatePartyRegistration}),
 * re-registering when the VTN asks, cancelling from either side; the registrationID, venID, vtnID and the VTN's poll
 * frequency, journaled and restored from the journal. Runs on the VEN's thread; what it holds is read from others.
 */
final class Ven2bRegistration {

    private static final Logger log = LoggerFactory.getLogger(Ven2b.class);

    private final Ven2bConfig cfg;
    private final VenJournal journal;
    private final OadrTransport http;
    private final Supplier<String> requestIds;

    private volatile String venId;
    private volatile String registrationId;
    private volatile String vtnId;
    private volatile Duration vtnPollFreq;

    /** Restores what the journal holds of an earlier registration. */
    Ven2bRegistration(Ven2bConfig cfg, VenJournal journal, OadrTransport http, Supplier<String> requestIds) {
        this.cfg = cfg;
        this.journal = journal;
        this.http = http;
        this.requestIds = requestIds;
        venId = journal.meta("venId").orElse(null);
        registrationId = journal.meta("registrationId").orElse(null);
        vtnId = journal.meta("vtnId").orElse(null);
        vtnPollFreq = journal.meta("vtnPollFreq").map(Duration::parse).orElse(null);
    }

    String venId() {
        return venId;
    }

    String registrationId() {
        return registrationId;
    }

    String vtnId() {
        return vtnId;
    }

    /** What the VTN asked at registration ({@code oadrRequestedOadrPollFreq}); null if it did not. */
    Duration vtnPollFreq() {
        return vtnPollFreq;
    }

    boolean registered() {
        return registrationId != null;
    }

    /** Cancelled by the VTN or by the VEN: the VEN only drains what it owes until re-enrolled. */
    boolean idle() {
        return journal.meta("cancelledByVtn").isPresent() || journal.meta("cancelledByVen").isPresent();
    }

    /** A first registration. */
    void register() {
        register(null, null);
    }

    /** The VTN asked to re-register ({@code oadrRequestReregistration}): acknowledged, then registered again. */
    void reRegister() {
        http.post(OadrMessages.response("200", "OK", "", venId), "EiRegisterParty");
        log.info("OpenADR 2.0b VEN {}: the VTN asks to re-register", cfg.venName());
        register(registrationId, venId);
    }

    private void register(String regId, String knownVenId) {
        Element q = http.post(OadrMessages.queryRegistration(requestIds.get()));
        expect(q, "oadrCreatedPartyRegistration", "oadrQueryRegistration");
        Element c = http.post(OadrMessages.createPartyRegistration(requestIds.get(), regId, knownVenId, cfg.venName(), cfg.reportOnly(),
                cfg.xmlSignature()));
        expect(c, "oadrCreatedPartyRegistration", "oadrCreatePartyRegistration");
        registrationId = Xml.required(c, "registrationID");
        venId = Xml.text(c, "venID").orElse(knownVenId != null ? knownVenId : cfg.venName());
        vtnId = Xml.text(c, "vtnID").orElse("");
        vtnPollFreq = Xml.text(c, "oadrRequestedOadrPollFreq", "duration").map(OadrMessages::duration).orElse(null);
        journal.putMeta("registrationId", registrationId);
        journal.putMeta("venId", venId);
        journal.putMeta("vtnId", vtnId);
        if (vtnPollFreq != null) {
            journal.putMeta("vtnPollFreq", vtnPollFreq.toString());
        }
        log.info("OpenADR 2.0b VEN {}: {} with VTN {} as venID {} (registrationID {}), VTN asks a poll every {}", cfg.venName(),
                regId == null ? "registered" : "re-registered", vtnId, venId, registrationId, vtnPollFreq);
    }

    /** Cancels this VEN's registration with the VTN (EiRegisterParty cancel); the VEN then stays idle. */
    void cancel() {
        Element r = http.post(OadrMessages.cancelPartyRegistration(requestIds.get(), registrationId, venId));
        expect(r, "oadrCanceledPartyRegistration", "oadrCancelPartyRegistration");
        log.info("OpenADR 2.0b VEN {}: registration {} cancelled", cfg.venName(), registrationId);
        journal.putMeta("cancelledByVen", registrationId);
        clear();
    }

    /** The VTN cancelled the registration ({@code oadrCancelPartyRegistration}): acknowledged; the VEN stays idle. */
    void cancelledByVtn(Element m) {
        String rid = Xml.text(m, "requestID").orElse("");
        String reg = Xml.text(m, "registrationID").orElse(registrationId);
        http.post(OadrMessages.canceledPartyRegistration("200", rid, reg, venId));
        log.warn("OpenADR 2.0b VEN {}: the VTN cancelled registration {}; the VEN stays idle until re-enrolled", cfg.venName(), reg);
        journal.putMeta("cancelledByVtn", reg == null ? "" : reg);
        clear();
    }

    private void clear() {
        journal.deleteMeta("registrationId");
        registrationId = null;
    }

    /** A reply that is not {@code name} with a 2xx code is the VTN's refusal of {@code to}. */
    static void expect(Element reply, String name, String to) {
        String[] r = OadrMessages.responseOf(reply);
        if (!name.equals(Xml.local(reply))) {
            throw new VtnException(0, to + ": the VTN answered " + Xml.local(reply) + " (" + r[0] + " " + r[1] + ")", null);
        }
        if (!r[0].startsWith("2")) {
            throw new VtnException(0, to + ": refused by the VTN with " + r[0] + " " + r[1], null);
        }
    }
}
