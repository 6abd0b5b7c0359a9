import { messageIdFor, renderEmail } from './notification-email';
import { reminderText } from './notification-texts';

describe('notification emails', () => {
  it('text and HTML from one text; HTML escaped; a stable Message-ID per notification', () => {
    const { title, body } = reminderText('Fix <script> & "quotes"', new Date('2026-12-06T09:00:00.000Z'));
    const email = renderEmail(title, body);
    expect(email.subject).toBe('Reminder: Fix <script> & "quotes"');
    expect(email.text).toContain('"Fix <script> & "quotes"" is due at 2026-12-06T09:00:00Z.');
    expect(email.html).toContain(
      '<p>&quot;Fix &lt;script&gt; &amp; &quot;quotes&quot;&quot; is due at 2026-12-06T09:00:00Z.</p>',
    );
    expect(email.html).not.toContain('<script>');
    expect(messageIdFor('n1')).toBe('<n1@notifications.task-backend>');
    expect(messageIdFor('n1')).toBe(messageIdFor('n1'));
  });
});
