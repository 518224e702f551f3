package io.headroom.appliance.site;

import java.net.URI;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A node capped through its BMC's Redfish service instead of a node agent (the site file's {@code redfish:} on a
 * node). Paths are absolute.
 *
 * @param url          the service's base, {@code https://host[:port]}
 * @param user         the BMC account
 * @param passwordFile the account's password (the whole file, without its trailing newline)
 * @param caFile       PEM of the CA that signed the BMC's certificate; null: the JDK's trust store
 * @param chassis      the Redfish chassis id that is this node (default {@code "1"})
 */
public record RedfishBmc(URI url, String user, Path passwordFile, Path caFile, String chassis) {

    public static final String DEFAULT_CHASSIS = "1";

    public RedfishBmc {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(passwordFile, "passwordFile");
        chassis = chassis == null ? DEFAULT_CHASSIS : chassis;
    }
}
