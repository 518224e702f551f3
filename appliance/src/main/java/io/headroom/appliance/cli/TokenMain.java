package io.headroom.appliance.cli;

import io.headroom.common.cli.OptionSuggester;

import picocli.CommandLine;

/** {@code headroom-appliance token add NAME --role R [--data DIR]} on the appliance (its launcher routes it here). */
public final class TokenMain {

    private TokenMain() {
    }

    public static void main(String[] args) {
        System.exit(OptionSuggester.install(new CommandLine(new ApplianceCommands.Token())).execute(args));
    }
}
