/** What registration needs of the configuration. */
export abstract class WebhookSettings {
  /** WEBHOOK_ALLOW_PRIVATE: plain http:// URLs are accepted too. */
  abstract readonly allowPrivate: boolean;
}
