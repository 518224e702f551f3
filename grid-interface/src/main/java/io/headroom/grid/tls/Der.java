package io.headroom.grid.tls;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * The little ASN.1 DER this module needs to read and write keys and bench certificates: tag-length-value elements,
 * read with every length checked against what is there (a bad input is an {@link IllegalArgumentException} saying
 * where, never an index error), written from parts.
 */
public final class Der {

    public static final int INTEGER = 0x02;
    public static final int BIT_STRING = 0x03;
    public static final int OCTET_STRING = 0x04;
    public static final int NULL = 0x05;
    public static final int OID = 0x06;
    public static final int UTF8_STRING = 0x0C;
    public static final int UTC_TIME = 0x17;
    public static final int SEQUENCE = 0x30;
    public static final int SET = 0x31;

    /** 1.2.840.113549.1.1.1 */
    public static final byte[] RSA_ENCRYPTION = {0x2A, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xF7, 0x0D, 0x01, 0x01, 0x01};
    /** 1.2.840.10045.2.1 */
    public static final byte[] EC_PUBLIC_KEY = {0x2A, (byte) 0x86, 0x48, (byte) 0xCE, 0x3D, 0x02, 0x01};
    /** 1.2.840.113549.1.1.11 */
    public static final byte[] SHA256_WITH_RSA = {0x2A, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xF7, 0x0D, 0x01, 0x01, 0x0B};
    /** 2.5.4.3 */
    public static final byte[] COMMON_NAME = {0x55, 0x04, 0x03};

    private Der() {
    }

    /** One element: its tag, and where its content lies in {@code data}. */
    public record Element(int tag, byte[] data, int start, int end) {
        public byte[] content() {
            return java.util.Arrays.copyOfRange(data, start, end);
        }

        /** The whole encoding (tag, length, content). */
        public byte[] encoded(int headerStart) {
            return java.util.Arrays.copyOfRange(data, headerStart, end);
        }

        /** The elements inside a constructed element (a SEQUENCE, a SET, a context tag). */
        public List<Element> children() {
            List<Element> out = new ArrayList<>();
            int p = start;
            while (p < end) {
                Element e = read(data, p, end);
                out.add(e);
                p = e.end;
            }
            return out;
        }

        public boolean constructed() {
            return (tag & 0x20) != 0;
        }
    }

    /** The single element that makes up {@code der} (nothing may follow it). */
    public static Element parse(byte[] der) {
        Element e = read(der, 0, der.length);
        if (e.end != der.length) {
            throw new IllegalArgumentException("DER: " + (der.length - e.end) + " bytes after the first element");
        }
        return e;
    }

    /** The element at {@code offset}, which must end by {@code limit}. */
    public static Element read(byte[] data, int offset, int limit) {
        if (offset < 0 || limit > data.length || offset + 2 > limit) {
            throw new IllegalArgumentException("DER: truncated element at offset " + offset);
        }
        int tag = data[offset] & 0xFF;
        if ((tag & 0x1F) == 0x1F) {
            throw new IllegalArgumentException("DER: multi-byte tag at offset " + offset + " not supported");
        }
        int b = data[offset + 1] & 0xFF;
        int p = offset + 2;
        long len;
        if (b < 0x80) {
            len = b;
        } else {
            int n = b & 0x7F;
            if (n == 0 || n > 4) {
                throw new IllegalArgumentException("DER: bad length form 0x" + Integer.toHexString(b) + " at offset " + (offset + 1));
            }
            if (p + n > limit) {
                throw new IllegalArgumentException("DER: truncated length at offset " + (offset + 1));
            }
            len = 0;
            for (int i = 0; i < n; i++) {
                len = (len << 8) | (data[p++] & 0xFF);
            }
        }
        if (len > limit - p) {
            throw new IllegalArgumentException("DER: element at offset " + offset + " claims " + len + " bytes, " + (limit - p) + " left");
        }
        return new Element(tag, data, p, p + (int) len);
    }

    /** The element's children, checking the tag and the count. */
    public static List<Element> expect(Element e, int tag, int minChildren, String what) {
        if (e.tag() != tag) {
            throw new IllegalArgumentException(what + ": expected tag 0x" + Integer.toHexString(tag) + ", found 0x" + Integer.toHexString(e.tag()));
        }
        List<Element> c = e.children();
        if (c.size() < minChildren) {
            throw new IllegalArgumentException(what + ": expected at least " + minChildren + " elements, found " + c.size());
        }
        return c;
    }

    // ---- writing ----

    public static byte[] tlv(int tag, byte[] content) {
        ByteArrayOutputStream o = new ByteArrayOutputStream(content.length + 6);
        o.write(tag);
        int n = content.length;
        if (n < 0x80) {
            o.write(n);
        } else if (n < 0x100) {
            o.write(0x81);
            o.write(n);
        } else if (n < 0x10000) {
            o.write(0x82);
            o.write(n >> 8);
            o.write(n);
        } else {
            o.write(0x83);
            o.write(n >> 16);
            o.write(n >> 8);
            o.write(n);
        }
        o.writeBytes(content);
        return o.toByteArray();
    }

    public static byte[] seq(byte[]... parts) {
        return tlv(SEQUENCE, concat(parts));
    }

    public static byte[] set(byte[]... parts) {
        return tlv(SET, concat(parts));
    }

    public static byte[] integer(long v) {
        return tlv(INTEGER, java.math.BigInteger.valueOf(v).toByteArray());
    }

    public static byte[] integer(java.math.BigInteger v) {
        return tlv(INTEGER, v.toByteArray());
    }

    public static byte[] oid(byte[] encoded) {
        return tlv(OID, encoded);
    }

    public static byte[] nul() {
        return new byte[] {NULL, 0};
    }

    public static byte[] octets(byte[] v) {
        return tlv(OCTET_STRING, v);
    }

    public static byte[] bits(byte[] v) {
        byte[] c = new byte[v.length + 1];
        System.arraycopy(v, 0, c, 1, v.length);
        return tlv(BIT_STRING, c);
    }

    public static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            o.writeBytes(p);
        }
        return o.toByteArray();
    }
}
