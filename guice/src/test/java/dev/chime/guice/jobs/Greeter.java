package dev.chime.guice.jobs;

import com.google.inject.Singleton;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A dependency the jobs get injected; it records who greeted. */
@Singleton
public class Greeter {

    private final List<String> greetings = new CopyOnWriteArrayList<>();

    public void greet(String who) {
        greetings.add(who);
    }

    public List<String> greetings() {
        return greetings;
    }
}
