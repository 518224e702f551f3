package io.headroom.grid.openadr2b;

import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.xml.sax.InputSource;
import org.xml.sax.SAXException;

import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import javax.xml.transform.OutputKeys;
import javax.xml.transform.Transformer;
import javax.xml.transform.TransformerException;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamResult;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * OpenADR 2.0b XML with the JDK's DOM: namespaces, a small builder for strict writing, and tolerant readers
 * (elements found by local name in any namespace prefix, unknown elements ignored). Parsing refuses DOCTYPEs
 * (no external entities).
 */
public final class Xml {

    public static final String OADR = "http://openadr.org/oadr-2.0b/2012/07";
    public static final String EI = "http://docs.oasis-open.org/ns/energyinterop/201110";
    public static final String PYLD = "http://docs.oasis-open.org/ns/energyinterop/201110/payloads";
    public static final String EMIX = "http://docs.oasis-open.org/ns/emix/2011/06";
    public static final String XCAL = "urn:ietf:params:xml:ns:icalendar-2.0";
    public static final String STRM = "urn:ietf:params:xml:ns:icalendar-2.0:stream";
    public static final String POWER = "http://docs.oasis-open.org/ns/emix/2011/06/power";
    public static final String SCALE = "http://docs.oasis-open.org/ns/emix/2011/06/siscale";

    private static final String[][] PREFIXES = {
        {"oadr", OADR}, {"ei", EI}, {"pyld", PYLD}, {"emix", EMIX}, {"xcal", XCAL}, {"strm", STRM}, {"power", POWER}, {"scale", SCALE},
    };

    /** An XML document that cannot be read, or is not an OpenADR 2.0b payload. */
    public static class BadXmlException extends RuntimeException {
        public BadXmlException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private Xml() {
    }

    private static DocumentBuilder builder() {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setNamespaceAware(true);
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            f.setXIncludeAware(false);
            f.setExpandEntityReferences(false);
            return f.newDocumentBuilder();
        } catch (ParserConfigurationException e) {
            throw new IllegalStateException("XML parser unavailable: " + e.getMessage(), e);
        }
    }

    // ---- writing ----

    /** A new {@code oadr:oadrPayload/oadr:oadrSignedObject/oadr:<message>}; returns the message element. */
    public static Element newMessage(String messageName) {
        Document d = builder().newDocument();
        Element payload = d.createElementNS(OADR, "oadr:oadrPayload");
        for (String[] p : PREFIXES) {
            payload.setAttributeNS(XMLConstants.XMLNS_ATTRIBUTE_NS_URI, "xmlns:" + p[0], p[1]);
        }
        d.appendChild(payload);
        Element signed = add(payload, OADR, "oadrSignedObject");
        Element m = add(signed, OADR, messageName);
        m.setAttributeNS(EI, "ei:schemaVersion", "2.0b");
        return m;
    }

    private static String prefix(String ns) {
        for (String[] p : PREFIXES) {
            if (p[1].equals(ns)) {
                return p[0];
            }
        }
        throw new IllegalArgumentException("unknown namespace " + ns);
    }

    public static Element add(Element parent, String ns, String name) {
        Element e = parent.getOwnerDocument().createElementNS(ns, prefix(ns) + ":" + name);
        parent.appendChild(e);
        return e;
    }

    public static Element add(Element parent, String ns, String name, String text) {
        Element e = add(parent, ns, name);
        e.setTextContent(text);
        return e;
    }

    /** {@code <xcal:dtstart><xcal:date-time>...Z</xcal:date-time></xcal:dtstart>}. */
    public static void dtstart(Element parent, Instant t) {
        add(add(parent, XCAL, "dtstart"), XCAL, "date-time", dateTime(t));
    }

    /** {@code <NS:name><xcal:duration>PT..</xcal:duration></NS:name>} (a DurationPropType). */
    public static void durationProp(Element parent, String ns, String name, Duration d) {
        add(add(parent, ns, name), XCAL, "duration", duration(d));
    }

    public static String dateTime(Instant t) {
        return t.truncatedTo(ChronoUnit.MILLIS).toString();
    }

    /** Whole seconds as the xcal pattern wants ({@code PT15M}, {@code PT1H}, {@code PT0S}). */
    public static String duration(Duration d) {
        long s = Math.max(0, d.toSeconds());
        if (s == 0) {
            return "PT0S";
        }
        StringBuilder b = new StringBuilder("PT");
        if (s >= 3600) {
            b.append(s / 3600).append('H');
        }
        if (s % 3600 >= 60) {
            b.append(s % 3600 / 60).append('M');
        }
        if (s % 60 > 0) {
            b.append(s % 60).append('S');
        }
        return b.toString();
    }

    public static String write(Element anyElementOfTheDocument) {
        try {
            Transformer t = TransformerFactory.newInstance().newTransformer();
            t.setOutputProperty(OutputKeys.ENCODING, "UTF-8");
            t.setOutputProperty(OutputKeys.STANDALONE, "yes");
            StringWriter w = new StringWriter();
            t.transform(new DOMSource(anyElementOfTheDocument.getOwnerDocument()), new StreamResult(w));
            return w.toString();
        } catch (TransformerException e) {
            throw new IllegalStateException("cannot write XML: " + e.getMessage(), e);
        }
    }

    // ---- reading ----

    public static Document parse(String xml) {
        try {
            return builder().parse(new InputSource(new StringReader(xml)));
        } catch (SAXException | IOException e) {
            throw new BadXmlException("malformed XML: " + e.getMessage(), e);
        }
    }

    /**
     * The message inside {@code oadrPayload/oadrSignedObject} (tolerant: a bare message or a bare signed object
     * is accepted too).
     */
    public static Element message(String xml) {
        return message(parse(xml).getDocumentElement());
    }

    /** {@link #message(String)} on a parsed document's root (or on an oadrSignedObject). */
    public static Element message(Element root) {
        Element e = root;
        if ("oadrPayload".equals(local(e))) {
            e = child(e, "oadrSignedObject").orElseThrow(() -> new BadXmlException("oadrPayload without oadrSignedObject", null));
        }
        if ("oadrSignedObject".equals(local(e))) {
            List<Element> kids = children(e);
            if (kids.isEmpty()) {
                throw new BadXmlException("empty oadrSignedObject", null);
            }
            e = kids.getFirst();
        }
        if (!OADR.equals(e.getNamespaceURI())) {
            throw new BadXmlException("not an OpenADR 2.0b message: {" + e.getNamespaceURI() + "}" + local(e), null);
        }
        return e;
    }

    public static String local(Node n) {
        return n.getLocalName() != null ? n.getLocalName() : n.getNodeName();
    }

    public static List<Element> children(Element e) {
        List<Element> out = new ArrayList<>();
        for (Node n = e.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element c) {
                out.add(c);
            }
        }
        return out;
    }

    public static List<Element> children(Element e, String localName) {
        return children(e).stream().filter(c -> localName.equals(local(c))).toList();
    }

    public static Optional<Element> child(Element e, String localName) {
        return children(e).stream().filter(c -> localName.equals(local(c))).findFirst();
    }

    /** The element at a path of local names, if every step exists. */
    public static Optional<Element> path(Element e, String... localNames) {
        Optional<Element> cur = Optional.of(e);
        for (String n : localNames) {
            cur = cur.flatMap(c -> child(c, n));
        }
        return cur;
    }

    public static Optional<String> text(Element e, String... localNames) {
        return path(e, localNames).map(x -> x.getTextContent().trim());
    }

    /** A required text, or a {@link BadXmlException} naming the path and the element it was looked for in. */
    public static String required(Element e, String... localNames) {
        return text(e, localNames).filter(s -> !s.isEmpty())
                .orElseThrow(() -> new BadXmlException(local(e) + ": missing " + String.join("/", localNames), null));
    }

    /** The first descendant with this local name (depth first), if any. */
    public static Optional<Element> descendant(Element e, String localName) {
        for (Element c : children(e)) {
            if (localName.equals(local(c))) {
                return Optional.of(c);
            }
            Optional<Element> d = descendant(c, localName);
            if (d.isPresent()) {
                return d;
            }
        }
        return Optional.empty();
    }
}
