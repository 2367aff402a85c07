package io.flopwatch.cli;

import picocli.CommandLine;

/** The version from the jar manifest ({@code Implementation-Version}), "dev" when run from classes. */
final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        String v = Main.class.getPackage().getImplementationVersion();
        return new String[] {"flopwatch " + (v == null ? "dev" : v)};
    }
}
