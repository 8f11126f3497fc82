package dev.chime.spring.boot.sample;

import dev.chime.JobContext;
import dev.chime.annotation.ScheduledJob;
import org.springframework.stereotype.Component;

@Component
public class InvoiceJobs {

    private final InvoiceService invoices;

    public InvoiceJobs(InvoiceService invoices) {         // injected as usual
        this.invoices = invoices;
    }

    @ScheduledJob(id = "send-invoices", cron = "0 */5 * * * *", zone = "Europe/Berlin", retries = 2)
    public void sendDue(JobContext ctx) {
        invoices.sendDue(ctx.scheduledFireTime());
    }
}
