package io.headroom.grid.openadr2b;

import org.w3c.dom.Document;
import org.w3c.dom.Element;

import javax.xml.XMLConstants;
import javax.xml.crypto.MarshalException;
import javax.xml.crypto.dom.DOMStructure;
import javax.xml.crypto.dsig.CanonicalizationMethod;
import javax.xml.crypto.dsig.DigestMethod;
import javax.xml.crypto.dsig.Reference;
import javax.xml.crypto.dsig.SignatureMethod;
import javax.xml.crypto.dsig.SignatureProperties;
import javax.xml.crypto.dsig.SignatureProperty;
import javax.xml.crypto.dsig.SignedInfo;
import javax.xml.crypto.dsig.Transform;
import javax.xml.crypto.dsig.XMLObject;
import javax.xml.crypto.dsig.XMLSignature;
import javax.xml.crypto.dsig.XMLSignatureException;
import javax.xml.crypto.dsig.XMLSignatureFactory;
import javax.xml.crypto.dsig.dom.DOMSignContext;
import javax.xml.crypto.dsig.dom.DOMValidateContext;
import javax.xml.crypto.dsig.keyinfo.KeyInfo;
import javax.xml.crypto.dsig.keyinfo.KeyInfoFactory;
import javax.xml.crypto.dsig.spec.C14NMethodParameterSpec;
import javax.xml.crypto.dsig.spec.TransformParameterSpec;
import javax.xml.crypto.KeySelector;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertPath;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The OpenADR 2.0b profile's optional XML signature with replay protection, on the JDK's {@code javax.xml.crypto}.
 *
 * <p><b>Layout</b> (what {@link #sign} writes; {@code oadr_20b.xsd}: {@code oadrPayload = ds:Signature?, oadrSignedObject}):
 * <pre>
 * &lt;oadr:oadrPayload&gt;
 *   &lt;ds:Signature Id="oadrSignature"&gt;
 *     &lt;ds:SignedInfo&gt; exclusive c14n; RSA-SHA256 or ECDSA-SHA256 (the key's algorithm)
 *       &lt;ds:Reference URI="#oadrSignedObject"&gt;         exclusive c14n, SHA-256
 *       &lt;ds:Reference URI="#oadrReplayProtect" Type="...#SignatureProperties"&gt;
 *     &lt;ds:SignatureValue/&gt;
 *     &lt;ds:KeyInfo&gt;&lt;ds:X509Data&gt;&lt;ds:X509Certificate/&gt; the signer's certificate (its TLS client/server certificate)
 *     &lt;ds:Object&gt;&lt;ds:SignatureProperties Id="oadrReplayProtect"&gt;
 *       &lt;ds:SignatureProperty Target="#oadrSignature"&gt;&lt;dsp:ReplayProtect&gt;&lt;dsp:timestamp/&gt;&lt;dsp:nonce/&gt;
 *   &lt;/ds:Signature&gt;
 *   &lt;oadr:oadrSignedObject oadr:Id="oadrSignedObject"&gt; the message &lt;/oadr:oadrSignedObject&gt;
 * &lt;/oadr:oadrPayload&gt;
 * </pre>
 * The signature is detached (a sibling of the signed object, referenced by its {@code Id}) and covers the replay
 * protection too, so neither the timestamp nor the nonce can be changed without breaking it.
 *
 * <p><b>Verification</b> ({@link #verify}) refuses, with the reason in a {@link RefusedException}: a missing
 * signature when one is required; a certificate in {@code KeyInfo} that does not chain to the configured CA (checked
 * against the system time, as TLS does) or is not the TLS peer's; references other than exactly the signed object
 * and the replay protection; other algorithms; a digest or signature value that does not match (anything changed
 * after signing); a timestamp further than the window (default 5 min) from this side's clock; a nonce this side has
 * already accepted from the same signer (a bounded cache: the most recent {@code replayCacheSize} nonces, and none
 * older than twice the window, since older messages are refused as stale anyway). The message returned is the one in
 * the verified document: what is applied is exactly what was signed.
 */
public final class OadrSignature {

    public static final String DS = XMLSignature.XMLNS;
    public static final String DSP = "http://openadr.org/oadr-2.0b/2012/07/xmldsig-properties";
    public static final String SIGNED_OBJECT_ID = "oadrSignedObject";
    public static final String SIGNATURE_ID = "oadrSignature";
    public static final String REPLAY_PROTECT_ID = "oadrReplayProtect";
    public static final Duration DEFAULT_WINDOW = Duration.ofMinutes(5);
    public static final int DEFAULT_REPLAY_CACHE = 10_000;
    private static final String PROPERTIES_TYPE = "http://www.w3.org/2000/09/xmldsig#SignatureProperties";
    /**
     * Canonicalizations accepted in what is verified (SignedInfo and references): the profile's exclusive C14N and the
     * inclusive C14N 1.0 some VTNs sign with, each with or without comments. Nothing else (no XPath, XSLT or
     * enveloped-signature transforms): the signed object is exactly the referenced element.
     */
    public static final Set<String> CANONICALIZATIONS = Set.of(CanonicalizationMethod.EXCLUSIVE,
            CanonicalizationMethod.EXCLUSIVE_WITH_COMMENTS, CanonicalizationMethod.INCLUSIVE, CanonicalizationMethod.INCLUSIVE_WITH_COMMENTS);

    /** A message refused because of its signature or its replay protection; the message says why. */
    public static final class RefusedException extends Xml.BadXmlException {
        public RefusedException(String message) {
            super(message, null);
        }
    }

    /** The message of a checked payload; {@code signed} false when it carried no signature (and none was required). */
    public record Verified(Element message, boolean signed, X509Certificate signer, Instant timestamp, String nonce) {
    }

    private final PrivateKey key;
    private final List<X509Certificate> chain;
    private final Set<TrustAnchor> anchors;
    private final Clock clock;
    private final Duration window;
    private final int replayCacheSize;
    private final LinkedHashMap<String, Instant> seen = new LinkedHashMap<>();
    private final SecureRandom random = new SecureRandom();
    private final XMLSignatureFactory factory = XMLSignatureFactory.getInstance("DOM");

    /**
     * @param key     the signing key (EC or RSA), or null for a verifier only
     * @param chain   the signer's certificate first (its intermediates after it)
     * @param trusted the CA(s) a peer's signing certificate must chain to
     * @param clock   the clock the timestamp is written with and checked against
     */
    public OadrSignature(PrivateKey key, List<X509Certificate> chain, List<X509Certificate> trusted, Clock clock, Duration window,
                         int replayCacheSize) {
        if (trusted.isEmpty()) {
            throw new IllegalArgumentException("XML signature: no trusted CA");
        }
        if (key != null && chain.isEmpty()) {
            throw new IllegalArgumentException("XML signature: a key without its certificate");
        }
        if (window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("XML signature: replay window must be positive, got " + window);
        }
        this.key = key;
        this.chain = List.copyOf(chain);
        this.anchors = trusted.stream().map(c -> new TrustAnchor(c, null)).collect(Collectors.toUnmodifiableSet());
        this.clock = clock;
        this.window = window;
        this.replayCacheSize = Math.max(1, replayCacheSize);
    }

    /** From the same PEM files as the TLS context (certificate chain, PKCS#8 key, CA). */
    public static OadrSignature fromPem(Path certChainPem, Path keyPem, Path caPem, Clock clock, Duration window, int replayCacheSize) {
        try {
            return new OadrSignature(keyPem == null ? null : OadrTls.privateKey(keyPem), x509(OadrTls.certificates(certChainPem)),
                    x509(OadrTls.certificates(caPem)), clock, window, replayCacheSize);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("OpenADR 2.0b XML signature: cannot read cert " + certChainPem + ", key " + keyPem
                    + ", CA " + caPem + ": " + e.getMessage(), e);
        }
    }

    public static List<X509Certificate> x509(List<java.security.cert.Certificate> cs) {
        return cs.stream().map(c -> (X509Certificate) c).toList();
    }

    public Duration window() {
        return window;
    }

    // ---- signing ----

    /** Signs a payload ({@code oadrPayload/oadrSignedObject}) with exclusive C14N; an existing signature is replaced. */
    public String sign(String payloadXml) {
        return sign(payloadXml, CanonicalizationMethod.EXCLUSIVE);
    }

    /** Signs with another canonicalization (benches that play a VTN signing with inclusive C14N). */
    public String sign(String payloadXml, String c14n) {
        if (!CANONICALIZATIONS.contains(c14n)) {
            throw new IllegalArgumentException("XML signature: canonicalization " + c14n + " is not one of " + CANONICALIZATIONS);
        }
        if (key == null) {
            throw new IllegalStateException("XML signature: no signing key");
        }
        Document d = Xml.parse(payloadXml);
        Element payload = d.getDocumentElement();
        if (!"oadrPayload".equals(Xml.local(payload))) {
            throw new IllegalArgumentException("XML signature: not an oadrPayload: " + Xml.local(payload));
        }
        for (Element c : Xml.children(payload)) {
            if (DS.equals(c.getNamespaceURI())) {
                payload.removeChild(c);
            }
        }
        Element signed = Xml.child(payload, "oadrSignedObject")
                .orElseThrow(() -> new IllegalArgumentException("XML signature: oadrPayload without oadrSignedObject"));
        // oadr_20b.xsd has attributeFormDefault="qualified": the attribute is oadr:Id
        signed.setAttributeNS(Xml.OADR, "oadr:Id", SIGNED_OBJECT_ID);
        try {
            DigestMethod sha256 = factory.newDigestMethod(DigestMethod.SHA256, null);
            List<Transform> exc = List.of(factory.newTransform(c14n, (TransformParameterSpec) null));
            Reference object = factory.newReference("#" + SIGNED_OBJECT_ID, sha256, exc, null, null);
            Reference replay = factory.newReference("#" + REPLAY_PROTECT_ID, sha256, exc, PROPERTIES_TYPE, null);
            SignedInfo si = factory.newSignedInfo(
                    factory.newCanonicalizationMethod(c14n, (C14NMethodParameterSpec) null),
                    factory.newSignatureMethod(signatureMethod(key.getAlgorithm()), null), List.of(object, replay));
            Element rp = d.createElementNS(DSP, "dsp:ReplayProtect");
            rp.setAttributeNS(XMLConstants.XMLNS_ATTRIBUTE_NS_URI, "xmlns:dsp", DSP);
            Element ts = d.createElementNS(DSP, "dsp:timestamp");
            ts.setTextContent(Xml.dateTime(clock.instant()));
            rp.appendChild(ts);
            byte[] n = new byte[16];
            random.nextBytes(n);
            Element nonce = d.createElementNS(DSP, "dsp:nonce");
            nonce.setTextContent(HexFormat.of().formatHex(n));
            rp.appendChild(nonce);
            SignatureProperty sp = factory.newSignatureProperty(List.of(new DOMStructure(rp)), "#" + SIGNATURE_ID, null);
            SignatureProperties sps = factory.newSignatureProperties(List.of(sp), REPLAY_PROTECT_ID);
            XMLObject obj = factory.newXMLObject(List.of(sps), null, null, null);
            KeyInfoFactory kif = factory.getKeyInfoFactory();
            KeyInfo ki = kif.newKeyInfo(List.of(kif.newX509Data(List.of(chain.getFirst()))));
            XMLSignature sig = factory.newXMLSignature(si, ki, List.of(obj), SIGNATURE_ID, null);
            DOMSignContext ctx = new DOMSignContext(key, payload, signed);
            ctx.setDefaultNamespacePrefix("ds");
            ctx.setIdAttributeNS(signed, Xml.OADR, "Id");
            sig.sign(ctx);
        } catch (GeneralSecurityException | MarshalException | XMLSignatureException e) {
            throw new IllegalStateException("XML signature: cannot sign: " + e.getMessage(), e);
        }
        return Xml.write(payload);
    }

    private static String signatureMethod(String keyAlgorithm) {
        return switch (keyAlgorithm) {
            case "EC" -> SignatureMethod.ECDSA_SHA256;
            case "RSA" -> SignatureMethod.RSA_SHA256;
            default -> throw new IllegalArgumentException("XML signature: the 2.0b profile signs with RSA or ECDSA, not " + keyAlgorithm);
        };
    }

    // ---- verifying ----

    /**
     * Checks a received payload and returns its message.
     *
     * @param peer     the TLS peer's certificate the signature must be made with (null: plain HTTP, not checked)
     * @param required whether an unsigned payload is refused
     * @throws RefusedException when the signature or the replay protection is wrong, or missing while required
     * @throws Xml.BadXmlException when the XML is not an OpenADR 2.0b payload at all
     */
    public Verified verify(String xml, X509Certificate peer, boolean required) {
        Document d = Xml.parse(xml);
        Element root = d.getDocumentElement();
        List<Element> sigs = Xml.children(root).stream()
                .filter(c -> DS.equals(c.getNamespaceURI()) && "Signature".equals(Xml.local(c))).toList();
        if (sigs.isEmpty()) {
            if (required) {
                throw new RefusedException("missing signature: XML signatures are on and the payload has no ds:Signature");
            }
            return new Verified(Xml.message(root), false, null, null, null);
        }
        if (!"oadrPayload".equals(Xml.local(root)) || !Xml.OADR.equals(root.getNamespaceURI())) {
            throw new RefusedException("signature outside an oadrPayload");
        }
        if (sigs.size() > 1) {
            throw new RefusedException("more than one ds:Signature");
        }
        List<Element> objects = Xml.children(root, "oadrSignedObject");
        if (objects.size() != 1 || !Xml.OADR.equals(objects.getFirst().getNamespaceURI())) {
            throw new RefusedException("a signed payload needs exactly one oadrSignedObject");
        }
        Element signed = objects.getFirst();
        Element sigEl = sigs.getFirst();
        // oadr:Id as the schema wants; a bare Id is read too (tolerant reading)
        String idNs = signed.hasAttributeNS(Xml.OADR, "Id") ? Xml.OADR : null;
        String objectId = signed.getAttributeNS(idNs, "Id");
        if (objectId.isEmpty()) {
            throw new RefusedException("oadrSignedObject has no Id for the signature to reference");
        }
        List<X509Certificate> certs = keyInfoCertificates(sigEl);
        X509Certificate signer = certs.getFirst();
        checkIssuedByTheCa(certs);
        if (peer != null && !signer.equals(peer)) {
            throw new RefusedException("signed with the certificate of " + signer.getSubjectX500Principal().getName()
                    + ", not the TLS peer's (" + peer.getSubjectX500Principal().getName() + ")");
        }
        DOMValidateContext vc = new DOMValidateContext(KeySelector.singletonKeySelector(signer.getPublicKey()), sigEl);
        vc.setProperty("org.jcp.xml.dsig.secureValidation", Boolean.TRUE);
        vc.setIdAttributeNS(signed, idNs, "Id");
        Map<String, Element> properties = new LinkedHashMap<>();
        for (Element o : Xml.children(sigEl, "Object")) {
            for (Element sps : Xml.children(o, "SignatureProperties")) {
                if (!sps.getAttribute("Id").isEmpty()) {
                    if (sps.getAttribute("Id").equals(objectId) || properties.containsKey(sps.getAttribute("Id"))) {
                        throw new RefusedException("duplicate Id " + sps.getAttribute("Id"));
                    }
                    vc.setIdAttributeNS(sps, null, "Id");
                    properties.put(sps.getAttribute("Id"), sps);
                }
            }
        }
        XMLSignature sig;
        try {
            sig = factory.unmarshalXMLSignature(vc);
        } catch (MarshalException e) {
            throw new RefusedException("unreadable ds:Signature: " + e.getMessage());
        }
        SignedInfo si = sig.getSignedInfo();
        if (!CANONICALIZATIONS.contains(si.getCanonicalizationMethod().getAlgorithm())) {
            throw new RefusedException("canonicalization " + si.getCanonicalizationMethod().getAlgorithm()
                    + " (accepted: exclusive or inclusive C14N 1.0, with or without comments)");
        }
        String method = si.getSignatureMethod().getAlgorithm();
        if (!method.equals(SignatureMethod.ECDSA_SHA256) && !method.equals(SignatureMethod.RSA_SHA256)) {
            throw new RefusedException("signature method " + method + " (the profile: RSA-SHA256 or ECDSA-SHA256)");
        }
        Reference objectRef = null;
        Reference replayRef = null;
        for (Object o : si.getReferences()) {
            Reference r = (Reference) o;
            if (("#" + objectId).equals(r.getURI()) && objectRef == null) {
                objectRef = r;
            } else if (PROPERTIES_TYPE.equals(r.getType()) && r.getURI() != null && r.getURI().startsWith("#")
                    && properties.containsKey(r.getURI().substring(1)) && replayRef == null) {
                replayRef = r;
            } else {
                throw new RefusedException("unexpected reference " + r.getURI() + " (only the oadrSignedObject and the replay protection)");
            }
            for (Object t : r.getTransforms()) {
                String alg = ((Transform) t).getAlgorithm();
                if (!CANONICALIZATIONS.contains(alg)) {
                    throw new RefusedException("reference " + r.getURI() + " has transform " + alg
                            + " (accepted: exclusive or inclusive C14N 1.0, with or without comments)");
                }
            }
            if (!DigestMethod.SHA256.equals(r.getDigestMethod().getAlgorithm())) {
                throw new RefusedException("digest " + r.getDigestMethod().getAlgorithm() + " (the profile: SHA-256)");
            }
        }
        if (objectRef == null) {
            throw new RefusedException("the signature does not reference the oadrSignedObject (#" + objectId + ")");
        }
        if (replayRef == null) {
            throw new RefusedException("the signature does not cover a ReplayProtect signature property");
        }
        boolean valid;
        try {
            valid = sig.validate(vc);
        } catch (XMLSignatureException e) {
            throw new RefusedException("signature cannot be checked: " + e.getMessage());
        }
        if (!valid) {
            List<String> broken = new ArrayList<>();
            try {
                if (!sig.getSignatureValue().validate(vc)) {
                    broken.add("the signature value");
                }
                if (!objectRef.validate(vc)) {
                    broken.add("the digest of the oadrSignedObject");
                }
                if (!replayRef.validate(vc)) {
                    broken.add("the digest of the replay protection");
                }
            } catch (XMLSignatureException e) {
                broken.add(e.getMessage());
            }
            throw new RefusedException("bad signature: " + (broken.isEmpty() ? "invalid" : String.join(" and ", broken) + " do not match")
                    + " (changed after signing, or signed with another key)");
        }
        Element sps = properties.get(replayRef.getURI().substring(1));
        Element rp = Xml.descendant(sps, "ReplayProtect").filter(e -> DSP.equals(e.getNamespaceURI()))
                .orElseThrow(() -> new RefusedException("no dsp:ReplayProtect in the signed signature properties"));
        String target = Xml.child(sps, "SignatureProperty").map(e -> e.getAttribute("Target")).orElse("");
        if (!sigEl.getAttribute("Id").isEmpty() && !target.equals("#" + sigEl.getAttribute("Id"))) {
            throw new RefusedException("the ReplayProtect property targets " + target + ", not this signature");
        }
        Instant ts = timestamp(Xml.text(rp, "timestamp").orElse(""));
        String nonce = Xml.text(rp, "nonce").orElse("");
        if (nonce.isEmpty()) {
            throw new RefusedException("ReplayProtect without a nonce");
        }
        Instant now = clock.instant();
        Duration skew = Duration.between(ts, now).abs();
        if (skew.compareTo(window) > 0) {
            throw new RefusedException("stale timestamp " + ts + ": " + skew + " from this side's clock (" + now
                    + "), outside the replay window of " + window);
        }
        remember(OadrTls.fingerprint(signer) + "/" + nonce, nonce, now);
        return new Verified(Xml.message(signed), true, signer, ts, nonce);
    }

    private synchronized void remember(String key, String nonce, Instant now) {
        Instant horizon = now.minus(window.multipliedBy(2));
        for (Iterator<Instant> it = seen.values().iterator(); it.hasNext(); ) {
            if (it.next().isBefore(horizon)) {
                it.remove();
            } else {
                break;
            }
        }
        if (seen.containsKey(key)) {
            throw new RefusedException("replay: nonce " + nonce + " was already accepted " + seen.get(key));
        }
        seen.put(key, now);
        while (seen.size() > replayCacheSize) {
            seen.pollFirstEntry();
        }
    }

    /** How many nonces the replay cache holds now. */
    public synchronized int replayCacheSize() {
        return seen.size();
    }

    private static Instant timestamp(String s) {
        try {
            return OffsetDateTime.parse(s).toInstant();
        } catch (DateTimeParseException e) {
            try {
                return LocalDateTime.parse(s).toInstant(ZoneOffset.UTC);
            } catch (DateTimeParseException e2) {
                throw new RefusedException("ReplayProtect timestamp '" + s + "' is not a dateTime");
            }
        }
    }

    private static List<X509Certificate> keyInfoCertificates(Element sigEl) {
        List<X509Certificate> out = new ArrayList<>();
        Element ki = Xml.child(sigEl, "KeyInfo").orElseThrow(() -> new RefusedException("ds:Signature without KeyInfo (the signer's certificate)"));
        try {
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            for (Element x : Xml.children(ki, "X509Data")) {
                for (Element c : Xml.children(x, "X509Certificate")) {
                    byte[] der = Base64.getMimeDecoder().decode(c.getTextContent().trim());
                    out.add((X509Certificate) cf.generateCertificate(new ByteArrayInputStream(der)));
                }
            }
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new RefusedException("unreadable X509Certificate in KeyInfo: " + e.getMessage());
        }
        if (out.isEmpty()) {
            throw new RefusedException("KeyInfo holds no X509Certificate");
        }
        return out;
    }

    private void checkIssuedByTheCa(List<X509Certificate> certs) {
        try {
            CertPath path = CertificateFactory.getInstance("X.509").generateCertPath(certs);
            PKIXParameters p = new PKIXParameters(anchors);
            p.setRevocationEnabled(false);
            CertPathValidator.getInstance("PKIX").validate(path, p);
        } catch (GeneralSecurityException e) {
            throw new RefusedException("signing certificate " + certs.getFirst().getSubjectX500Principal().getName()
                    + " (issuer " + certs.getFirst().getIssuerX500Principal().getName() + ") is not issued by the configured CA: "
                    + e.getMessage());
        }
    }
}
