package io.headroom.appliance.site;

/**
 * The MQTT Sparkplug B northbound (the site file's {@code mqtt} section): the appliance as a Sparkplug edge node
 * publishing its feeds, groups, banks and N-1 readiness to a SCADA/EPMS broker. Read-only: it answers only a host's
 * {@code Node Control/Rebirth} and never takes a command that acts on the plant. Paths are resolved against the site
 * file's folder.
 *
 * @param host              the broker's host name or address
 * @param port              the broker's port (1883 for {@code mqtt://}, 8883 for {@code mqtts://} when the URL names none)
 * @param tls               {@code mqtts://}: TLS to the broker
 * @param groupId           the Sparkplug group id (the topics' second level)
 * @param edgeNodeId        the Sparkplug edge node id (the topics' fourth level)
 * @param clientId          the MQTT client id ("" : the edge node id)
 * @param username          MQTT user name, or ""
 * @param password          MQTT password, or "" (read from {@code passwordFile} when the site names one)
 * @param tlsCa             CA that signs the broker's certificate, PEM, or "" (the JDK's trust store)
 * @param tlsCert           client certificate chain, PEM, or "" (no client certificate)
 * @param tlsKey            client key, PKCS#8 PEM, or ""
 * @param publishIntervalMs how often changed values go out as DDATA
 * @param keepAliveS        the MQTT keep-alive, s
 * @param insecure          allow credentials over plain {@code mqtt://} (a bench on loopback)
 */
public record MqttSettings(boolean enabled, String host, int port, boolean tls, String groupId, String edgeNodeId,
                           String clientId, String username, String password, String tlsCa, String tlsCert,
                           String tlsKey, long publishIntervalMs, int keepAliveS, boolean insecure) {

    public static final long DEFAULT_PUBLISH_INTERVAL_MS = 1000;
    public static final int DEFAULT_KEEP_ALIVE_S = 30;

    public static MqttSettings disabled() {
        return new MqttSettings(false, "", 0, false, "", "", "", "", "", "", "", "", DEFAULT_PUBLISH_INTERVAL_MS,
                DEFAULT_KEEP_ALIVE_S, false);
    }

    /** The same settings against another broker (a test's, on an ephemeral port). */
    public MqttSettings withBroker(String h, int p) {
        return new MqttSettings(enabled, h, p, tls, groupId, edgeNodeId, clientId, username, password, tlsCa, tlsCert,
                tlsKey, publishIntervalMs, keepAliveS, insecure);
    }

    /** The MQTT client id the appliance connects with. */
    public String effectiveClientId() {
        return clientId.isEmpty() ? edgeNodeId : clientId;
    }

    @Override
    public String toString() { // never the password
        return "MqttSettings[" + (enabled ? (tls ? "mqtts://" : "mqtt://") + host + ":" + port + " group " + groupId
                + " node " + edgeNodeId + (username.isEmpty() ? "" : " user " + username) : "disabled") + "]";
    }
}
