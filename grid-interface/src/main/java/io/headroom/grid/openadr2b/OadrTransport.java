package io.headroom.grid.openadr2b;

import org.w3c.dom.Element;

/**
 * How the 2.0b VEN's parts talk to the VTN: one message posted, the reply's message element back ({@link OadrHttp} over
 * HTTPS; a fake in the parts' unit tests). Failures are {@link io.headroom.grid.openadr3.VtnException}s (status 0: not
 * reached or outcome unknown), {@link OadrSignature.RefusedException} and {@link Xml.BadXmlException}.
 */
interface OadrTransport {

    /** Posts to the message's own service. */
    Element post(String xml);

    /** Posts to {@code service} (null: the message's own service; an oadrResponse needs it named). */
    Element post(String xml, String serviceOrNull);
}
