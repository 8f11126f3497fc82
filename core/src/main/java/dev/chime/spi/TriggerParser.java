package dev.chime.spi;

import dev.chime.Trigger;

/** Parses a whole trigger spec ({@code type:body}) with every trigger type the scheduler knows. */
@FunctionalInterface
public interface TriggerParser {

    /** @throws dev.chime.InvalidTriggerSpecException naming the spec and what is wrong with it */
    Trigger parse(String spec);
}
