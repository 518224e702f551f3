package io.headroom.appliance.site;

import java.nio.file.Path;

import io.headroom.appliance.site.SiteYaml.Problems;

/**
 * What every section reader of one site file shares: where problems go (each with the file, line, column and field
 * path it is about) and the folder relative paths in the file are resolved against.
 *
 * @param problems every problem found so far, in discovery order
 * @param baseDir absolute; key, certificate and password files are relative to it
 */
record SiteReading(Problems problems, Path baseDir) {
}
