package dev.chime.console;

import java.util.Objects;

/**
 * Who is calling the console, as an {@link Authenticator} found out. Immutable.
 *
 * @param name for logs and the dashboard's header; never a secret
 * @param role what the user may do
 */
public record ConsoleUser(String name, Role role) {

    public ConsoleUser {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(role, "role");
    }
}
