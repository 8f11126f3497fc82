package dev.chime.spring.boot.sample;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.springframework.stereotype.Service;

/** The application's own service (here it only records what it was asked to do). */
@Service
public class InvoiceService {

    private final List<String> done = new CopyOnWriteArrayList<>();

    public void sendDue(Instant at) {
        done.add("sent invoices due at " + at);
    }

    public void remind(String customer) {
        done.add("reminded " + customer);
    }

    public List<String> done() {
        return done;
    }
}
