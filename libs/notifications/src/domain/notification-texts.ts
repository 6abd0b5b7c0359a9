/**
 * The one template per notification type: its title, and the plain text the in-app body and the
 * email's text and HTML parts are made from.
 */
export function reminderText(title: string, dueDate: Date): { title: string; body: string } {
  return { title: `Reminder: ${title}`, body: `"${title}" is due at ${dueDate.toISOString().replace('.000Z', 'Z')}.` };
}

export function webhookDisabledText(url: string, reason: string): { title: string; body: string } {
  return {
    title: 'Webhook disabled',
    body: `Deliveries to ${url} kept failing (last: ${reason}), so the webhook was disabled. Its undelivered events are listed with its dead deliveries; register it again once the receiver works.`,
  };
}
