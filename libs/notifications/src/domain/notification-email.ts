/** An email as sent: subject, and the plain-text and HTML bodies, both made from the notification's one text. */
export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/**
 * The email of a notification: its title is the subject; its body (paragraphs separated by blank
 * lines, written by the template of its type in notification-texts.ts) is the text part and,
 * escaped paragraph by paragraph, the HTML part.
 */
export function renderEmail(title: string, body: string): RenderedEmail {
  const paragraphs = body
    .split(/\n{2,}/)
    .map((p) => p.trim())
    .filter(Boolean);
  const footer = 'You get this because email notifications are on in your notification settings.';
  return {
    subject: title,
    text: `${paragraphs.join('\n\n')}\n\n-- \n${footer}\n`,
    html: `<!doctype html><html><body>${paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join('')}<hr><p><small>${escapeHtml(footer)}</small></p></body></html>`,
  };
}

/** The Message-ID of a notification's email: the same on every attempt, so receivers drop duplicates. */
export const messageIdFor = (notificationId: string) => `<${notificationId}@notifications.task-backend>`;
