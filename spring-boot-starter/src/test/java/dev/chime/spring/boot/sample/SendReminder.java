package dev.chime.spring.boot.sample;

import dev.chime.Job;
import dev.chime.JobContext;
import dev.chime.annotation.ChimeTask;
import org.springframework.stereotype.Component;

@Component
@ChimeTask("send-reminder")                // a task jobs added at run time can name
public class SendReminder implements Job {

    private final InvoiceService invoices;

    public SendReminder(InvoiceService invoices) {
        this.invoices = invoices;
    }

    @Override
    public void execute(JobContext ctx) {
        invoices.remind(ctx.data().path("customer").asText());
    }
}
